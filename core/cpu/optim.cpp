// Fused optimizer update on the CPU (the equations are in nn/optim.h).
#include <algorithm>
#include <cmath>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {

namespace {

// Elements [begin, end) of one tensor. AMSGrad (a template flag, so plain Adam's loop is unchanged)
// divides by the running max of v instead of v itself.
template <bool AMSGRAD>
void adam_range(const AdamTensor& t, int64_t begin, int64_t end) {
  // Locals, not t.step.field: the stores through param could alias t, which would keep the loop scalar.
  const AdamStep& s = t.step;
  const float b1 = s.beta1, b2 = s.beta2, eps = s.eps, lr_wd = s.lr * s.weight_decay, wd = s.weight_decay;
  const bool decoupled = s.decoupled;
  const float step = s.lr / s.bias_correction1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(s.bias_correction2);
  float* param = t.param;
  const float* grad = t.grad;
  float *m = t.m, *v = t.v, *v_max = t.v_max;
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    float g = grad[i];
    float p = param[i];
    if (decoupled) p -= lr_wd * p;
    else g += wd * p;
    float mi = b1 * m[i] + (1 - b1) * g;
    float vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    if constexpr (AMSGRAD) {
      vi = std::max(v_max[i], vi);
      v_max[i] = vi;
    }
    param[i] = p - step * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace

// All tensors laid end to end as one index space [0, total), split once over the threads: a
// model's parameters cost one parallel region instead of one per tensor.
void CpuBackend::adam_update(const std::vector<AdamTensor>& tensors) {
  int64_t total = 0;
  for (const AdamTensor& t : tensors) total += t.n;
  parallel_for(total, total, [&](int64_t begin, int64_t end) {
    int64_t first = 0;  // global index of the current tensor's element 0
    for (const AdamTensor& t : tensors) {
      int64_t lo = std::max(begin, first), hi = std::min(end, first + t.n);
      if (lo < hi) {
        if (t.v_max) adam_range<true>(t, lo - first, hi - first);
        else adam_range<false>(t, lo - first, hi - first);
      }
      first += t.n;
    }
  });
}

}  // namespace tg::cpu
