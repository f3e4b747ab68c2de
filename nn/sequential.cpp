// Sequential container (see sequential.h).
#include "nn/sequential.h"

namespace tg::nn {

Tensor Sequential::forward(const Tensor& x) const {
  Tensor y = x;
  for (const auto& step : steps_) y = step(y);
  return y;
}

}  // namespace tg::nn
