// LayerNorm over the last dim: y = (x - mean) / sqrt(var + eps) * weight + bias, with the
// population variance (divide by D) as in PyTorch. Composed from tg ops, so its gradient
// comes from theirs; weight starts at ones and bias at zeros.
#pragma once
#include "nn/module.h"

namespace tg::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  // x is (..., normalized_shape)
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t normalized_shape;
  double eps;
  Tensor weight, bias;  // (normalized_shape), undefined without elementwise_affine
};

}  // namespace tg::nn
