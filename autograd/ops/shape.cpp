// Reshaping and axis reordering: reshape shares storage; expand, transpose and permute copy
// through a strided kernel, and their gradients undo the move (sum_to, the inverse permutation).
#include "autograd/ops/shape.h"

#include <algorithm>
#include <numeric>

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"

namespace tg {

Tensor reshape(const Tensor& x, Shape shape) {
  int64_t known = 1, infer = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      TG_CHECK(infer < 0, "reshape: more than one -1 in {}", shape_str(shape));
      infer = int64_t(d);
    } else {
      TG_CHECK(shape[d] >= 0, "reshape: negative size in {}", shape_str(shape));
      known *= shape[d];
    }
  }
  if (infer >= 0) {
    TG_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot infer -1 in {} for {}", shape_str(shape), describe(x));
    shape[size_t(infer)] = x.numel() / known;
  }
  TG_CHECK(numel(shape) == x.numel(), "reshape: {} has {} elements, shape {} has {}", describe(x), x.numel(),
           shape_str(shape), numel(shape));
  if (shape == x.shape()) return x;
  Tensor out = raw::view(x, shape);
  if (needs_grad(x))
    record(Op::Reshape, out, {x}, [from = x.shape()](const Tensor& dy, Node&) -> Grads { return {reshape(dy, from)}; });
  return out;
}

Tensor flatten(const Tensor& x, int64_t start_axis, int64_t end_axis) {
  if (x.dim() == 0) return reshape(x, {1});
  int64_t s = normalize_axis(start_axis, x.dim(), "flatten"), e = normalize_axis(end_axis, x.dim(), "flatten");
  TG_CHECK(s <= e, "flatten: start axis {} is after end axis {}", start_axis, end_axis);
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= x.shape()[size_t(d)];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  int64_t a = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, int64_t axis) {
  int64_t a = normalize_axis(axis, x.dim(), "squeeze");
  TG_CHECK(x.shape()[size_t(a)] == 1, "squeeze: axis {} of {} has size {}, not 1", axis, describe(x), x.shape()[size_t(a)]);
  Shape shape = x.shape();
  shape.erase(shape.begin() + a);
  return reshape(x, shape);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  Shape target = broadcast_shapes(x.shape(), shape, "expand");
  TG_CHECK(target == shape, "expand: {} cannot be expanded to {}", describe(x), shape_str(shape));
  Tensor out = raw::copy_strided(x, shape, broadcast_strides(x.shape(), shape));
  if (needs_grad(x))
    record(Op::Expand, out, {x}, [from = x.shape()](const Tensor& dy, Node&) -> Grads { return {sum_to(dy, from)}; });
  return out;
}

// out[i_0, ..., i_n] = x[i at the permuted positions]: read x with its strides reordered.
Tensor permute(const Tensor& x, const std::vector<int64_t>& axes) {
  TG_CHECK(int64_t(axes.size()) == x.dim(), "permute: {} axes given for {}", axes.size(), describe(x));
  std::vector<int64_t> perm(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) perm[i] = normalize_axis(axes[i], x.dim(), "permute");
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    TG_CHECK(sorted[i] == int64_t(i), "permute: ({}) is not a permutation of {} axes", fmt::join(axes, ", "), x.dim());
  Shape strides = contiguous_strides(x.shape()), shape(perm.size()), in_strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    shape[i] = x.shape()[size_t(perm[i])];
    in_strides[i] = strides[size_t(perm[i])];
  }
  Tensor out = raw::copy_strided(x, shape, in_strides);
  if (needs_grad(x))
    record(Op::Permute, out, {x}, [perm](const Tensor& dy, Node&) -> Grads {
      std::vector<int64_t> inverse(perm.size());
      for (size_t i = 0; i < perm.size(); ++i) inverse[size_t(perm[i])] = int64_t(i);
      return {permute(dy, inverse)};
    });
  return out;
}

Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1) {
  std::vector<int64_t> perm(static_cast<size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[size_t(normalize_axis(axis0, x.dim(), "transpose"))], perm[size_t(normalize_axis(axis1, x.dim(), "transpose"))]);
  return permute(x, perm);
}

}  // namespace tg
