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

double adaptive_gan_weight(const Tensor& reconstruction_loss, const Tensor& gan_loss, const Tensor& last_weight) {
  auto norm = [&last_weight](const Tensor& loss, const char* which) {
    std::vector<Tensor> g = grad({loss}, {last_weight}, {.retain_graph = true, .allow_unused = true});
    TG_CHECK(g[0].defined(), "adaptive_gan_weight: the {} loss does not depend on the last layer's weight {}", which,
             describe(last_weight));
    return std::sqrt(sum(square(g[0])).item<double>());
  };
  double rec = norm(reconstruction_loss, "reconstruction"), gan = norm(gan_loss, "GAN");
  return std::clamp(rec / (gan + 1e-4), 0.0, 1e4);
}

}  // namespace tg::models
