// RMSNorm over the last dim (Zhang & Sennrich 2019; LLaMA, DeepSeek-V3):
//   y = x / sqrt(mean(x^2) + eps) * weight
// LayerNorm without the centring and the bias: one statistic instead of two. Composed from tg ops,
// so its gradient comes from theirs; weight starts at ones.
#pragma once
#include "nn/module.h"

namespace tg::nn {

class RMSNorm : public Module {
 public:
  explicit RMSNorm(int64_t normalized_shape, double eps = 1e-6, bool elementwise_affine = true);
  // x is (..., normalized_shape)
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t normalized_shape;
  double eps;
  Tensor weight;  // (normalized_shape), undefined without elementwise_affine
};

}  // namespace tg::nn
