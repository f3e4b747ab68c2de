// ConvTranspose2d layer (see conv_transpose2d.h).
#include "nn/conv_transpose2d.h"

#include <cmath>

#include "nn/init.h"

namespace tg::nn {

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                                 int64_t padding, int64_t output_padding, bool bias, Generator& gen)
    : in_channels(in_channels), out_channels(out_channels), kernel_size{kernel_size, kernel_size},
      stride{stride, stride}, padding{padding, padding}, output_padding{output_padding, output_padding} {
  TG_CHECK(in_channels > 0 && out_channels > 0 && kernel_size > 0 && stride > 0 && padding >= 0 &&
           output_padding >= 0 && output_padding < stride,
           "ConvTranspose2d: channels, kernel size and stride must be positive, padding non-negative and "
           "output_padding in [0, stride), got in {} out {} kernel {} stride {} padding {} output_padding {}",
           in_channels, out_channels, kernel_size, stride, padding, output_padding);
  weight = register_parameter("weight", empty({in_channels, out_channels, kernel_size, kernel_size}));
  init::kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias) {
    this->bias = register_parameter("bias", empty({out_channels}));
    double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight).fan_in));
    init::uniform_(this->bias, gen, -bound, bound);
  }
}

Tensor ConvTranspose2d::forward(const Tensor& x) const {
  return conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation);
}

}  // namespace tg::nn
