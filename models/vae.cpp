// The VAE's forward pass, loss and importance-weighted evaluation (see vae.h for the math).
#include "models/vae.h"

#include "autograd/grad_mode.h"
#include "autograd/ops.h"

namespace tg::models {

Vae::Vae(VaeConfig config, Generator& init) : config_(config) {
  enc_ = register_module("enc", std::make_shared<nn::Linear>(config.input, config.hidden, true, init));
  mu_ = register_module("mu", std::make_shared<nn::Linear>(config.hidden, config.latent, true, init));
  logvar_ = register_module("logvar", std::make_shared<nn::Linear>(config.hidden, config.latent, true, init));
  dec_hidden_ = register_module("dec_hidden", std::make_shared<nn::Linear>(config.latent, config.hidden, true, init));
  dec_out_ = register_module("dec_out", std::make_shared<nn::Linear>(config.hidden, config.input, true, init));
}

Normal Vae::encode(const Tensor& x) const {
  TG_CHECK(x.dim() == 2 && x.size(1) == config_.input, "Vae: input must be (N, {}), got {}", config_.input, describe(x));
  Tensor h = relu((*enc_)(x));
  return Normal((*mu_)(h), exp(mul((*logvar_)(h), 0.5)));
}

Tensor Vae::decode(const Tensor& z) const { return (*dec_out_)(relu((*dec_hidden_)(z))); }

VaeLoss Vae::loss(const Tensor& x, Generator& gen) const {
  Normal q = encode(x);
  Tensor logits = decode(q.rsample(gen));
  Tensor rec = sum(binary_cross_entropy_with_logits(logits, x, Reduction::None), {1});
  Tensor kl = sum(kl_divergence(q, Normal(zeros_like(q.loc), ones_like(q.scale))), {1});
  return {add(rec, kl), rec, kl};
}

// log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x);  -log p(x) ~ -(logsumexp_k log w_k - log K)
Tensor Vae::iwae_neg_log_likelihood(const Tensor& x, int64_t k, Generator& gen) const {
  TG_CHECK(k >= 1, "Vae: the IWAE bound needs K >= 1 samples, got {}", k);
  NoGradGuard no_grad;
  Normal q = encode(x);
  Normal prior(zeros_like(q.loc), ones_like(q.scale));
  std::vector<Tensor> log_w;
  for (int64_t i = 0; i < k; ++i) {
    Tensor z = q.rsample(gen);
    Tensor log_px = neg(sum(binary_cross_entropy_with_logits(decode(z), x, Reduction::None), {1}));
    log_w.push_back(add(log_px, sum(sub(prior.log_prob(z), q.log_prob(z)), {1})));
  }
  Tensor stacked = stack(log_w, 1);  // (N, K)
  return neg(add(logsumexp(stacked, {1}), -std::log(double(k))));
}

}  // namespace tg::models
