// Probability distributions whose samples and densities are differentiable tg ops.
// Normal(mu, sigma) is a location-scale family, so its samples can be reparameterized:
//   z = mu + sigma * eps,  eps ~ N(0, I)
// moves the randomness into eps, which does not depend on the parameters, hence
//   d/dtheta E_z[f(z)] = E_eps[ f'(mu + sigma eps) * d(mu + sigma eps)/dtheta ]
// and a single sample gives an unbiased, usually low-variance, gradient estimate (the
// "reparameterization trick" of Kingma & Welling 2014, Rezende et al. 2014).
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

}  // namespace tg
