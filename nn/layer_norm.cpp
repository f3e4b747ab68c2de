// Layer normalisation (see layer_norm.h).
#include "nn/layer_norm.h"

#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"
#include "core/creation.h"

namespace tg::nn {

LayerNorm::LayerNorm(int64_t normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape(normalized_shape), eps(eps) {
  TG_CHECK(normalized_shape > 0 && eps >= 0, "LayerNorm: needs a positive size and eps >= 0, got {} and {}",
           normalized_shape, eps);
  if (elementwise_affine) {
    weight = register_parameter("weight", ones({normalized_shape}));
    bias = register_parameter("bias", zeros({normalized_shape}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) const {
  TG_CHECK(x.dim() >= 1 && x.size(-1) == normalized_shape, "LayerNorm({}): input {} must end in {}",
           normalized_shape, describe(x), normalized_shape);
  // f16/bf16 inputs are normalised in f32 and the result rounded back: squares of f16 values
  // overflow from 256 up, and the variance of values that agree in their leading digits is lost in
  // f16's 11 bits.
  Tensor xf = upcast_half(x);
  Tensor centered = sub(xf, mean(xf, {-1}, /*keepdim=*/true));
  Tensor variance = mean(square(centered), {-1}, /*keepdim=*/true);  // population variance
  Tensor y = div(centered, sqrt(add(variance, eps)));
  if (weight.defined()) y = add(mul(y, upcast_half(weight)), upcast_half(bias));
  return y.to(x.dtype());
}

}  // namespace tg::nn
