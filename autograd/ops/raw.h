// Non-recording building blocks for op implementations: each checks its inputs, allocates the
// output and runs one backend kernel. Differentiable ops call these for their forward pass and
// record a node around them; nothing here touches the tape.
#pragma once
#include <vector>

#include "autograd/op_list.h"
#include "core/backend.h"
#include "core/tensor.h"

namespace tg::raw {

// Same device for all (and same dtype unless `any_dtype`), named after `op` in errors.
void check_compatible(Op op, const std::vector<const Tensor*>& ts, bool any_dtype = false);
void check_floating(Op op, const Tensor& t);

Tensor unary(UnaryOp k, const Tensor& x, double p0 = 0, double p1 = 0);
Tensor binary(Op op, BinaryOp k, const Tensor& a, const Tensor& b);
// dst += src in place (same shape, dtype and device), bumping dst's version.
void add_(const Tensor& dst, const Tensor& src);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor cast(const Tensor& x, DType dtype);
Tensor to_device(const Tensor& x, Device device);
// x read through `in_strides` over `shape` into a new contiguous tensor of that shape.
Tensor copy_strided(const Tensor& x, const Shape& shape, const Shape& in_strides);
// Sum/max/min over axes (normalised, sorted, unique), keeping the reduced dims as size 1.
Tensor reduce_keepdim(ReduceOp k, const Tensor& x, const std::vector<int64_t>& axes);
// Sorted unique non-negative axes; all axes when `axes` is empty.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim, Op op);
// x's shape with the reduced axes set to 1 (keepdim) or removed.
Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdim);
// A tensor sharing x's storage with another shape of the same numel (no autograd).
Tensor view(const Tensor& x, const Shape& shape);

}  // namespace tg::raw
