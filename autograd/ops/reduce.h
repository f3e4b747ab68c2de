// Reductions over a set of axes (empty = all axes), with keepdim as in PyTorch.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace tg {

using Axes = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// Values only; the gradient flows to every position equal to the max (split evenly on ties).
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x).
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// Variance with `correction` (1 = unbiased, PyTorch's default; 0 = population).
Tensor var(const Tensor& x, const Axes& axes = {}, int64_t correction = 1, bool keepdim = false);
// i64 indices of the max/min along one axis (first occurrence on ties).
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);

// Sums x down to `shape`: the adjoint of broadcasting to x's shape (not its inverse), which is how
// broadcast ops send gradients back to their smaller inputs.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace tg
