// Conv2d: y = conv2d(x, W, b) (autograd/ops/conv.h) with W stored (out, in, kh, kw) as in PyTorch,
// so state dicts line up. Default init is PyTorch's: kaiming_uniform_(W, a = sqrt(5)) and
// b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in kh kw; both end up U(+-1/sqrt(fan_in)).
#pragma once
#include "autograd/ops/conv.h"
#include "core/creation.h"
#include "nn/module.h"

namespace tg::nn {

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0,
         bool bias = true, Generator& gen = default_generator());
  // x (N, in, H, W) -> (N, out, OH, OW)
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t in_channels, out_channels;
  Pair2 kernel_size, stride, padding, dilation{1, 1};  // dilation may be set after construction
  Tensor weight;  // (out, in, kh, kw)
  Tensor bias;    // (out), undefined without bias
};

}  // namespace tg::nn
