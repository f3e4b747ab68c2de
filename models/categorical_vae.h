// A VAE with discrete latents, the setup of the Gumbel-Softmax paper (Jang et al. 2017):
// 20 categorical latents of 10 classes each, MLP encoder and decoder (784-512-256-200 and back),
//   q(z|x) = prod_i Categorical(z_i; softmax(enc(x)_i)),  p(z) = uniform,  p(x|z) = Bernoulli(sigmoid(dec(z))).
// The ELBO is E_q[log p(x|z)] - KL(q || p), with the KL in closed form per latent,
//   KL(q_i || U(K)) = sum_k q_ik log(K q_ik) = log K - H(q_i),
// and the expected reconstruction's gradient estimated by one of three estimators
// (autograd/estimators.h): the Gumbel-Softmax relaxation, straight-through Gumbel, or REINFORCE
// with the leave-one-out baseline over several samples, or with one sample and a moving-average
// baseline (the single-sample score function the Gumbel-Softmax paper compares against).
#pragma once
#include <string>
#include <vector>

#include "autograd/estimators.h"
#include "nn/mlp.h"

namespace tg::models {

enum class LatentEstimator { Gumbel, StraightThroughGumbel, ReinforceLeaveOneOut, ReinforceMovingAverage };
// "gumbel", "st-gumbel", "reinforce-loo", "reinforce-ema"
const char* latent_estimator_name(LatentEstimator e);
LatentEstimator parse_latent_estimator(const std::string& name);  // the inverse; tg::Error otherwise

struct CategoricalVaeConfig {
  int64_t input = 784, latents = 20, classes = 10;
  std::vector<int64_t> hidden = {512, 256};  // the encoder's; the decoder mirrors them
};

struct CategoricalVaeLoss {
  Tensor objective;       // scalar to minimise: its gradient is the chosen estimator's
  Tensor reconstruction;  // (N,) -log p(x|z) for the sample(s) the objective used (relaxed for gumbel)
  Tensor kl;              // (N,) KL(q(z|x) || uniform), summed over latents
};

class CategoricalVae : public nn::Module {
 public:
  explicit CategoricalVae(CategoricalVaeConfig config = {}, Generator& init = default_generator());
  // Logits of q(z|x), (N, latents, classes), for x of shape (N, input).
  Tensor encode(const Tensor& x) const;
  // Bernoulli logits (N, input) for latents z (N, latents, classes): one-hot or relaxed.
  Tensor decode(const Tensor& z) const;
  // KL(q(z|x) || uniform) summed over latents, (N,), from encoder logits.
  Tensor kl_to_uniform(const Tensor& logits) const;
  // The training objective for a batch: mean over images (and samples) of the estimator's loss.
  //   gumbel / st-gumbel: one relaxed (or straight-through one-hot) sample at temperature tau;
  //   reinforce-loo:      `samples` >= 2 discrete samples per image, the score-function
  //                       surrogate with the leave-one-out baseline for the encoder, plus the
  //                       reconstruction itself for the decoder's pathwise gradient;
  //   reinforce-ema:      the same with one sample per image and, as baseline, the moving average
  //                       (decay 0.9) of the batch-mean reconstruction of the earlier calls, which
  //                       this call then updates (a running statistic, like BatchNorm's).
  CategoricalVaeLoss loss(const Tensor& x, LatentEstimator estimator, double tau, int64_t samples, Generator& gen);
  // (N,) negative ELBO with a discrete sample z ~ q(z|x): the bound every estimator is judged by.
  Tensor neg_elbo(const Tensor& x, Generator& gen) const;
  const CategoricalVaeConfig& config() const { return config_; }

 private:
  // -log p(x|z) summed over pixels; z is (..., N, latents, classes), x (N, input) broadcasts.
  Tensor reconstruction(const Tensor& z, const Tensor& x) const;

  CategoricalVaeConfig config_;
  std::shared_ptr<nn::MLP> encoder_, decoder_;
  MovingAverageBaseline reconstruction_baseline_{0.9};  // reinforce-ema
};

}  // namespace tg::models
