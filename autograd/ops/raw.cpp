// Non-recording kernel launchers shared by the op implementations.
#include "autograd/ops/raw.h"

#include <algorithm>

#include "core/kernel_plan.h"

namespace tg::raw {

void check_compatible(Op op, const std::vector<const Tensor*>& ts, bool any_dtype) {
  const Tensor& first = *ts[0];
  for (size_t i = 1; i < ts.size(); ++i) {
    const Tensor& t = *ts[i];
    TG_CHECK(t.device() == first.device(), "{}: inputs are on different devices ({} and {}); move them with "
             ".to(device) first", op_name(op), describe(first), describe(t));
    TG_CHECK(any_dtype || t.dtype() == first.dtype(), "{}: inputs have different dtypes ({} and {}); cast one "
             "with .to(dtype) first", op_name(op), describe(first), describe(t));
  }
}

void check_floating(Op op, const Tensor& t) {
  TG_CHECK(is_floating(t.dtype()), "{}: needs a floating-point tensor, got {}", op_name(op), describe(t));
}

Tensor unary(UnaryOp k, const Tensor& x, double p0, double p1) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x.device()).unary(k, x.dtype(), out.data(), x.data(), x.numel(), p0, p1);
  return out;
}

namespace {
BroadcastPlan flat_plan(int64_t numel) {
  BroadcastPlan plan;
  plan.ndim = 1;
  plan.numel = plan.shape[0] = numel;
  plan.stride[0][0] = plan.stride[1][0] = 1;
  return plan;
}
}  // namespace

Tensor binary(Op op, BinaryOp k, const Tensor& a, const Tensor& b) {
  check_compatible(op, {&a, &b});
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), op_name(op));
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  // the common case of equal shapes goes without building strides
  BroadcastPlan plan = a.shape() == b.shape() ? flat_plan(out.numel()) : make_broadcast_plan(shape, {&a.shape(), &b.shape()});
  if (out.numel() > 0) backend(a.device()).binary(k, a.dtype(), out.data(), a.data(), b.data(), plan);
  return out;
}

void add_(const Tensor& dst, const Tensor& src) {
  TG_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype() && dst.device() == src.device(),
           "add_: cannot add {} into {} in place", describe(src), describe(dst));
  if (dst.numel() > 0)
    backend(dst.device()).binary(BinaryOp::Add, dst.dtype(), dst.data(), dst.data(), src.data(), flat_plan(dst.numel()));
  dst.bump_version();
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_compatible(Op::Where, {&a, &b});
  check_compatible(Op::Where, {&a, &cond}, /*any_dtype=*/true);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  BroadcastPlan plan = make_broadcast_plan(shape, {&cond.shape(), &a.shape(), &b.shape()});
  if (out.numel() > 0)
    backend(a.device()).where(a.dtype(), out.data(), cond.dtype(), cond.data(), a.data(), b.data(), plan);
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  Tensor out = Tensor::empty(x.shape(), dtype, x.device());
  backend(x.device()).cast(dtype, out.data(), x.dtype(), x.data(), x.numel());
  return out;
}

Tensor to_device(const Tensor& x, Device device) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  if (device.is_cpu())
    backend(x.device()).copy_to_host(out.data(), x.data(), x.nbytes());
  else if (x.device().is_cpu())
    backend(device).copy_from_host(out.data(), x.data(), x.nbytes());
  else
    backend(device).copy(out.data(), x.data(), x.nbytes());
  return out;
}

Tensor copy_strided(const Tensor& x, const Shape& shape, const Shape& in_strides) {
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  CopyPlan plan = make_copy_plan(shape, contiguous_strides(shape), in_strides);
  backend(x.device()).copy_strided(x.dtype(), out.data(), x.data(), plan);
  return out;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim, Op op) {
  std::vector<int64_t> out;
  if (axes.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  for (int64_t a : axes) out.push_back(normalize_axis(a, ndim, op_name(op)));
  std::sort(out.begin(), out.end());
  TG_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), "{}: axis repeated in {}", op_name(op),
           fmt::join(axes, ", "));
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!reduced) out.push_back(shape[size_t(d)]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

Tensor view(const Tensor& x, const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = x.dtype();
  impl->storage = x.impl().storage;
  return Tensor(std::move(impl));
}

// Reduces a run of adjacent axes [first, last] in one kernel call as an (outer, n, inner) view;
// separate runs are reduced one after another (exact for sum, max and min).
Tensor reduce_keepdim(ReduceOp k, const Tensor& x, const std::vector<int64_t>& axes) {
  Tensor cur = x;
  size_t i = axes.size();
  while (i > 0) {
    size_t j = i - 1;
    while (j > 0 && axes[j - 1] == axes[j] - 1) --j;
    int64_t first = axes[j], last = axes[i - 1];
    const Shape& s = cur.shape();
    int64_t outer = 1, n = 1, inner = 1;
    for (int64_t d = 0; d < int64_t(s.size()); ++d) {
      if (d < first) outer *= s[size_t(d)];
      else if (d <= last) n *= s[size_t(d)];
      else inner *= s[size_t(d)];
    }
    TG_CHECK(n > 0 || k == ReduceOp::Sum, "{}: cannot reduce over an empty axis of {}", k == ReduceOp::Max ? "max" : "min",
             describe(cur));
    Shape out_shape = s;
    for (int64_t d = first; d <= last; ++d) out_shape[size_t(d)] = 1;
    Tensor out = Tensor::empty(out_shape, cur.dtype(), cur.device());
    if (n == 0) backend(cur.device()).fill(cur.dtype(), out.data(), out.numel(), 0.0);
    else if (out.numel() > 0) backend(cur.device()).reduce(k, cur.dtype(), out.data(), cur.data(), outer, n, inner);
    cur = out;
    i = j;
  }
  return cur;
}

}  // namespace tg::raw
