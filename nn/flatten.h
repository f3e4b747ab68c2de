// Flatten and Unflatten as modules (torch.nn.Flatten / Unflatten), for the reshapes between the
// convolutional and the linear part of a network inside an nn::Sequential. Both are views.
#pragma once
#include "autograd/ops/shape.h"
#include "nn/module.h"

namespace tg::nn {

struct Flatten : Module {  // axes start..end into one; torch's default keeps the batch axis
  explicit Flatten(int64_t start_axis = 1, int64_t end_axis = -1) : start_axis(start_axis), end_axis(end_axis) {}
  Tensor forward(const Tensor& x) const { return flatten(x, start_axis, end_axis); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  int64_t start_axis, end_axis;
};

struct Unflatten : Module {  // axis `axis` (non-negative) split into `sizes`, e.g. (N, 6272) -> (N, 128, 7, 7)
  Unflatten(int64_t axis, Shape sizes) : axis(axis), sizes(std::move(sizes)) {}
  Tensor forward(const Tensor& x) const {
    TG_CHECK(axis >= 0 && axis < x.dim(), "Unflatten: axis {} is outside input {}", axis, describe(x));
    Shape shape(x.shape().begin(), x.shape().begin() + axis);
    shape.insert(shape.end(), sizes.begin(), sizes.end());
    shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
    return reshape(x, shape);
  }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  int64_t axis;
  Shape sizes;
};

}  // namespace tg::nn
