// Shape and indexing ops. reshape shares storage; the others copy (tensors stay contiguous).
#pragma once
#include <vector>

#include "core/tensor.h"

namespace tg {

Tensor reshape(const Tensor& x, Shape shape);  // one dim may be -1
Tensor flatten(const Tensor& x, int64_t start_axis = 0, int64_t end_axis = -1);
Tensor unsqueeze(const Tensor& x, int64_t axis);
Tensor squeeze(const Tensor& x, int64_t axis);
Tensor expand(const Tensor& x, const Shape& shape);  // broadcast to `shape` (copies)
Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& axes);
// x[start:end:step] along axis: [start, end), negatives wrap, step positive
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step = 1);
Tensor cat(const std::vector<Tensor>& xs, int64_t axis);
Tensor stack(const std::vector<Tensor>& xs, int64_t axis);
// out = x taken at `index` (i64 or i32, 1-D) along `axis`; backward scatters-adds.
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
// x + src added at rows `index` along `axis` (torch.index_add, out of place): the backward of
// index_select, itself differentiable. src has x's shape with index.numel() along `axis`.
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src);
// weight (num, dim)[index]: shape index.shape + (dim,)
Tensor embedding(const Tensor& weight, const Tensor& index);
// torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`; index has x's
// shape except along `axis`.
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
// x + src scattered by `index` along `axis` (torch.scatter_add, out of place): gather's backward.
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src);
// (..., num_classes) one-hot rows of an integer tensor: i64 like torch.nn.functional.one_hot,
// or `dtype` when given (a float one-hot feeds a matmul directly).
Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype = DType::i64);

}  // namespace tg
