// Root-mean-square normalisation (see rms_norm.h).
#include "nn/rms_norm.h"

#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"
#include "core/creation.h"

namespace tg::nn {

RMSNorm::RMSNorm(int64_t normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape(normalized_shape), eps(eps) {
  TG_CHECK(normalized_shape > 0 && eps >= 0, "RMSNorm: needs a positive size and eps >= 0, got {} and {}",
           normalized_shape, eps);
  if (elementwise_affine) weight = register_parameter("weight", ones({normalized_shape}));
}

Tensor RMSNorm::forward(const Tensor& x) const {
  TG_CHECK(x.dim() >= 1 && x.size(-1) == normalized_shape, "RMSNorm({}): input {} must end in {}", normalized_shape,
           describe(x), normalized_shape);
  // f16/bf16 inputs are normalised in f32 and rounded back, as in LayerNorm: x^2 overflows f16 from 256.
  Tensor xf = upcast_half(x);
  Tensor inv_rms = reciprocal(sqrt(add(mean(square(xf), {-1}, /*keepdim=*/true), eps)));  // 1 / sqrt(mean x^2 + eps)
  Tensor y = mul(xf, inv_rms);
  if (weight.defined()) y = mul(y, upcast_half(weight));
  return y.to(x.dtype());
}

}  // namespace tg::nn
