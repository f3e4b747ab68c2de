// Resampling layers as modules (torch.nn.Upsample with mode "nearest", torch.nn.AvgPool2d), for
// nn::Sequential; the ops are in autograd/ops/conv.h.
#pragma once
#include "autograd/ops/conv.h"
#include "nn/module.h"

namespace tg::nn {

struct Upsample : Module {  // nearest neighbour by an integer factor: (N, C, H, W) -> (N, C, sH, sW)
  explicit Upsample(int64_t scale_factor) : scale_factor(scale_factor) {
    TG_CHECK(scale_factor >= 1, "Upsample: scale_factor must be a positive integer, got {}", scale_factor);
  }
  Tensor forward(const Tensor& x) const { return upsample_nearest2d(x, scale_factor); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  int64_t scale_factor;
};

struct AvgPool2d : Module {  // stride 0 = the kernel size, as torch's stride=None
  explicit AvgPool2d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0)
      : kernel_size{kernel_size, kernel_size}, stride{stride, stride}, padding{padding, padding} {}
  Tensor forward(const Tensor& x) const { return avg_pool2d(x, kernel_size, stride, padding); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  Pair2 kernel_size, stride, padding;
};

}  // namespace tg::nn
