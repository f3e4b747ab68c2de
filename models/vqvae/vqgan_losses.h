// The losses VQGAN (Esser et al. 2021, "Taming Transformers") adds to a VQ-VAE's stage 1: a hinge
// GAN loss on a patch discriminator's logits, a perceptual loss, and the adaptive weight that
// balances the GAN loss against the reconstruction loss at the decoder's last layer:
//   L = L_rec + lambda * w_GAN * L_GAN + L_vq,
//   lambda = ||grad_{w_L} L_rec|| / (||grad_{w_L} L_GAN|| + 1e-4), clamped to [0, 1e4], no gradient,
// so the GAN pushes the decoder as hard as the reconstruction does, whatever their scales.
#pragma once
#include <functional>

#include "core/tensor.h"

namespace tg::models {

// Hinge loss (Lim & Ye 2017; VQGAN's default), means over every logit of the patch grids:
//   L_D = mean(relu(1 - D(x))) + mean(relu(1 + D(x_hat))),   L_G = -mean(D(x_hat)).
Tensor hinge_discriminator_loss(const Tensor& real_logits, const Tensor& fake_logits);
Tensor hinge_generator_loss(const Tensor& fake_logits);

// ||f(x_hat) - f(x)||^2 summed over features, mean over images, for a feature extractor
// f: images -> (B, F) (the real images' features carry no gradient). A fixed network's features
// instead of pixels: reconstructions are judged by what a classifier sees in them.
Tensor perceptual_loss(const std::function<Tensor(const Tensor&)>& features, const Tensor& images,
                       const Tensor& reconstructions);

// lambda above, from grad_{w_L} L_rec (e.g. w_L's .grad right after L_rec's own backward, which
// saves a second backward through the perceptual network) and the GAN loss, whose gradient at
// `last_weight` is taken here with its graph kept for the backward that follows. A GAN loss that
// does not reach `last_weight`, or a gradient of another shape, is a tg::Error.
double adaptive_gan_weight(const Tensor& reconstruction_grad, const Tensor& gan_loss, const Tensor& last_weight);

}  // namespace tg::models
