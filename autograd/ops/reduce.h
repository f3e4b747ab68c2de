// Reductions over a set of axes (empty = all axes), with keepdim as in PyTorch.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace tg {

using Axes = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// torch.amax/amin: values only; the gradient flows to every position equal to the max, split
// evenly on ties. A NaN in a slice makes its result NaN (and its gradient NaN), as in PyTorch.
Tensor amax(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// torch.max(x) / torch.min(x): the extreme of all elements (0-d), gradient split on ties.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// torch.max(x, dim) / torch.min(x, dim): the values and their i64 indices along one axis (the
// first extreme on ties, the first NaN if any). The gradient goes to the index only.
struct ValuesIndices {
  Tensor values, indices;
};
ValuesIndices max(const Tensor& x, int64_t axis, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t axis, bool keepdim = false);
// log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x).
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// Variance with `correction` (1 = unbiased, PyTorch's default; 0 = population). With no degrees
// of freedom left (N <= correction) the divisor is 0 and the result NaN (or inf), as in PyTorch.
Tensor var(const Tensor& x, const Axes& axes = {}, int64_t correction = 1, bool keepdim = false);
// i64 indices of the max/min along one axis (first occurrence on ties).
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);
// The flat index of the max/min over all elements, as a 0-d i64 tensor (torch.argmax(x)).
Tensor argmax(const Tensor& x);
Tensor argmin(const Tensor& x);

// Sums x down to `shape`: the adjoint of broadcasting to x's shape (not its inverse), which is how
// broadcast ops send gradients back to their smaller inputs.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace tg
