// Linear: y = x W^T + b with W stored (out, in) as in PyTorch, so checkpoints line up and the
// product is one matmul with the transpose flag (no copy of W). Default init is PyTorch's:
// kaiming_uniform_(W, a = sqrt(5)) and b ~ U(-1/sqrt(in), 1/sqrt(in)), i.e. both U(+-1/sqrt(in)).
#pragma once
#include "core/creation.h"
#include "nn/module.h"

namespace tg::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator& gen = default_generator());
  // x is (..., in_features); the result is (..., out_features).
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t in_features, out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), undefined without bias
};

}  // namespace tg::nn
