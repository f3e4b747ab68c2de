// Fused optimizer update on the CPU (the equations are in nn/optim.h).
#include <cmath>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {

void CpuBackend::adam_update(float* param, const float* grad, float* m, float* v, int64_t n, const AdamStep& s) {
  // Locals, not s.field: the stores through param could alias s, which would keep the loop scalar.
  const float b1 = s.beta1, b2 = s.beta2, eps = s.eps, lr_wd = s.lr * s.weight_decay, wd = s.weight_decay;
  const bool decoupled = s.decoupled;
  const float step = s.lr / s.bias_correction1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(s.bias_correction2);
  parallel_for(n, n, [&](int64_t begin, int64_t end) {
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
      param[i] = p - step * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
    }
  });
}

}  // namespace tg::cpu
