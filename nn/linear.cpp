// Linear layer (see linear.h).
#include "nn/linear.h"

#include <cmath>

#include "autograd/ops/elementwise.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/shape.h"
#include "nn/init.h"

namespace tg::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Generator& gen)
    : in_features(in_features), out_features(out_features) {
  TG_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in {} out {}", in_features,
           out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  init::kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias) {
    this->bias = register_parameter("bias", empty({out_features}));
    double bound = 1.0 / std::sqrt(double(in_features));
    init::uniform_(this->bias, gen, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) const {
  TG_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "Linear({}, {}): input {} must end in {} features",
           in_features, out_features, describe(x), in_features);
  // Leading dims are flattened into rows (a view), so W is never broadcast over a batch.
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor y = matmul(reshape(x, {-1, in_features}), weight, false, /*trans_b=*/true);  // (rows, out)
  if (bias.defined()) y = add(y, bias);
  return reshape(y, out_shape);
}

}  // namespace tg::nn
