// Probability distributions whose densities are differentiable tg ops: Normal, Bernoulli and
// Categorical (the discrete two are in discrete_distributions.cpp).
// Normal(mu, sigma) is a location-scale family, so its samples can be reparameterized:
//   z = mu + sigma * eps,  eps ~ N(0, I)
// moves the randomness into eps, which does not depend on the parameters, hence
//   d/dtheta E_z[f(z)] = E_eps[ f'(mu + sigma eps) * d(mu + sigma eps)/dtheta ]
// and a single sample gives an unbiased, usually low-variance, gradient estimate (the
// "reparameterization trick" of Kingma & Welling 2014, Rezende et al. 2014).
// Discrete samples have no such path: their gradients come from autograd/estimators.h.
#pragma once
#include "core/random.h"
#include "core/tensor.h"

namespace tg {

struct Normal {
  Tensor loc;    // mu
  Tensor scale;  // sigma > 0, broadcastable against loc

  Normal(Tensor loc, Tensor scale);
  // Reparameterized sample mu + sigma * eps: gradients flow to loc and scale.
  Tensor rsample(Generator& gen) const;
  // A sample with no gradient (detached).
  Tensor sample(Generator& gen) const;
  // log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2, elementwise.
  Tensor log_prob(const Tensor& x) const;
  // H = 1/2 + log(2 pi)/2 + log sigma, elementwise.
  Tensor entropy() const;
  Shape batch_shape() const;
};

// KL(p || q) between Normals, elementwise and in closed form:
//   log(sigma_q / sigma_p) + (sigma_p^2 + (mu_p - mu_q)^2) / (2 sigma_q^2) - 1/2
Tensor kl_divergence(const Normal& p, const Normal& q);

// Standard Gumbel(0, 1) noise g = -log(-log u), u ~ U[0, 1) clamped below at finfo(dtype).tiny
// so that g stays finite (P(g <= x) = exp(-exp(-x))). Floating dtypes only.
Tensor gumbel_noise(const Shape& shape, Generator& gen, TensorOptions opts = {});

// Bernoulli(p) over {0, 1}, held as logits l = log(p / (1 - p)) so that densities stay finite.
struct Bernoulli {
  Tensor logits;

  // p must lie in [0, 1]; it is clamped to [eps, 1 - eps] (eps the dtype's machine epsilon)
  // before taking logits, as PyTorch does.
  static Bernoulli from_probs(const Tensor& probs);
  static Bernoulli from_logits(Tensor logits);
  Tensor probs() const;  // sigmoid(l)
  // 0/1 in the logits' dtype, [u < p] with u ~ U[0, 1); no gradient.
  Tensor sample(Generator& gen) const;
  // log p(x) = x log p + (1 - x) log(1 - p) = -BCE_with_logits(l, x), elementwise.
  Tensor log_prob(const Tensor& x) const;
  // H = -p log p - (1 - p) log(1 - p) = BCE_with_logits(l, p), elementwise.
  Tensor entropy() const;
};

// Categorical over K classes along the last axis of logits (..., K). The logits are stored
// normalised, log_softmax(l), so they are the log probabilities.
struct Categorical {
  Tensor logits;  // (..., K), log p

  // Rows of probs (..., K) must be finite, non-negative, with a positive sum; they are normalised, and
  // zeros become the dtype's smallest normal number before the log (so entropy stays finite).
  static Categorical from_probs(const Tensor& probs);
  static Categorical from_logits(const Tensor& logits);
  int64_t num_classes() const { return logits.size(-1); }
  Tensor probs() const;  // exp(log p) = softmax of the logits given, (..., K)
  // i64 class indices (...), by the Gumbel-max trick: argmax_k (l_k + g_k), g_k ~ Gumbel(0, 1)
  // i.i.d., is distributed as softmax(l) (see autograd/estimators.h). No gradient.
  Tensor sample(Generator& gen) const;
  // log p(y) = l_y for i64/i32 indices y (...), differentiable in the logits.
  Tensor log_prob(const Tensor& index) const;
  // H = -sum_k p_k log p_k, (...).
  Tensor entropy() const;
};

}  // namespace tg
