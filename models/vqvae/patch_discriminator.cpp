// The patch discriminator (see patch_discriminator.h).
#include "models/vqvae/patch_discriminator.h"

#include "autograd/ops.h"

namespace tg::models {

PatchDiscriminator::PatchDiscriminator(int64_t channels, Generator& init) {
  TG_CHECK(channels >= 1, "PatchDiscriminator: channels must be positive, got {}", channels);
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(1, channels, 4, 2, 1, true, init));
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(channels, 2 * channels, 4, 2, 1, true, init));
  conv3_ = register_module("conv3", std::make_shared<nn::Conv2d>(2 * channels, 1, 3, 1, 1, true, init));
}

Tensor PatchDiscriminator::forward(const Tensor& images) const {
  TG_CHECK(images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
           "PatchDiscriminator: images {} must be (B, 1, 28, 28)", describe(images));
  Tensor h = leaky_relu(conv1_->forward(images), 0.2);  // (B, c, 14, 14)
  h = leaky_relu(conv2_->forward(h), 0.2);              // (B, 2c, 7, 7)
  return conv3_->forward(h);                            // (B, 1, 7, 7)
}

}  // namespace tg::models
