// A variational autoencoder (Kingma & Welling 2014) with MLP encoder and decoder:
//   q(z|x) = N(mu(x), diag sigma(x)^2),  p(z) = N(0, I),  p(x|z) = Bernoulli(sigmoid(logits(z)))
// trained by maximizing the ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)) with one reparameterized
// sample (autograd/distributions.h), and evaluated with the tighter importance-weighted bound
//   log p(x) >= E[ log (1/K) sum_k p(x, z_k) / q(z_k|x) ],  z_k ~ q(z|x)   (Burda et al. 2016).
// Default sizes are the classic 784-400-20-400-784.
#pragma once
#include "autograd/distributions.h"
#include "nn/linear.h"

namespace tg::models {

struct VaeConfig {
  int64_t input = 784, hidden = 400, latent = 20;
};

struct VaeLoss {
  Tensor neg_elbo;        // (N,) per-example negative ELBO in nats: reconstruction + kl
  Tensor reconstruction;  // (N,) -log p(x|z) summed over pixels
  Tensor kl;              // (N,) KL(q(z|x) || N(0, I)) summed over latents
};

class Vae : public nn::Module {
 public:
  explicit Vae(VaeConfig config = {}, Generator& init = default_generator());
  // q(z|x) for a batch x of shape (N, input); sigma = exp(logvar / 2) keeps it positive.
  Normal encode(const Tensor& x) const;
  // Bernoulli logits (N, input) for latents z (N, latent).
  Tensor decode(const Tensor& z) const;
  VaeLoss loss(const Tensor& x, Generator& gen) const;
  // (N,) estimate of -log p(x) from K importance samples (no gradient).
  Tensor iwae_neg_log_likelihood(const Tensor& x, int64_t k, Generator& gen) const;
  const VaeConfig& config() const { return config_; }

 private:
  VaeConfig config_;
  std::shared_ptr<nn::Linear> enc_, mu_, logvar_, dec_hidden_, dec_out_;
};

}  // namespace tg::models
