// Gradient clipping by global norm (see clip_grad.h).
#include "nn/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce.h"

namespace tg::nn {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm) {
  TG_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm {} must be >= 0", max_norm);
  NoGradGuard no_grad;
  // The squared sums stay on their device and are added there: one host read per device (one
  // synchronisation on a GPU), not one .item() per parameter.
  std::vector<Tensor> per_device;  // f64 scalars, one per device seen
  for (const Tensor& p : params) {
    if (!p.grad().defined()) continue;
    Tensor s = sum(square(p.grad().to(DType::f64)));
    auto it = std::find_if(per_device.begin(), per_device.end(), [&](const Tensor& t) { return t.device() == s.device(); });
    if (it == per_device.end()) per_device.push_back(s);
    else *it = add(*it, s);
  }
  double sum_sq = 0;
  for (const Tensor& s : per_device) sum_sq += s.item<double>();
  double total = std::sqrt(sum_sq);
  double coef = max_norm / (total + 1e-6);
  if (!std::isfinite(total) || coef >= 1) return total;
  for (Tensor p : params)  // a copy of the handle, sharing the parameter's impl
    if (p.grad().defined()) p.set_grad(mul(p.grad(), coef));
  return total;
}

}  // namespace tg::nn
