// CPU unfold/fold (im2col/col2im), the kernels under conv2d and conv_transpose2d. Each (n, c)
// image plane is one unit of work: its kh kw column rows (UnfoldArgs::row_offset, in either
// layout) are written (unfold) or its pixels summed into (fold) by one thread, so fold needs no atomics. The inner loop runs over output columns ox,
// which map to the contiguous input pixels ox sw + j dw - pw: a memcpy / a contiguous add when sw = 1.
#include <cstring>
#include <type_traits>

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

// Plane (n, c): x points at its H W pixels. S is the width stride when known at compile time (1 or
// 2, the convolutions' usual strides: the strided loops then vectorise), 0 when read from `a`.
// The rows are short (7 or 14 columns in a 28x28 network), so the loops keep their bookkeeping to
// pointer increments: rows oy of kernel row i read input rows in [oy_lo, oy_hi) and zeros elsewhere.
template <int S, class T>
void unfold_plane(T* cols, const T* x, int64_t n, int64_t c, const UnfoldArgs& a) {
  const int64_t sw = S ? S : a.sw, OW = a.OW;
  for (int64_t i = 0; i < a.kh; ++i) {
    const auto [oy_lo, oy_hi] = valid_columns(i * a.dh - a.ph, a.sh, a.H, a.OH);
    for (int64_t j = 0; j < a.kw; ++j) {
      T* row = cols + a.row_offset(n, c, i, j);
      const int64_t off = j * a.dw - a.pw;
      const auto [lo, hi] = valid_columns(off, sw, a.W, OW);
      std::fill(row, row + oy_lo * OW, T{});
      std::fill(row + oy_hi * OW, row + a.OH * OW, T{});
      // in[(ox - lo) sw] is pixel (oy sh - ph + i dh, ox sw + off)
      const T* in = x + (oy_lo * a.sh - a.ph + i * a.dh) * a.W + lo * sw + off;
      T* out = row + oy_lo * OW;
      for (int64_t oy = oy_lo; oy < oy_hi; ++oy, in += a.sh * a.W, out += OW) {
        for (int64_t ox = 0; ox < lo; ++ox) out[ox] = T{};
        if constexpr (S == 1)
          std::memcpy(out + lo, in, size_t(hi - lo) * sizeof(T));
        else
          for (int64_t k = 0; k < hi - lo; ++k) out[lo + k] = in[k * sw];
        for (int64_t ox = hi; ox < OW; ++ox) out[ox] = T{};
      }
    }
  }
}

template <int S, class T>
void fold_plane(T* x, const T* cols, int64_t n, int64_t c, const UnfoldArgs& a) {
  using C = compute_t<T>;
  const int64_t sw = S ? S : a.sw, OW = a.OW;
  std::fill(x, x + a.H * a.W, T{});
  for (int64_t i = 0; i < a.kh; ++i) {
    const auto [oy_lo, oy_hi] = valid_columns(i * a.dh - a.ph, a.sh, a.H, a.OH);
    for (int64_t j = 0; j < a.kw; ++j) {
      const int64_t off = j * a.dw - a.pw;
      const auto [lo, hi] = valid_columns(off, sw, a.W, OW);
      const T* in = cols + a.row_offset(n, c, i, j) + oy_lo * OW + lo;
      T* out = x + (oy_lo * a.sh - a.ph + i * a.dh) * a.W + lo * sw + off;  // out[k sw] is pixel (iy, (lo + k) sw + off)
      for (int64_t oy = oy_lo; oy < oy_hi; ++oy, in += OW, out += a.sh * a.W)
        for (int64_t k = 0; k < hi - lo; ++k) out[k * sw] = T(C(out[k * sw]) + C(in[k]));
    }
  }
}

// Calls fn(std::integral_constant<int, S>) with S the width stride if it is 1 or 2, else 0.
template <class Fn>
void dispatch_stride(int64_t sw, Fn&& fn) {
  if (sw == 1) fn(std::integral_constant<int, 1>{});
  else if (sw == 2) fn(std::integral_constant<int, 2>{});
  else fn(std::integral_constant<int, 0>{});
}

}  // namespace

void CpuBackend::unfold(DType t, void* cols, const void* x, const UnfoldArgs& a) {
  const int64_t planes = a.N * a.C, plane_cols = a.kh * a.kw * a.OH * a.OW;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    dispatch_stride(a.sw, [&](auto stride) {
      parallel_for(planes, planes * plane_cols, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p)
          unfold_plane<stride.value>(static_cast<T*>(cols), static_cast<const T*>(x) + p * a.H * a.W, p / a.C,
                                     p % a.C, a);
      });
    });
  });
}

void CpuBackend::fold(DType t, void* x, const void* cols, const UnfoldArgs& a) {
  const int64_t planes = a.N * a.C, plane_cols = a.kh * a.kw * a.OH * a.OW;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    dispatch_stride(a.sw, [&](auto stride) {
      parallel_for(planes, planes * plane_cols, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p)
          fold_plane<stride.value>(static_cast<T*>(x) + p * a.H * a.W, static_cast<const T*>(cols), p / a.C, p % a.C,
                                   a);
      });
    });
  });
}

}  // namespace tg::cpu
