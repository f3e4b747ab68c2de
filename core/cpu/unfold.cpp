// CPU unfold/fold (im2col/col2im), the kernels under conv2d and conv_transpose2d. Each (n, c)
// image plane is one unit of work: its kh kw column rows are written (unfold) or its pixels summed
// into (fold) by one thread, so fold needs no atomics. The inner loop runs over output columns ox,
// which map to the contiguous input pixels ox sw + j dw - pw: a memcpy / a contiguous add when sw = 1.
#include <cstring>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {
namespace {

// The output columns [lo, hi) whose input column ox sw + off lies inside [0, W).
struct ColumnRange {
  int64_t lo, hi;
};
ColumnRange valid_columns(int64_t off, int64_t sw, int64_t W, int64_t OW) {
  int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  int64_t hi = off > W - 1 ? 0 : (W - 1 - off) / sw + 1;
  lo = std::min(lo, OW);
  hi = std::clamp(hi, lo, OW);
  return {lo, hi};
}

template <class T>
void unfold_plane(T* cols, const T* x, const UnfoldArgs& a) {
  const int64_t L = a.OH * a.OW;
  for (int64_t i = 0; i < a.kh; ++i)
    for (int64_t j = 0; j < a.kw; ++j) {
      T* row = cols + (i * a.kw + j) * L;  // column row (c, i, j) of this plane
      const int64_t off = j * a.dw - a.pw;
      const auto [lo, hi] = valid_columns(off, a.sw, a.W, a.OW);
      for (int64_t oy = 0; oy < a.OH; ++oy) {
        T* out = row + oy * a.OW;
        const int64_t iy = oy * a.sh - a.ph + i * a.dh;
        if (iy < 0 || iy >= a.H) {
          std::fill(out, out + a.OW, T{});
          continue;
        }
        const T* in = x + iy * a.W + lo * a.sw + off;  // in[(ox - lo) sw] is pixel (iy, ox sw + off)
        std::fill(out, out + lo, T{});
        if (a.sw == 1)
          std::memcpy(out + lo, in, size_t(hi - lo) * sizeof(T));
        else
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] = in[(ox - lo) * a.sw];
        std::fill(out + hi, out + a.OW, T{});
      }
    }
}

template <class T>
void fold_plane(T* x, const T* cols, const UnfoldArgs& a) {
  using C = compute_t<T>;
  const int64_t L = a.OH * a.OW;
  std::fill(x, x + a.H * a.W, T{});
  for (int64_t i = 0; i < a.kh; ++i)
    for (int64_t j = 0; j < a.kw; ++j) {
      const T* row = cols + (i * a.kw + j) * L;
      const int64_t off = j * a.dw - a.pw;
      const auto [lo, hi] = valid_columns(off, a.sw, a.W, a.OW);
      for (int64_t oy = 0; oy < a.OH; ++oy) {
        const int64_t iy = oy * a.sh - a.ph + i * a.dh;
        if (iy < 0 || iy >= a.H) continue;
        const T* in = row + oy * a.OW + lo;
        T* out = x + iy * a.W + lo * a.sw + off;  // out[(ox - lo) sw] is pixel (iy, ox sw + off)
        const int64_t n = hi - lo;
        if (a.sw == 1)
          for (int64_t k = 0; k < n; ++k) out[k] = T(C(out[k]) + C(in[k]));
        else
          for (int64_t k = 0; k < n; ++k) out[k * a.sw] = T(C(out[k * a.sw]) + C(in[k]));
      }
    }
}

}  // namespace

void CpuBackend::unfold(DType t, void* cols, const void* x, const UnfoldArgs& a) {
  const int64_t planes = a.N * a.C, plane_cols = a.kh * a.kw * a.OH * a.OW;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    parallel_for(planes, planes * plane_cols, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p)
        unfold_plane(static_cast<T*>(cols) + p * plane_cols, static_cast<const T*>(x) + p * a.H * a.W, a);
    });
  });
}

void CpuBackend::fold(DType t, void* x, const void* cols, const UnfoldArgs& a) {
  const int64_t planes = a.N * a.C, plane_cols = a.kh * a.kw * a.OH * a.OW;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    parallel_for(planes, planes * plane_cols, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p)
        fold_plane(static_cast<T*>(x) + p * a.H * a.W, static_cast<const T*>(cols) + p * plane_cols, a);
    });
  });
}

}  // namespace tg::cpu
