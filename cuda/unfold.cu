// CUDA unfold/fold (im2col/col2im), mirroring core/cpu/unfold.cpp. unfold gives one thread to each
// column entry; fold gives one thread to each pixel, which sums the column entries that read it
// (a gather, not a scatter: no atomics, and the same sum order on every run).
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

// cols[n, (c, i, j), oy, ox] = x[n, c, oy sh - ph + i dh, ox sw - pw + j dw], 0 outside the image.
template <class T>
__global__ void unfold_kernel(T* cols, const T* x, UnfoldArgs a) {
  const int64_t total = a.N * a.C * a.kh * a.kw * a.OH * a.OW;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t ox = k % a.OW, oy = (k / a.OW) % a.OH, r = k / (a.OW * a.OH);
    int64_t j = r % a.kw, i = (r / a.kw) % a.kh, plane = r / (a.kw * a.kh);  // plane = n C + c
    int64_t iy = oy * a.sh - a.ph + i * a.dh, ix = ox * a.sw - a.pw + j * a.dw;
    bool inside = iy >= 0 && iy < a.H && ix >= 0 && ix < a.W;
    cols[k] = inside ? x[(plane * a.H + iy) * a.W + ix] : T{};
  }
}

// x[n, c, y, x] = sum over (i, j) with (y + ph - i dh) divisible by sh, (x + pw - j dw) by sw, and
// the quotients oy, ox inside the output grid, of cols[n, (c, i, j), oy, ox].
template <class T>
__global__ void fold_kernel(T* x, const T* cols, UnfoldArgs a) {
  using C = compute_t<T>;
  const int64_t total = a.N * a.C * a.H * a.W, L = a.OH * a.OW;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t px = k % a.W, py = (k / a.W) % a.H, plane = k / (a.W * a.H);
    C acc = C(0);
    for (int64_t i = 0; i < a.kh; ++i) {
      int64_t ty = py + a.ph - i * a.dh;
      if (ty < 0 || ty % a.sh != 0 || ty / a.sh >= a.OH) continue;
      for (int64_t j = 0; j < a.kw; ++j) {
        int64_t tx = px + a.pw - j * a.dw;
        if (tx < 0 || tx % a.sw != 0 || tx / a.sw >= a.OW) continue;
        acc += C(cols[((plane * a.kh + i) * a.kw + j) * L + (ty / a.sh) * a.OW + tx / a.sw]);
      }
    }
    x[k] = T(acc);
  }
}

}  // namespace

void CudaBackend::unfold(DType t, void* cols, const void* x, const UnfoldArgs& a) {
  const int64_t total = a.N * a.C * a.kh * a.kw * a.OH * a.OW;
  if (total == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    unfold_kernel<T><<<grid_for(total), kThreads, 0, stream_>>>(static_cast<T*>(cols), static_cast<const T*>(x), a);
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::fold(DType t, void* x, const void* cols, const UnfoldArgs& a) {
  const int64_t total = a.N * a.C * a.H * a.W;
  if (total == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    fold_kernel<T><<<grid_for(total), kThreads, 0, stream_>>>(static_cast<T*>(x), static_cast<const T*>(cols), a);
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

}  // namespace tg::cuda
