// DCGAN (Radford et al. 2016) for 28x28 Fashion-MNIST, after PyTorch's DCGAN tutorial with the
// sizes scaled to one 7x7 -> 14x14 -> 28x28 ladder (g = generator width, d = discriminator width):
//   G: z (latent) -> linear to (2g, 7, 7), BN, ReLU -> convT 4x4/2 to (g, 14, 14), BN, ReLU
//      -> convT 4x4/2 to (1, 28, 28), tanh                                       images in [-1, 1]
//   D: (1, 28, 28) -> conv 4x4/2 to (d, 14, 14), LeakyReLU(0.2) -> conv 4x4/2 to (2d, 7, 7),
//      [BN], LeakyReLU(0.2) -> linear to 1 logit (or critic score)
// The WGAN-GP critic has no batch norm: its gradient penalty is per image, and batch statistics
// would make each image's score depend on the others (Gulrajani et al., section 4).
// Weights start as in the tutorial: conv and linear weights ~ N(0, 0.02), BN scales ~ N(1, 0.02),
// biases 0.
#pragma once
#include <memory>

#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/linear.h"

namespace tg::models {

struct GanConfig {
  int64_t latent = 100, g_width = 64, d_width = 64;
  bool d_batch_norm = true;  // false for the WGAN-GP critic
};

class DcganGenerator : public nn::Module {
 public:
  explicit DcganGenerator(GanConfig config = {}, Generator& init = default_generator());
  Tensor forward(const Tensor& z) const;  // z (N, latent) -> images (N, 1, 28, 28) in [-1, 1]
  Tensor operator()(const Tensor& z) const { return forward(z); }

 private:
  GanConfig config_;
  std::shared_ptr<nn::Linear> fc_;
  std::shared_ptr<nn::BatchNorm2d> bn0_, bn1_;
  std::shared_ptr<nn::ConvTranspose2d> up1_, up2_;
};

class DcganDiscriminator : public nn::Module {
 public:
  explicit DcganDiscriminator(GanConfig config = {}, Generator& init = default_generator());
  Tensor forward(const Tensor& images) const;  // (N, 1, 28, 28) or (N, 784) -> (N, 1)
  Tensor operator()(const Tensor& images) const { return forward(images); }

 private:
  GanConfig config_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn_;  // null without d_batch_norm
  std::shared_ptr<nn::Linear> fc_;
};

}  // namespace tg::models
