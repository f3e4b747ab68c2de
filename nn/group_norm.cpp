// Group normalisation (see group_norm.h), composed from tg ops.
#include "nn/group_norm.h"

#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/creation.h"

namespace tg::nn {

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, double eps, bool affine)
    : num_groups(num_groups), num_channels(num_channels), eps(eps) {
  TG_CHECK(num_groups > 0 && num_channels > 0 && num_channels % num_groups == 0,
           "GroupNorm: {} groups must be positive and divide the {} channels", num_groups, num_channels);
  TG_CHECK(eps >= 0, "GroupNorm: eps must be >= 0, got {}", eps);
  if (affine) {
    weight = register_parameter("weight", ones({num_channels}));
    bias = register_parameter("bias", zeros({num_channels}));
  }
}

Tensor GroupNorm::forward(const Tensor& x) const {
  TG_CHECK(x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm({}, {}): input {} must be (N, {}, ...)", num_groups,
           num_channels, describe(x), num_channels);
  Tensor xf = upcast_half(x);  // f16/bf16 normalised in f32 (see LayerNorm)
  Tensor g = reshape(xf, {x.size(0), num_groups, -1});  // (N, G, C/G * positions)
  Tensor centered = sub(g, mean(g, {2}, /*keepdim=*/true));
  Tensor y = reshape(div(centered, sqrt(add(mean(square(centered), {2}, true), eps))), x.shape());
  if (weight.defined()) {
    Shape per_channel(size_t(x.dim()), 1);
    per_channel[1] = num_channels;
    y = add(mul(y, reshape(upcast_half(weight), per_channel)), reshape(upcast_half(bias), per_channel));
  }
  return y.to(x.dtype());
}

}  // namespace tg::nn
