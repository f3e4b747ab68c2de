// CPU indexing kernels: index_select/index_add along an axis and gather/scatter_add, on an
// (outer, n, inner) view. Ranges are checked by the caller (first_out_of_range).
#include <cstring>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {

int64_t CpuBackend::first_out_of_range(const int64_t* idx, int64_t n, int64_t limit) {
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= limit) return i;
  return -1;
}

void CpuBackend::index_select(DType t, void* out, const void* in, const int64_t* idx, int64_t outer,
                              int64_t n_in, int64_t n_idx, int64_t inner) {
  size_t row = size_t(inner) * dtype_size(t);
  auto* o = static_cast<char*>(out);
  auto* x = static_cast<const char*>(in);
  parallel_for(outer * n_idx, outer * n_idx * inner, [&](int64_t begin, int64_t end) {
    for (int64_t oj = begin; oj < end; ++oj) {
      int64_t b = oj / n_idx, j = oj % n_idx;
      std::memcpy(o + size_t(oj) * row, x + size_t(b * n_in + idx[j]) * row, row);
    }
  });
}

void CpuBackend::index_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer,
                           int64_t n_out, int64_t n_idx, int64_t inner) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    T* o = static_cast<T*>(out);
    const T* s = static_cast<const T*>(src);
    // parallel over outer only: two j may hit the same destination row
    parallel_for(outer, outer * n_idx * inner, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b)
        for (int64_t j = 0; j < n_idx; ++j) {
          T* dst = o + (b * n_out + idx[j]) * inner;
          const T* from = s + (b * n_idx + j) * inner;
          for (int64_t i = 0; i < inner; ++i) dst[i] = T(C(dst[i]) + C(from[i]));
        }
    });
  });
}

void CpuBackend::gather(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
                        int64_t n_idx, int64_t inner) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    parallel_for(outer * n_idx, outer * n_idx * inner, [&](int64_t begin, int64_t end) {
      for (int64_t oj = begin; oj < end; ++oj) {
        int64_t b = oj / n_idx;
        for (int64_t i = 0; i < inner; ++i) {
          int64_t k = oj * inner + i;
          o[k] = x[(b * n_in + idx[k]) * inner + i];
        }
      }
    });
  });
}

void CpuBackend::scatter_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer,
                             int64_t n_out, int64_t n_idx, int64_t inner) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    T* o = static_cast<T*>(out);
    const T* s = static_cast<const T*>(src);
    parallel_for(outer, outer * n_idx * inner, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b)
        for (int64_t j = 0; j < n_idx; ++j)
          for (int64_t i = 0; i < inner; ++i) {
            int64_t k = (b * n_idx + j) * inner + i;
            T& dst = o[(b * n_out + idx[k]) * inner + i];
            dst = T(C(dst) + C(s[k]));
          }
    });
  });
}

}  // namespace tg::cpu
