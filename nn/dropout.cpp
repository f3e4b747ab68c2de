// Dropout module (see dropout.h); the op itself is tg::dropout.
#include "nn/dropout.h"

#include "autograd/ops/nn_functional.h"

namespace tg::nn {

Dropout::Dropout(double p, Generator& gen) : p(p), gen_(&gen) {
  TG_CHECK(p >= 0 && p <= 1, "Dropout: probability {} is outside [0, 1]", p);
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, p, is_training(), *gen_); }

}  // namespace tg::nn
