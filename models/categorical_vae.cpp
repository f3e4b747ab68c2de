// The categorical VAE's forward pass and its three training objectives (see categorical_vae.h).
#include "models/categorical_vae.h"

#include <cmath>

#include "autograd/estimators.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"

namespace tg::models {

const char* latent_estimator_name(LatentEstimator e) {
  switch (e) {
    case LatentEstimator::Gumbel: return "gumbel";
    case LatentEstimator::StraightThroughGumbel: return "st-gumbel";
    case LatentEstimator::ReinforceLeaveOneOut: return "reinforce-loo";
    case LatentEstimator::ReinforceMovingAverage: return "reinforce-ema";
  }
  return "?";
}

LatentEstimator parse_latent_estimator(const std::string& name) {
  for (auto e : {LatentEstimator::Gumbel, LatentEstimator::StraightThroughGumbel,
                 LatentEstimator::ReinforceLeaveOneOut, LatentEstimator::ReinforceMovingAverage})
    if (name == latent_estimator_name(e)) return e;
  fail("CategoricalVae: unknown estimator '{}' (expected gumbel, st-gumbel, reinforce-loo or reinforce-ema)", name);
}

namespace {
std::vector<int64_t> mlp_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  std::vector<int64_t> sizes = {in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}
}  // namespace

CategoricalVae::CategoricalVae(CategoricalVaeConfig config, Generator& init) : config_(std::move(config)) {
  const int64_t code = config_.latents * config_.classes;
  std::vector<int64_t> reversed(config_.hidden.rbegin(), config_.hidden.rend());
  encoder_ = register_module("encoder", std::make_shared<nn::MLP>(mlp_sizes(config_.input, config_.hidden, code),
                                                                 nn::Activation::Relu, true, init));
  decoder_ = register_module("decoder", std::make_shared<nn::MLP>(mlp_sizes(code, reversed, config_.input),
                                                                 nn::Activation::Relu, true, init));
}

Tensor CategoricalVae::encode(const Tensor& x) const {
  TG_CHECK(x.dim() == 2 && x.size(1) == config_.input, "CategoricalVae: input must be (N, {}), got {}", config_.input,
           describe(x));
  return reshape((*encoder_)(x), {x.size(0), config_.latents, config_.classes});
}

Tensor CategoricalVae::decode(const Tensor& z) const {
  TG_CHECK(z.dim() >= 2 && z.size(-1) == config_.classes && z.size(-2) == config_.latents,
           "CategoricalVae: latents must be (..., {}, {}), got {}", config_.latents, config_.classes, describe(z));
  return (*decoder_)(flatten(z, -2, -1));
}

Tensor CategoricalVae::kl_to_uniform(const Tensor& logits) const {
  return sum(add(neg(Categorical::from_logits(logits).entropy()), std::log(double(config_.classes))), {-1});
}

Tensor CategoricalVae::reconstruction(const Tensor& z, const Tensor& x) const {
  Tensor logits = decode(z);
  return sum(binary_cross_entropy_with_logits(logits, expand(x, logits.shape()), Reduction::None), {-1});
}

CategoricalVaeLoss CategoricalVae::loss(const Tensor& x, LatentEstimator estimator, double tau, int64_t samples,
                                       Generator& gen) {
  Tensor logits = encode(x);  // (N, L, K)
  Tensor kl = kl_to_uniform(logits);
  if (estimator == LatentEstimator::Gumbel || estimator == LatentEstimator::StraightThroughGumbel) {
    bool hard = estimator == LatentEstimator::StraightThroughGumbel;
    Tensor rec = reconstruction(gumbel_softmax(logits, tau, hard, gen), x);
    return {mean(add(rec, kl)), rec, kl};
  }
  const bool leave_one_out = estimator == LatentEstimator::ReinforceLeaveOneOut;
  TG_CHECK(!leave_one_out || samples >= 2, "CategoricalVae: reinforce-loo needs samples >= 2 per image, got {}",
           samples);
  const int64_t s = leave_one_out ? samples : 1;
  // S samples per image: q, z and the reconstruction get a leading sample axis, (S, N, ...).
  Categorical q = Categorical::from_logits(expand(unsqueeze(logits, 0), {s, x.size(0), config_.latents,
                                                                         config_.classes}));
  Tensor y = q.sample(gen);  // (S, N, L) class indices
  Tensor rec = reconstruction(one_hot(y, config_.classes, x.dtype()), x);  // (S, N)
  Tensor log_q = sum(q.log_prob(y), {-1});                                   // log q(z|x), (S, N)
  Tensor baseline;
  if (leave_one_out) {
    baseline = leave_one_out_baseline(rec, 0);
  } else {
    baseline = full_like(rec, reconstruction_baseline_.value());
    reconstruction_baseline_.update(mean(rec).item<double>());
  }
  // The decoder's gradient is pathwise (rec); the encoder's is (rec_s - b_s) grad log q(z_s|x);
  // the KL's is analytic.
  Tensor surrogate = score_function(log_q, rec, baseline);
  return {add(mean(add(rec, surrogate)), mean(kl)), mean(rec, {0}), kl};
}

Tensor CategoricalVae::neg_elbo(const Tensor& x, Generator& gen) const {
  NoGradGuard no_grad;
  Tensor logits = encode(x);
  Tensor z = one_hot(Categorical::from_logits(logits).sample(gen), config_.classes, x.dtype());
  return add(reconstruction(z, x), kl_to_uniform(logits));
}

}  // namespace tg::models
