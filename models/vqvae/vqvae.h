// VQ-VAE (van den Oord et al. 2017) for 28x28 images: a conv encoder to a 7x7 grid of D-vectors,
// each replaced by its nearest codebook entry (quantizer.h), and a transposed-conv decoder back:
//   encoder  Conv 1->c k4 s2 p1 (14x14), ReLU, Conv c->2c k4 s2 p1 (7x7), ReLU, Conv 2c->D k1
//   decoder  Conv D->2c k1, ReLU, ConvT 2c->c k4 s2 p1 (14x14), ReLU, ConvT c->1 k4 s2 p1, sigmoid
// trained on ||x - x_hat||^2 plus the quantizer's loss. An image becomes 49 codes in raster
// order, which is what the prior (prior.h) models.
#pragma once
#include <memory>

#include "models/vqvae/quantizer.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"

namespace tg::models {

struct VqVaeConfig {
  int64_t channels = 32;  // c: the encoder's first width; the second is 2c
  QuantizerConfig quantizer;
};

struct VqVaeOutput {
  Tensor reconstruction;  // (B, 1, 28, 28) in (0, 1)
  Tensor z;               // (B 49, D) encoder outputs, one row per grid cell
  Quantized quantized;    // codes (B 49), losses
  Tensor codes;           // (B, 49) i64
};

class VqVae : public nn::Module {
 public:
  explicit VqVae(VqVaeConfig config = {}, Generator& init = default_generator());
  // images (B, 784) or (B, 1, 28, 28) -> encoder outputs (B 49, D), rows in raster order per image
  Tensor encode(const Tensor& images) const;
  // quantized rows (B 49, D) -> images (B, 1, 28, 28)
  Tensor decode(const Tensor& rows) const;
  // i64 codes (B, 49) -> images (B, 1, 28, 28)
  Tensor decode_codes(const Tensor& codes) const;
  // i64 codes (B, 49) of images, without gradient
  Tensor codes(const Tensor& images) const;
  VqVaeOutput forward(const Tensor& images) const;
  // The weight of the decoder's last layer: where VQGAN compares the gradient norms of its losses.
  const Tensor& last_layer_weight() const { return dec3_->weight; }
  const VqVaeConfig& config() const { return config_; }

  std::shared_ptr<VectorQuantizer> quantizer;

 private:
  VqVaeConfig config_;
  std::shared_ptr<nn::Conv2d> enc1_, enc2_, enc3_, dec1_;
  std::shared_ptr<nn::ConvTranspose2d> dec2_, dec3_;
};

}  // namespace tg::models
