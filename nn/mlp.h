// MLP: a stack of Linear layers with an activation between them (none after the last), e.g.
// MLP({2, 16, 16, 2}) is Linear(2,16) ReLU Linear(16,16) ReLU Linear(16,2). Parameters are
// named "layers.<i>.weight" / "layers.<i>.bias".
#pragma once
#include <vector>

#include "nn/activation.h"
#include "nn/linear.h"

namespace tg::nn {

class MLP : public Module {
 public:
  // sizes = {in, hidden..., out}: at least two entries.
  explicit MLP(const std::vector<int64_t>& sizes, Activation activation = Activation::Relu, bool bias = true,
               Generator& gen = default_generator());
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  Activation activation;
  std::vector<std::shared_ptr<Linear>> layers;  // the same modules as the "layers" ModuleList
};

}  // namespace tg::nn
