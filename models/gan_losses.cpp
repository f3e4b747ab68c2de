// The non-saturating and WGAN-GP losses (see gan_losses.h for the math).
#include "models/gan_losses.h"

#include "autograd/engine.h"
#include "autograd/ops.h"
#include "core/creation.h"

namespace tg::models {

namespace {

void check_scores(const char* fn, const Tensor& s) {
  TG_CHECK(s.dim() == 1 || (s.dim() == 2 && s.size(1) == 1), "{}: scores must be (N,) or (N, 1), got {}", fn,
           describe(s));
}

}  // namespace

Tensor ns_discriminator_loss(const Tensor& real_logits, const Tensor& fake_logits) {
  check_scores("ns_discriminator_loss", real_logits);
  check_scores("ns_discriminator_loss", fake_logits);
  return add(binary_cross_entropy_with_logits(real_logits, ones_like(real_logits)),
             binary_cross_entropy_with_logits(fake_logits, zeros_like(fake_logits)));
}

Tensor ns_generator_loss(const Tensor& fake_logits) {
  check_scores("ns_generator_loss", fake_logits);
  return binary_cross_entropy_with_logits(fake_logits, ones_like(fake_logits));
}

Tensor wgan_critic_loss(const Tensor& real_scores, const Tensor& fake_scores) {
  check_scores("wgan_critic_loss", real_scores);
  check_scores("wgan_critic_loss", fake_scores);
  return sub(mean(fake_scores), mean(real_scores));
}

Tensor wgan_generator_loss(const Tensor& fake_scores) {
  check_scores("wgan_generator_loss", fake_scores);
  return neg(mean(fake_scores));
}

Tensor gradient_penalty(const Discriminator& critic, const Tensor& real, const Tensor& fake, const Tensor& eps) {
  TG_CHECK(real.dim() >= 2 && real.shape() == fake.shape() && eps.shape() == Shape{real.size(0)},
           "gradient_penalty: real and fake must be (N, ...) of one shape and eps (N,), got real {}, fake {}, eps {}",
           describe(real), describe(fake), describe(eps));
  Shape per_image(size_t(real.dim()), 1);  // eps as (N, 1, ..., 1), broadcast over each image
  per_image[0] = real.size(0);
  Tensor e = reshape(eps.detach(), per_image);
  // xhat = eps x + (1 - eps) G(z): a leaf of its own, neither the data nor G gets a gradient from it
  Tensor xhat = add(mul(e, real.detach()), mul(add(neg(e), 1.0), fake.detach())).detach().requires_grad_();
  Tensor g = grad({sum(critic(xhat))}, {xhat}, {.create_graph = true})[0];  // (N, ...) = dD/dxhat per image
  Tensor norm = sqrt(add(sum(square(flatten(g, 1)), {1}), 1e-12));     // (N,)
  return mean(square(add(norm, -1.0)));
}

}  // namespace tg::models
