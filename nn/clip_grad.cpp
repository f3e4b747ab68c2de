// Gradient clipping by global norm (see clip_grad.h).
#include "nn/clip_grad.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"

namespace tg::nn {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm) {
  TG_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm {} must be >= 0", max_norm);
  NoGradGuard no_grad;
  double sum_sq = 0;
  for (const Tensor& p : params)
    if (p.grad().defined()) sum_sq += sum(square(p.grad().to(DType::f64))).item<double>();
  double total = std::sqrt(sum_sq);
  double coef = max_norm / (total + 1e-6);
  if (!std::isfinite(total) || coef >= 1) return total;
  for (Tensor p : params)  // a copy of the handle, sharing the parameter's impl
    if (p.grad().defined()) p.set_grad(mul(p.grad(), coef));
  return total;
}

}  // namespace tg::nn
