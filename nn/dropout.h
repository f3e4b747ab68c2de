// Dropout as a module: in training mode each element is zeroed with probability p and the
// rest scaled by 1/(1-p); in eval mode it is the identity. Draws come from the Generator given
// at construction, which must outlive the module (the default one by default).
#pragma once
#include "core/creation.h"
#include "nn/module.h"

namespace tg::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  double p;

 private:
  Generator* gen_;
};

}  // namespace tg::nn
