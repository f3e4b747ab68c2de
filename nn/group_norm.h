// GroupNorm (torch.nn.GroupNorm): the C channels of x (N, C, ...) split into G groups, each
// normalised over its channels and positions, y = (x - mean_g) / sqrt(var_g + eps) (biased var),
// then scaled and shifted per channel. Batch-independent, so it suits small batches and the VQ-VAE's
// encoder and decoder. weight = 1, bias = 0 at first.
#pragma once
#include "nn/module.h"

namespace tg::nn {

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) const;  // x (N, C, ...) with C = num_channels
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t num_groups, num_channels;
  double eps;
  Tensor weight, bias;  // (C), undefined without affine
};

}  // namespace tg::nn
