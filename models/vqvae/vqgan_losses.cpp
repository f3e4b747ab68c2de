// VQGAN's hinge, perceptual and adaptive-weight pieces (see vqgan_losses.h).
#include "models/vqvae/vqgan_losses.h"

#include <algorithm>
#include <cmath>

#include "autograd/engine.h"
#include "autograd/ops.h"

namespace tg::models {

Tensor hinge_discriminator_loss(const Tensor& real_logits, const Tensor& fake_logits) {
  return add(mean(relu(add(neg(real_logits), 1.0))), mean(relu(add(fake_logits, 1.0))));
}

Tensor hinge_generator_loss(const Tensor& fake_logits) { return neg(mean(fake_logits)); }

Tensor perceptual_loss(const std::function<Tensor(const Tensor&)>& features, const Tensor& images,
                       const Tensor& reconstructions) {
  Tensor target = features(images).detach(), got = features(reconstructions);
  TG_CHECK(got.dim() == 2 && got.shape() == target.shape() && got.size(0) == images.size(0),
           "perceptual_loss: features {} and {} must be (B, F) for {} images", describe(got), describe(target),
           images.size(0));
  return mean(sum(square(sub(got, target)), {1}));
}

double adaptive_gan_weight(const Tensor& reconstruction_grad, const Tensor& gan_loss, const Tensor& last_weight) {
  TG_CHECK(reconstruction_grad.defined() && reconstruction_grad.shape() == last_weight.shape(),
           "adaptive_gan_weight: the reconstruction gradient {} must have the last layer's shape {}",
           reconstruction_grad.defined() ? describe(reconstruction_grad) : "(undefined)", describe(last_weight));
  std::vector<Tensor> g = grad({gan_loss}, {last_weight}, {.retain_graph = true, .allow_unused = true});
  TG_CHECK(g[0].defined(), "adaptive_gan_weight: the GAN loss does not depend on the last layer's weight {}",
           describe(last_weight));
  double rec = std::sqrt(sum(square(reconstruction_grad)).item<double>());
  double gan = std::sqrt(sum(square(g[0])).item<double>());
  return std::clamp(rec / (gan + 1e-4), 0.0, 1e4);
}

}  // namespace tg::models
