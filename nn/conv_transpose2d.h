// ConvTranspose2d: y = conv_transpose2d(x, W, b) (autograd/ops/conv.h), the layer that upsamples
// in DCGAN generators and VQ-VAE decoders. W is stored (in, out, kh, kw) as in PyTorch; its init is
// PyTorch's, which takes fan_in from W's second dim: fan_in = out kh kw, W and b ~ U(+-1/sqrt(fan_in)).
#pragma once
#include "autograd/ops/conv.h"
#include "core/creation.h"
#include "nn/module.h"

namespace tg::nn {

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
                  int64_t padding = 0, int64_t output_padding = 0, bool bias = true,
                  Generator& gen = default_generator());
  // x (N, in, H, W) -> (N, out, (H - 1) s - 2 p + d (k - 1) + output_padding + 1, ...)
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t in_channels, out_channels;
  Pair2 kernel_size, stride, padding, output_padding, dilation{1, 1};  // dilation may be set later
  Tensor weight;  // (in, out, kh, kw)
  Tensor bias;    // (out), undefined without bias
};

}  // namespace tg::nn
