// CPU random fills from the shared Philox4x32-10 (core/philox.h): element i of a draw uses
// counter block offset + i/4 and word i%4, exactly as the CUDA kernels do.
#include "core/cpu/cpu_backend.h"
#include "core/philox.h"

namespace tg::cpu {
namespace {

template <class T, class Draw>
void fill_blocks(T* out, int64_t n, uint64_t seed, uint64_t offset, Draw&& draw) {
  int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, n, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      Philox4 p = philox4x32_10(offset + uint64_t(b), seed);
      for (int w = 0; w < 4 && b * 4 + w < n; ++w) out[b * 4 + w] = T(draw(p, w));
    }
  });
}

}  // namespace

void CpuBackend::random_uniform(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double lo,
                                double hi) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (std::is_same_v<C, double>) {
      fill_blocks(static_cast<T*>(out), n, seed, offset,
                  [&](const Philox4& p, int w) { return lo + (hi - lo) * philox_uniform_f64(p.w[w]); });
    } else {
      float l = float(lo), span = float(hi - lo);
      fill_blocks(static_cast<T*>(out), n, seed, offset,
                  [&](const Philox4& p, int w) { return C(l + span * philox_uniform_f32(p.w[w])); });
    }
  });
}

void CpuBackend::random_normal(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                               double std) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = std::conditional_t<std::is_same_v<compute_t<T>, double>, double, float>;
    C m = C(mean), s = C(std);
    fill_blocks(static_cast<T*>(out), n, seed, offset,
                [&](const Philox4& p, int w) { return compute_t<T>(m + s * philox_normal<C>(p, w)); });
  });
}

}  // namespace tg::cpu
