// Bernoulli and Categorical: sampling, log probability and entropy (see distributions.h), and
// the Gumbel noise behind Categorical::sample and gumbel_softmax.
#include <cmath>

#include "autograd/distributions.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"

namespace tg {

Tensor gumbel_noise(const Shape& shape, Generator& gen, TensorOptions opts) {
  TG_CHECK(is_floating(opts.dtype), "gumbel_noise: needs a floating dtype, got {}", dtype_name(opts.dtype));
  Tensor u = clamp(rand(shape, gen, {.dtype = opts.dtype, .device = opts.device}), finfo(opts.dtype).tiny, 1.0);
  return neg(log(neg(log(u))));
}

Bernoulli Bernoulli::from_logits(Tensor logits) {
  TG_CHECK(is_floating(logits.dtype()), "Bernoulli: logits must be floating point, got {}", describe(logits));
  return {std::move(logits)};
}

// l = log p - log(1 - p), with p clamped to [eps, 1 - eps] so that l is finite.
Bernoulli Bernoulli::from_probs(const Tensor& probs) {
  TG_CHECK(is_floating(probs.dtype()), "Bernoulli: probs must be floating point, got {}", describe(probs));
  if (probs.numel() > 0) {
    double lo = min(probs).item<double>(), hi = max(probs).item<double>();
    TG_CHECK(lo >= 0 && hi <= 1, "Bernoulli: probs {} must lie in [0, 1], got values in [{}, {}]", describe(probs),
             lo, hi);
  }
  double eps = finfo(probs.dtype()).eps;
  Tensor p = clamp(probs, eps, 1 - eps);
  return {sub(log(p), log1p(neg(p)))};
}

Tensor Bernoulli::probs() const { return sigmoid(logits); }

Tensor Bernoulli::sample(Generator& gen) const {
  NoGradGuard no_grad;
  return lt(rand(logits.shape(), gen, {.dtype = logits.dtype(), .device = logits.device()}), probs());
}

Tensor Bernoulli::log_prob(const Tensor& x) const {
  return neg(binary_cross_entropy_with_logits(logits, x, Reduction::None));
}

Tensor Bernoulli::entropy() const { return binary_cross_entropy_with_logits(logits, probs(), Reduction::None); }

Categorical Categorical::from_logits(const Tensor& logits) {
  TG_CHECK(is_floating(logits.dtype()) && logits.dim() >= 1 && logits.size(-1) >= 1,
           "Categorical: logits must be floating point (..., K) with K >= 1, got {}", describe(logits));
  return {log_softmax(logits, -1)};
}

Categorical Categorical::from_probs(const Tensor& probs) {
  TG_CHECK(is_floating(probs.dtype()) && probs.dim() >= 1 && probs.size(-1) >= 1,
           "Categorical: probs must be floating point (..., K) with K >= 1, got {}", describe(probs));
  Tensor total = sum(probs, {-1}, true);
  if (probs.numel() > 0) {
    double lo = min(probs).item<double>(), least_total = min(total).item<double>();
    TG_CHECK(lo >= 0 && std::isfinite(max(probs).item<double>()) && least_total > 0,
             "Categorical: probs {} must be finite and non-negative with positive row sums, got a minimum of {} "
             "and a smallest row sum of {}", describe(probs), lo, least_total);
  }
  return {log(clamp(div(probs, total), finfo(probs.dtype()).tiny, 1.0))};
}

Tensor Categorical::probs() const { return exp(logits); }

Tensor Categorical::sample(Generator& gen) const {
  NoGradGuard no_grad;
  return argmax(add(logits, gumbel_noise(logits.shape(), gen, {.dtype = logits.dtype(), .device = logits.device()})),
                -1);
}

Tensor Categorical::log_prob(const Tensor& index) const {
  Shape batch(logits.shape().begin(), logits.shape().end() - 1);
  TG_CHECK(!is_floating(index.dtype()) && index.shape() == batch,
           "Categorical.log_prob: index must be integer with the batch shape {} of logits {}, got {}",
           shape_str(batch), describe(logits), describe(index));
  return squeeze(gather(logits, -1, unsqueeze(index, -1)), -1);
}

Tensor Categorical::entropy() const { return neg(sum(mul(probs(), logits), {-1})); }

}  // namespace tg
