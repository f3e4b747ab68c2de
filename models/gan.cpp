// The DCGAN generator and discriminator (see gan.h for the layer ladder).
#include "models/gan.h"

#include "autograd/ops.h"
#include "nn/init.h"

namespace tg::models {

namespace {

// DCGAN's init: weights ~ N(0, 0.02) (BN scales ~ N(1, 0.02)), biases 0.
void dcgan_init(nn::Module& m, Generator& gen) {
  for (const auto& [name, p] : m.named_parameters()) {
    bool is_bn = name.find("bn") != std::string::npos;
    if (name.ends_with("bias")) nn::init::zeros_(p);
    else nn::init::normal_(p, gen, is_bn ? 1.0 : 0.0, 0.02);
  }
}

void check_config(const GanConfig& c, const char* who) {
  TG_CHECK(c.latent >= 1 && c.g_width >= 1 && c.d_width >= 1, "{}: latent, g_width and d_width must be >= 1, got "
           "{}, {}, {}", who, c.latent, c.g_width, c.d_width);
}

}  // namespace

DcganGenerator::DcganGenerator(GanConfig config, Generator& init) : config_(config) {
  check_config(config, "DcganGenerator");
  const int64_t g = config.g_width;
  fc_ = register_module("fc", std::make_shared<nn::Linear>(config.latent, 2 * g * 49, true, init));
  bn0_ = register_module("bn0", std::make_shared<nn::BatchNorm2d>(2 * g));
  up1_ = register_module("up1", std::make_shared<nn::ConvTranspose2d>(2 * g, g, 4, 2, 1, 0, true, init));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(g));
  up2_ = register_module("up2", std::make_shared<nn::ConvTranspose2d>(g, 1, 4, 2, 1, 0, true, init));
  dcgan_init(*this, init);
}

Tensor DcganGenerator::forward(const Tensor& z) const {
  TG_CHECK(z.dim() == 2 && z.size(1) == config_.latent, "DcganGenerator: z must be (N, {}), got {}", config_.latent,
           describe(z));
  Tensor h = reshape(fc_->forward(z), {z.size(0), 2 * config_.g_width, 7, 7});
  h = relu(bn0_->forward(h));                     // (N, 2g, 7, 7)
  h = relu(bn1_->forward(up1_->forward(h)));      // (N, g, 14, 14)
  return tanh(up2_->forward(h));                  // (N, 1, 28, 28)
}

DcganDiscriminator::DcganDiscriminator(GanConfig config, Generator& init) : config_(config) {
  check_config(config, "DcganDiscriminator");
  const int64_t d = config.d_width;
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(1, d, 4, 2, 1, true, init));
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(d, 2 * d, 4, 2, 1, !config.d_batch_norm, init));
  if (config.d_batch_norm) bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(2 * d));
  fc_ = register_module("fc", std::make_shared<nn::Linear>(2 * d * 49, 1, true, init));
  dcgan_init(*this, init);
}

Tensor DcganDiscriminator::forward(const Tensor& images) const {
  TG_CHECK((images.dim() == 2 && images.size(1) == 784) ||
               (images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28),
           "DcganDiscriminator: images must be (N, 784) or (N, 1, 28, 28), got {}", describe(images));
  Tensor x = reshape(images, {images.size(0), 1, 28, 28});
  Tensor h = leaky_relu(conv1_->forward(x), 0.2);  // (N, d, 14, 14)
  h = conv2_->forward(h);                          // (N, 2d, 7, 7)
  if (bn_) h = bn_->forward(h);
  return fc_->forward(flatten(leaky_relu(h, 0.2), 1));  // (N, 1)
}

}  // namespace tg::models
