// The two GAN objectives of examples/gan_fmnist, for any discriminator given as a callable.
// Non-saturating (Goodfellow et al. 2014): D minimises BCE(D(x), 1) + BCE(D(G(z)), 0) on logits,
// G minimises BCE(D(G(z)), 1) = E[softplus(-D(G(z)))] (strong gradients while D wins).
// WGAN-GP (Gulrajani et al. 2017): the critic minimises E[D(G(z))] - E[D(x)] + lambda GP with
//   GP = E[(||grad_xhat D(xhat)||_2 - 1)^2],  xhat = eps x + (1 - eps) G(z),  eps ~ U(0, 1) per image,
// and G minimises -E[D(G(z))]. GP's gradient wrt D's parameters runs through double backward.
#pragma once
#include <functional>

#include "core/tensor.h"

namespace tg::models {

// images (N, ...) -> one logit or score per image, (N, 1) or (N,)
using Discriminator = std::function<Tensor(const Tensor&)>;

Tensor ns_discriminator_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor ns_generator_loss(const Tensor& fake_logits);
Tensor wgan_critic_loss(const Tensor& real_scores, const Tensor& fake_scores);
Tensor wgan_generator_loss(const Tensor& fake_scores);

// GP for real and fake images of one shape (N, ...) and eps (N,) in [0, 1]. The gradient norm is
// sqrt(sum g^2 + 1e-12), whose derivative stays finite where g = 0. Its graph is kept
// (create_graph), so backward of the result reaches the critic's parameters.
Tensor gradient_penalty(const Discriminator& critic, const Tensor& real, const Tensor& fake, const Tensor& eps);

}  // namespace tg::models
