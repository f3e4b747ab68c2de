// Reductions. sum and amax/amin are primitives; mean, logsumexp, var and max/min along an axis
// (a gather at the argmax) are composed from them, so their gradients need no rule of their own.
#include "autograd/ops/reduce.h"

#include <algorithm>

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

int64_t reduced_count(const Shape& shape, const std::vector<int64_t>& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= shape[size_t(a)];
  return n;
}

}  // namespace

// y = sum over axes of x:  dx = dy broadcast back over the reduced axes.
Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  std::vector<int64_t> ax = raw::normalize_axes(axes, x.dim(), Op::Sum);
  Tensor kept = raw::reduce_keepdim(ReduceOp::Sum, x, ax);
  Tensor out = raw::view(kept, raw::reduced_shape(x.shape(), ax, keepdim));
  if (needs_grad(x))
    record(Op::Sum, out, {x}, [keep_shape = kept.shape(), shape = x.shape()](const Tensor& dy, Node&) -> Grads {
      return {expand(reshape(dy, keep_shape), shape)};
    });
  return out;
}

// mean = sum / N. For f16/bf16 x the sum and the division happen in f32 and only the mean is
// rounded back: the intermediate sum of N half values can leave f16's range where the mean does not.
Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  std::vector<int64_t> ax = raw::normalize_axes(axes, x.dim(), Op::Mean);
  raw::check_floating(Op::Mean, x);
  if (is_half(x.dtype())) return cast(mean(upcast_half(x), ax, keepdim), x.dtype());
  return mul(sum(x, ax, keepdim), 1.0 / double(reduced_count(x.shape(), ax)));
}

// amax over axes: dx = dy at the positions equal to the max, divided by how many there are. A
// NaN max matches no position, so the count is 0 and the slice's gradient NaN (dy/0 * 0), as in
// PyTorch's amax.
static Tensor extremum(Op op, ReduceOp k, const Tensor& x, const Axes& axes, bool keepdim) {
  std::vector<int64_t> ax = raw::normalize_axes(axes, x.dim(), op);
  TG_CHECK(x.numel() > 0, "{}: empty tensor {} has no {}", op_name(op), describe(x), k == ReduceOp::Max ? "max" : "min");
  Tensor kept = raw::reduce_keepdim(k, x, ax);
  Tensor out = raw::view(kept, raw::reduced_shape(x.shape(), ax, keepdim));
  if (needs_grad(x))
    record(op, out, {x}, [x, kept, ax](const Tensor& dy, Node&) -> Grads {
      Tensor hit = eq(x, kept);  // kept has keepdim shape, so it broadcasts against x
      Tensor count = sum(hit, ax, /*keepdim=*/true);
      return {mul(hit, div(reshape(dy, kept.shape()), count))};
    }, {.tensors = {x, kept}});
  return out;
}
Tensor amax(const Tensor& x, const Axes& axes, bool keepdim) { return extremum(Op::Amax, ReduceOp::Max, x, axes, keepdim); }
Tensor amin(const Tensor& x, const Axes& axes, bool keepdim) { return extremum(Op::Amin, ReduceOp::Min, x, axes, keepdim); }
Tensor max(const Tensor& x) { return extremum(Op::Max, ReduceOp::Max, x, {}, false); }
Tensor min(const Tensor& x) { return extremum(Op::Min, ReduceOp::Min, x, {}, false); }

static Tensor arg_extremum(Op op, bool is_max, const Tensor& x, int64_t axis, bool keepdim);

// values = x gathered at argmax: gather's backward scatters dy to that one index per slice, which
// is PyTorch's rule for max(dim) (no split on ties). A 0-d x is its own max along axis 0 or -1.
static ValuesIndices extremum_along(Op op, bool is_max, const Tensor& x, int64_t axis, bool keepdim) {
  if (x.dim() == 0) {
    normalize_axis(axis, 1, op_name(op));  // 0 or -1
    return extremum_along(op, is_max, reshape(x, {1}), 0, false);
  }
  int64_t a = normalize_axis(axis, x.dim(), op_name(op));
  Tensor idx = arg_extremum(op, is_max, x, a, /*keepdim=*/true);
  Tensor values = gather(x, a, idx);
  if (!keepdim) return {squeeze(values, a), squeeze(idx, a)};
  return {values, idx};
}
ValuesIndices max(const Tensor& x, int64_t axis, bool keepdim) { return extremum_along(Op::Max, true, x, axis, keepdim); }
ValuesIndices min(const Tensor& x, int64_t axis, bool keepdim) { return extremum_along(Op::Min, false, x, axis, keepdim); }

// logsumexp(x) = m + log(sum(exp(x - m))), m = max(x) held constant (it cancels in the gradient,
// which is softmax(x)); a row of -inf gives m = 0 so the result is -inf, not NaN.
Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim) {
  std::vector<int64_t> ax = raw::normalize_axes(axes, x.dim(), Op::LogSumExp);
  raw::check_floating(Op::LogSumExp, x);
  if (is_half(x.dtype())) return cast(logsumexp(upcast_half(x), ax, keepdim), x.dtype());  // f32 inside, as mean
  // m is a constant (no node): where the max is +-inf it is replaced by 0.
  Tensor m = raw::reduce_keepdim(ReduceOp::Max, x, ax);
  Tensor finite = raw::binary(Op::LogSumExp, BinaryOp::Lt, raw::unary(UnaryOp::Abs, m), full_like(m, INFINITY));
  m = raw::where(finite, m, zeros_like(m));
  Tensor s = log(sum(exp(sub(x, m)), ax, /*keepdim=*/true));
  Tensor out = add(s, m);
  return keepdim ? out : reshape(out, raw::reduced_shape(x.shape(), ax, false));
}

// var = sum((x - mean)^2) / (N - correction)
Tensor var(const Tensor& x, const Axes& axes, int64_t correction, bool keepdim) {
  std::vector<int64_t> ax = raw::normalize_axes(axes, x.dim(), Op::Var);
  raw::check_floating(Op::Var, x);
  // f32 inside for half x: squares of f16 values overflow from 256 up
  if (is_half(x.dtype())) return cast(var(upcast_half(x), ax, correction, keepdim), x.dtype());
  int64_t n = reduced_count(x.shape(), ax);
  TG_CHECK(correction >= 0, "{}: correction {} is negative", op_name(Op::Var), correction);
  // divisor max(N - correction, 0) as in PyTorch: 1/0 = inf makes 0 * inf = NaN when no degree of
  // freedom is left (one element, unbiased)
  double dof = double(std::max<int64_t>(n - correction, 0));
  Tensor centered = sub(x, mean(x, ax, /*keepdim=*/true));
  return mul(sum(square(centered), ax, keepdim), 1.0 / dof);
}

static Tensor arg_extremum(Op op, bool is_max, const Tensor& x, int64_t axis, bool keepdim) {
  int64_t a = normalize_axis(axis, x.dim(), op_name(op));
  TG_CHECK(x.shape()[size_t(a)] > 0, "{}: axis {} of {} is empty", op_name(op), axis, describe(x));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < a) outer *= x.shape()[size_t(d)];
    if (d > a) inner *= x.shape()[size_t(d)];
  }
  Tensor out = Tensor::empty(raw::reduced_shape(x.shape(), {a}, keepdim), DType::i64, x.device());
  if (out.numel() > 0)
    backend(x.device()).argreduce(is_max, x.dtype(), static_cast<int64_t*>(out.data()), x.data(), outer,
                                  x.shape()[size_t(a)], inner);
  return out;
}
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) { return arg_extremum(Op::Argmax, true, x, axis, keepdim); }
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim) { return arg_extremum(Op::Argmin, false, x, axis, keepdim); }
// flat index: argmax of the flattened tensor, a 0-d result
Tensor argmax(const Tensor& x) { return raw::view(arg_extremum(Op::Argmax, true, raw::view(x, {x.numel()}), 0, false), {}); }
Tensor argmin(const Tensor& x) { return raw::view(arg_extremum(Op::Argmin, false, raw::view(x, {x.numel()}), 0, false), {}); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  TG_CHECK(shape.size() <= x.shape().size(), "sum_to: cannot reduce {} to the larger rank shape {}", describe(x),
           shape_str(shape));
  size_t lead = x.shape().size() - shape.size();
  Axes axes;
  for (size_t d = 0; d < x.shape().size(); ++d) {
    bool leading = d < lead;
    TG_CHECK(leading || shape[d - lead] == x.shape()[d] || shape[d - lead] == 1,
             "sum_to: {} does not broadcast to {}", shape_str(shape), describe(x));
    if (leading || (shape[d - lead] == 1 && x.shape()[d] != 1)) axes.push_back(int64_t(d));
  }
  if (axes.empty()) return reshape(x, shape);
  return reshape(sum(x, axes, /*keepdim=*/true), shape);
}

}  // namespace tg
