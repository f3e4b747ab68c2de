// Multi-layer perceptron (see mlp.h).
#include "nn/mlp.h"

namespace tg::nn {

MLP::MLP(const std::vector<int64_t>& sizes, Activation activation, bool bias, Generator& gen)
    : activation(activation) {
  TG_CHECK(sizes.size() >= 2, "MLP: needs at least {{in, out}} sizes, got {} entries", sizes.size());
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (size_t i = 0; i + 1 < sizes.size(); ++i)
    layers.push_back(list->push_back(std::make_shared<Linear>(sizes[i], sizes[i + 1], bias, gen)));
}

Tensor MLP::forward(const Tensor& x) const {
  Tensor h = x;
  for (size_t i = 0; i < layers.size(); ++i) {
    h = layers[i]->forward(h);
    if (i + 1 < layers.size()) h = apply_activation(activation, h);
  }
  return h;
}

}  // namespace tg::nn
