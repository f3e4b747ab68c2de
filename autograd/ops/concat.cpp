// slice, cat and stack: copies of blocks along one axis. The gradient of a slice is the slice of
// dy padded with zeros (a cat; an index_add when it has a step), the gradient of cat is the slices of dy.
#include <algorithm>

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/creation.h"
#include "core/kernel_plan.h"

namespace tg {
namespace {

// Copies `src` into `dst` at [offset, offset + src.size(axis)) along `axis`.
void copy_block(Tensor& dst, const Tensor& src, int64_t axis, int64_t offset) {
  if (src.numel() == 0) return;
  Shape dst_strides = contiguous_strides(dst.shape());
  CopyPlan plan = make_copy_plan(src.shape(), dst_strides, contiguous_strides(src.shape()));
  char* base = static_cast<char*>(dst.data()) + size_t(offset * dst_strides[size_t(axis)]) * dtype_size(dst.dtype());
  backend(dst.device()).copy_strided(dst.dtype(), base, src.data(), plan);
}

}  // namespace

// out = x[start:end:step] along `axis`: x read with the axis stride times step.
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  int64_t a = normalize_axis(axis, x.dim(), "slice");
  TG_CHECK(step > 0, "slice: step must be positive, got {} (for {})", step, describe(x));
  int64_t n = x.shape()[size_t(a)];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = x.shape();
  shape[size_t(a)] = (end - start + step - 1) / step;
  Shape strides = contiguous_strides(x.shape());
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  if (out.numel() > 0) {
    Shape in_strides = strides;
    in_strides[size_t(a)] *= step;
    CopyPlan plan = make_copy_plan(shape, contiguous_strides(shape), in_strides);
    const char* base = static_cast<const char*>(x.data()) + size_t(start * strides[size_t(a)]) * dtype_size(x.dtype());
    backend(x.device()).copy_strided(x.dtype(), out.data(), base, plan);
  }
  if (needs_grad(x))
    record(Op::Slice, out, {x}, [from = x.shape(), a, start, end, step](const Tensor& dy, Node&) -> Grads {
      TensorOptions opts{.dtype = dy.dtype(), .device = dy.device()};
      if (step > 1) {  // dx = zeros with dy added at rows start, start + step, ...
        Tensor rows = arange(double(start), double(end), double(step), {.dtype = DType::i64, .device = dy.device()});
        return {index_add(zeros(from, opts), a, rows, dy)};
      }
      // dx = [zeros before, dy, zeros after] along the axis
      std::vector<Tensor> parts;
      Shape before = from, after = from;
      before[size_t(a)] = start;
      after[size_t(a)] = from[size_t(a)] - end;
      if (start > 0) parts.push_back(zeros(before, opts));
      parts.push_back(dy);
      if (after[size_t(a)] > 0) parts.push_back(zeros(after, opts));
      return {parts.size() == 1 ? dy : cat(parts, a)};
    });
  return out;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t axis) {
  TG_CHECK(!xs.empty(), "cat: needs at least one tensor");
  const Tensor& first = xs[0];
  int64_t a = normalize_axis(axis, first.dim(), "cat");
  Shape shape = first.shape();
  shape[size_t(a)] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    raw::check_compatible(Op::Cat, {&first, &x});
    bool same_rest = x.dim() == first.dim();
    for (int64_t d = 0; same_rest && d < x.dim(); ++d)
      same_rest = d == a || x.shape()[size_t(d)] == first.shape()[size_t(d)];
    TG_CHECK(same_rest, "cat: tensor {} has shape {}, which differs from tensor 0's {} outside axis {}", i,
             shape_str(x.shape()), shape_str(first.shape()), a);
    shape[size_t(a)] += x.shape()[size_t(a)];
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  std::vector<int64_t> sizes;
  int64_t offset = 0;
  for (const Tensor& x : xs) {
    copy_block(out, x, a, offset);
    sizes.push_back(x.shape()[size_t(a)]);
    offset += sizes.back();
  }
  if (needs_grad(xs))
    record(Op::Cat, out, xs, [a, sizes](const Tensor& dy, Node& self) -> Grads {
      Grads g(sizes.size());
      int64_t at = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (self.inputs[i]) g[i] = slice(dy, a, at, at + sizes[i]);
        at += sizes[i];
      }
      return g;
    });
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  TG_CHECK(!xs.empty(), "stack: needs at least one tensor");
  int64_t a = normalize_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    TG_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor {} has shape {}, tensor 0 has {}", i,
             shape_str(xs[i].shape()), shape_str(xs[0].shape()));
    parts.push_back(unsqueeze(xs[i], a));
  }
  return cat(parts, a);
}

}  // namespace tg
