// BatchNorm1d / BatchNorm2d (torch.nn): y = (x - mean) / sqrt(var + eps) * weight + bias per
// channel (axis 1). In training mode mean and var are the batch's (over every axis but 1, var
// biased), and the running statistics move toward them:
//   running_mean = (1 - momentum) running_mean + momentum mean
//   running_var  = (1 - momentum) running_var  + momentum var n / (n - 1)   (unbiased, as torch)
// In eval mode the running statistics normalise. running_mean, running_var and num_batches_tracked
// are buffers: in the state dict (names as torch's), not trained. weight = 1, bias = 0 at first.
#pragma once
#include "nn/module.h"

namespace tg::nn {

class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  int64_t num_features;
  double eps, momentum;
  Tensor weight, bias;                                        // (C) parameters
  Tensor running_mean, running_var, num_batches_tracked;      // (C), (C) f32 and a 0-d i64 buffer

 protected:
  // `name` and the input ranks it accepts ({2, 3}: (N, C) or (N, C, L); {4}: (N, C, H, W)).
  BatchNorm(const char* name, std::vector<int64_t> ranks, int64_t num_features, double eps, double momentum);

 private:
  const char* name_;
  std::vector<int64_t> ranks_;
};

struct BatchNorm1d : BatchNorm {  // x (N, C) or (N, C, L)
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : BatchNorm("BatchNorm1d", {2, 3}, num_features, eps, momentum) {}
};

struct BatchNorm2d : BatchNorm {  // x (N, C, H, W)
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : BatchNorm("BatchNorm2d", {4}, num_features, eps, momentum) {}
};

}  // namespace tg::nn
