// A portable f32 GEMM for builds without BLAS, and the naive reference tests compare against.
// Blocked: op(A) and op(B) are packed into contiguous row-major panels, then each thread owns
// a stripe of C's rows and runs C[i, j0:j1] += A[i, p] * B[p, j0:j1] (the j loop vectorises).
#include <algorithm>
#include <vector>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {

void gemm_reference_f32(const GemmArgs& g) {
  for (int64_t b = 0; b < g.batch; ++b) {
    auto* A = static_cast<const float*>(g.a) + b * g.stride_a;
    auto* B = static_cast<const float*>(g.b) + b * g.stride_b;
    auto* C = static_cast<float*>(g.c) + b * g.stride_c;
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < g.k; ++p)
          acc += double(g.trans_a ? A[p * g.lda + i] : A[i * g.lda + p]) *
                 double(g.trans_b ? B[j * g.ldb + p] : B[p * g.ldb + j]);
        float prev = g.beta == 0 ? 0.0f : g.beta * C[i * g.ldc + j];
        C[i * g.ldc + j] = g.alpha * float(acc) + prev;
      }
  }
}

void gemm_blocked_f32(const GemmArgs& g) {
  constexpr int64_t KB = 256, NB = 512;  // a KB x NB panel of B stays in L2
  std::vector<float> a(size_t(g.m * g.k)), b(size_t(g.k * g.n));
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    auto* A = static_cast<const float*>(g.a) + bi * g.stride_a;
    auto* B = static_cast<const float*>(g.b) + bi * g.stride_b;
    auto* C = static_cast<float*>(g.c) + bi * g.stride_c;
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t p = 0; p < g.k; ++p) a[size_t(i * g.k + p)] = g.trans_a ? A[p * g.lda + i] : A[i * g.lda + p];
    for (int64_t p = 0; p < g.k; ++p)
      for (int64_t j = 0; j < g.n; ++j) b[size_t(p * g.n + j)] = g.trans_b ? B[j * g.ldb + p] : B[p * g.ldb + j];
    parallel_for(g.m, g.m * g.n * g.k, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float* c = C + i * g.ldc;
        for (int64_t j = 0; j < g.n; ++j) c[j] = g.beta == 0 ? 0.0f : g.beta * c[j];
        for (int64_t j0 = 0; j0 < g.n; j0 += NB) {
          int64_t j1 = std::min(g.n, j0 + NB);
          for (int64_t p0 = 0; p0 < g.k; p0 += KB) {
            int64_t p1 = std::min(g.k, p0 + KB);
            for (int64_t p = p0; p < p1; ++p) {
              float av = g.alpha * a[size_t(i * g.k + p)];
              const float* brow = b.data() + p * g.n;
#pragma omp simd
              for (int64_t j = j0; j < j1; ++j) c[j] += av * brow[j];
            }
          }
        }
      }
    });
  }
}

}  // namespace tg::cpu
