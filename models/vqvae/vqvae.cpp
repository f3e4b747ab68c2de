// VQ-VAE's encoder and decoder around the quantizer (see vqvae.h).
#include "models/vqvae/vqvae.h"

#include "autograd/grad_mode.h"
#include "autograd/ops.h"

namespace tg::models {

VqVae::VqVae(VqVaeConfig config, Generator& init) : config_(config) {
  const int64_t c = config.channels, D = config.quantizer.code_dim;
  TG_CHECK(c >= 1, "VqVae: channels must be positive, got {}", c);
  enc1_ = register_module("enc1", std::make_shared<nn::Conv2d>(1, c, 4, 2, 1, true, init));
  enc2_ = register_module("enc2", std::make_shared<nn::Conv2d>(c, 2 * c, 4, 2, 1, true, init));
  enc3_ = register_module("enc3", std::make_shared<nn::Conv2d>(2 * c, D, 1, 1, 0, true, init));
  quantizer = register_module("quantizer", std::make_shared<VectorQuantizer>(config.quantizer, init));
  dec1_ = register_module("dec1", std::make_shared<nn::Conv2d>(D, 2 * c, 1, 1, 0, true, init));
  dec2_ = register_module("dec2", std::make_shared<nn::ConvTranspose2d>(2 * c, c, 4, 2, 1, 0, true, init));
  dec3_ = register_module("dec3", std::make_shared<nn::ConvTranspose2d>(c, 1, 4, 2, 1, 0, true, init));
}

Tensor VqVae::encode(const Tensor& images) const {
  TG_CHECK((images.dim() == 2 && images.size(1) == 784) ||
               (images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28),
           "VqVae: images {} must be (B, 784) or (B, 1, 28, 28)", describe(images));
  const int64_t B = images.size(0), D = config_.quantizer.code_dim;
  Tensor h = relu(enc1_->forward(reshape(images, {B, 1, 28, 28})));  // (B, c, 14, 14)
  h = relu(enc2_->forward(h));                                       // (B, 2c, 7, 7)
  h = enc3_->forward(h);                                              // (B, D, 7, 7)
  return reshape(permute(h, {0, 2, 3, 1}), {B * 49, D});              // row b*49 + 7y + x
}

Tensor VqVae::decode(const Tensor& rows) const {
  const int64_t D = config_.quantizer.code_dim;
  TG_CHECK(rows.dim() == 2 && rows.size(1) == D && rows.size(0) % 49 == 0,
           "VqVae::decode: rows {} must be (B 49, {})", describe(rows), D);
  Tensor h = permute(reshape(rows, {rows.size(0) / 49, 7, 7, D}), {0, 3, 1, 2});  // (B, D, 7, 7)
  h = relu(dec1_->forward(h));
  h = relu(dec2_->forward(h));        // (B, c, 14, 14)
  return sigmoid(dec3_->forward(h));  // (B, 1, 28, 28)
}

Tensor VqVae::decode_codes(const Tensor& codes) const {
  TG_CHECK(codes.dim() == 2 && codes.size(1) == 49, "VqVae::decode_codes: codes {} must be (B, 49)", describe(codes));
  return decode(quantizer->lookup(reshape(codes, {-1})));
}

Tensor VqVae::codes(const Tensor& images) const {
  NoGradGuard no_grad;
  return reshape(quantizer->nearest(encode(images)), {images.size(0), 49});
}

VqVaeOutput VqVae::forward(const Tensor& images) const {
  VqVaeOutput out;
  out.z = encode(images);
  out.quantized = quantizer->forward(out.z);
  out.codes = reshape(out.quantized.codes, {images.size(0), 49});
  out.reconstruction = decode(out.quantized.out);
  return out;
}

}  // namespace tg::models
