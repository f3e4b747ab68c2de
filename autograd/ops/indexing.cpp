// Indexing ops: index_select/embedding and gather, with their adjoints index_add and
// scatter_add as differentiable ops of their own (so second derivatives through lookups work).
// Every index is range-checked before a kernel runs; a bad index is a tg::Error naming the op,
// the offending value and its position.
#include <mutex>

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

// Guards the range-check marks on index storages (Storage::indices_checked_at).
std::mutex index_mark_mutex;

// index as contiguous i64 on x's device, every value in [0, limit). On a device, the scan (and the
// wait for its result) runs once per index tensor and version: a successful check is remembered
// on the storage.
Tensor checked_index(Op op, const Tensor& index, const Tensor& x, int64_t limit) {
  TG_CHECK(!is_floating(index.dtype()), "{}: index must be i64 or i32, got {}", op_name(op), describe(index));
  raw::check_compatible(op, {&x, &index}, /*any_dtype=*/true);
  Tensor idx = index.dtype() == DType::i64 ? index : raw::cast(index, DType::i64);
  Storage& storage = *idx.impl().storage;
  // Only device memory keeps the mark: host memory can be written through data_ptr() without a
  // version bump, and there the scan is cheap next to the op anyway.
  const bool remember = !idx.device().is_cpu();
  if (remember) {
    std::lock_guard<std::mutex> lock(index_mark_mutex);
    if (storage.indices_checked_at == idx.version() && storage.indices_below <= limit) return idx;
  }
  int64_t bad = backend(idx.device()).first_out_of_range(static_cast<const int64_t*>(idx.data()), idx.numel(), limit);
  if (bad >= 0)
    fail("{}: index {} at position {} is out of range for size {} (index {}, input {})", op_name(op),
         idx.to_vector<int64_t>()[size_t(bad)], bad, limit, describe(index), describe(x));
  if (remember) {
    std::lock_guard<std::mutex> lock(index_mark_mutex);
    storage.indices_checked_at = idx.version();
    storage.indices_below = limit;
  }
  return idx;
}

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisView axis_view(const Shape& s, int64_t axis) {
  AxisView v;
  for (int64_t d = 0; d < int64_t(s.size()); ++d) {
    if (d < axis) v.outer *= s[size_t(d)];
    else if (d == axis) v.n = s[size_t(d)];
    else v.inner *= s[size_t(d)];
  }
  return v;
}

const int64_t* idx_ptr(const Tensor& idx) { return static_cast<const int64_t*>(idx.data()); }

}  // namespace

Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  int64_t a = normalize_axis(axis, x.dim(), "index_select");
  TG_CHECK(index.dim() == 1, "index_select: index must be 1-D, got {}", describe(index));
  Tensor idx = checked_index(Op::IndexSelect, index, x, x.shape()[size_t(a)]);
  AxisView v = axis_view(x.shape(), a);
  Shape shape = x.shape();
  shape[size_t(a)] = idx.numel();
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  if (out.numel() > 0)
    backend(x.device()).index_select(x.dtype(), out.data(), x.data(), idx_ptr(idx), v.outer, v.n, idx.numel(), v.inner);
  if (needs_grad(x))
    record(Op::IndexSelect, out, {x}, [from = x.shape(), a, idx](const Tensor& dy, Node&) -> Grads {
      return {index_add(zeros(from, {.dtype = dy.dtype(), .device = dy.device()}), a, idx, dy)};
    }, {.tensors = {idx}});
  return out;
}

// out = x; out[.., index[j], ..] += src[.., j, ..]:  dx = dy,  dsrc = index_select(dy, axis, index)
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  int64_t a = normalize_axis(axis, x.dim(), "index_add");
  TG_CHECK(index.dim() == 1, "index_add: index must be 1-D, got {}", describe(index));
  raw::check_compatible(Op::IndexAdd, {&x, &src});
  Tensor idx = checked_index(Op::IndexAdd, index, x, x.shape()[size_t(a)]);
  Shape expect = x.shape();
  expect[size_t(a)] = idx.numel();
  TG_CHECK(src.shape() == expect, "index_add: src is {}, expected shape {} for {} and {} indices", describe(src),
           shape_str(expect), describe(x), idx.numel());
  AxisView v = axis_view(x.shape(), a);
  Tensor out = x.detach().clone();
  if (src.numel() > 0)
    backend(x.device()).index_add(x.dtype(), out.data(), src.data(), idx_ptr(idx), v.outer, v.n, idx.numel(), v.inner);
  if (needs_grad(x, src))
    record(Op::IndexAdd, out, {x, src}, [a, idx](const Tensor& dy, Node& self) -> Grads {
      return {dy, self.inputs[1] ? index_select(dy, a, idx) : Tensor()};
    }, {.tensors = {idx}});
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& index) {
  TG_CHECK(weight.dim() == 2, "embedding: weight must be (num_embeddings, dim), got {}", describe(weight));
  // checked here so a bad index is reported as Embedding's, with the index shape as given
  Tensor idx = checked_index(Op::Embedding, index, weight, weight.shape()[0]);
  Shape shape = index.shape();
  shape.push_back(weight.shape()[1]);
  return reshape(index_select(weight, 0, reshape(idx, {-1})), shape);
}

static void check_gather_shapes(Op op, const Tensor& x, int64_t a, const Tensor& index) {
  bool ok = index.dim() == x.dim();
  for (int64_t d = 0; ok && d < x.dim(); ++d) ok = d == a || index.shape()[size_t(d)] == x.shape()[size_t(d)];
  TG_CHECK(ok, "{}: index {} must match input {} in every dim but axis {}", op_name(op), describe(index), describe(x), a);
}

Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  int64_t a = normalize_axis(axis, x.dim(), "gather");
  check_gather_shapes(Op::Gather, x, a, index);
  Tensor idx = checked_index(Op::Gather, index, x, x.shape()[size_t(a)]);
  AxisView v = axis_view(x.shape(), a);
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  if (out.numel() > 0)
    backend(x.device()).gather(x.dtype(), out.data(), x.data(), idx_ptr(idx), v.outer, v.n, index.shape()[size_t(a)], v.inner);
  if (needs_grad(x))
    record(Op::Gather, out, {x}, [from = x.shape(), a, idx](const Tensor& dy, Node&) -> Grads {
      return {scatter_add(zeros(from, {.dtype = dy.dtype(), .device = dy.device()}), a, idx, dy)};
    }, {.tensors = {idx}});
  return out;
}

// out = x; out[.., index[.., j, ..], ..] += src[.., j, ..]:  dx = dy,  dsrc = gather(dy, axis, index)
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  int64_t a = normalize_axis(axis, x.dim(), "scatter_add");
  check_gather_shapes(Op::ScatterAdd, x, a, index);
  raw::check_compatible(Op::ScatterAdd, {&x, &src});
  TG_CHECK(src.shape() == index.shape(), "scatter_add: src {} must have the index's shape {}", describe(src),
           shape_str(index.shape()));
  Tensor idx = checked_index(Op::ScatterAdd, index, x, x.shape()[size_t(a)]);
  AxisView v = axis_view(x.shape(), a);
  Tensor out = x.detach().clone();
  if (src.numel() > 0)
    backend(x.device()).scatter_add(x.dtype(), out.data(), src.data(), idx_ptr(idx), v.outer, v.n,
                                    index.shape()[size_t(a)], v.inner);
  if (needs_grad(x, src))
    record(Op::ScatterAdd, out, {x, src}, [a, idx](const Tensor& dy, Node& self) -> Grads {
      return {dy, self.inputs[1] ? gather(dy, a, idx) : Tensor()};
    }, {.tensors = {idx}});
  return out;
}

// one_hot(i)[..., c] = [i == c], computed as a broadcast comparison with arange(C).
Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype) {
  TG_CHECK(num_classes > 0, "one_hot: num_classes must be positive, got {}", num_classes);
  Tensor idx = checked_index(Op::OneHot, index, index, num_classes);
  Tensor classes = arange(0, double(num_classes), 1, {.dtype = DType::i64, .device = index.device()});
  return raw::cast(eq(unsqueeze(idx, -1), classes), dtype);
}

}  // namespace tg
