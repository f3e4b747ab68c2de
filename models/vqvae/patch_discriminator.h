// VQGAN's discriminator for 28x28 images: a small PatchGAN (Isola et al. 2017) that gives a grid
// of logits, each judging whether one patch of the image looks real, instead of one per image:
//   Conv 1->c k4 s2 p1, LeakyReLU(0.2), Conv c->2c k4 s2 p1, LeakyReLU(0.2), Conv 2c->1 k3 s1 p1,
// images (B, 1, 28, 28) -> logits (B, 1, 7, 7), each seeing a 22x22 patch.
#pragma once
#include <memory>

#include "nn/conv2d.h"

namespace tg::models {

class PatchDiscriminator : public nn::Module {
 public:
  explicit PatchDiscriminator(int64_t channels = 32, Generator& init = default_generator());
  Tensor forward(const Tensor& images) const;
  Tensor operator()(const Tensor& images) const { return forward(images); }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
};

}  // namespace tg::models
