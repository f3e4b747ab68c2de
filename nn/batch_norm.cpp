// Batch normalisation (see batch_norm.h). Composed from tg ops, so its gradient (through the
// batch statistics) comes from theirs; the running statistics are updated under no_grad.
#include "nn/batch_norm.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/creation.h"

namespace tg::nn {

BatchNorm::BatchNorm(const char* name, std::vector<int64_t> ranks, int64_t num_features, double eps, double momentum)
    : num_features(num_features), eps(eps), momentum(momentum), name_(name), ranks_(std::move(ranks)) {
  TG_CHECK(num_features > 0 && eps >= 0 && momentum >= 0 && momentum <= 1, "{}: needs num_features > 0, eps >= 0 "
           "and momentum in [0, 1], got {}, {}, {}", name, num_features, eps, momentum);
  weight = register_parameter("weight", ones({num_features}));
  bias = register_parameter("bias", zeros({num_features}));
  running_mean = register_buffer("running_mean", zeros({num_features}));
  running_var = register_buffer("running_var", ones({num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = DType::i64}));
}

Tensor BatchNorm::forward(const Tensor& x) {
  TG_CHECK(std::find(ranks_.begin(), ranks_.end(), x.dim()) != ranks_.end() && x.size(1) == num_features,
           "{}({}): input {} must be {} with C = {}", name_, num_features, describe(x),
           ranks_.size() == 1 ? "(N, C, H, W)" : "(N, C) or (N, C, L)", num_features);
  Axes axes{0};  // every axis but the channels
  for (int64_t a = 2; a < x.dim(); ++a) axes.push_back(a);
  Shape per_channel(size_t(x.dim()), 1);  // (1, C, 1, ...) to broadcast against x
  per_channel[1] = num_features;
  // f16/bf16 inputs are normalised in f32 (see LayerNorm), as are their statistics
  Tensor xf = upcast_half(x);
  Tensor mean_c, var_c;
  if (is_training()) {
    const int64_t n = x.numel() / num_features;
    TG_CHECK(n > 1, "{}({}): training needs more than one value per channel, got input {}", name_, num_features,
             describe(x));
    mean_c = mean(xf, axes, /*keepdim=*/true);
    var_c = mean(square(sub(xf, mean_c)), axes, /*keepdim=*/true);  // biased: what normalises
    NoGradGuard no_grad;
    Tensor batch_mean = reshape(mean_c.detach(), {num_features}).to(running_mean.dtype());
    Tensor batch_var = mul(reshape(var_c.detach(), {num_features}), double(n) / double(n - 1)).to(running_var.dtype());
    copy_(running_mean, add(mul(running_mean, 1 - momentum), mul(batch_mean, momentum)), name_);
    copy_(running_var, add(mul(running_var, 1 - momentum), mul(batch_var, momentum)), name_);
    copy_(num_batches_tracked, add(num_batches_tracked, 1), name_);
  } else {
    mean_c = reshape(running_mean, per_channel).to(xf.dtype());
    var_c = reshape(running_var, per_channel).to(xf.dtype());
  }
  Tensor y = div(sub(xf, mean_c), sqrt(add(var_c, eps)));
  y = add(mul(y, reshape(upcast_half(weight), per_channel)), reshape(upcast_half(bias), per_channel));
  return y.to(x.dtype());
}

}  // namespace tg::nn
