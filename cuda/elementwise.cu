// Elementwise CUDA kernels: fill, cast, unary, binary and where with broadcasting, strided copy,
// and the non-finite check. The per-element math is core/elementwise.h, the same functions the
// CPU calls; this file only supplies grid-stride loops, one thread per output element.
#include <algorithm>
#include <type_traits>

#include "core/elementwise.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

// The element offsets of up to three operands for output element i of an N-d iteration space
// (row-major over shape): off[a] = sum_d coord_d(i) * strides[a][d].
template <int NA>
__device__ void offsets_of(int64_t i, int ndim, const int64_t* shape, const int64_t (*strides)[kMaxKernelDims],
                           int64_t* off) {
  if (ndim == 1) {  // same-shape or scalar operands (the plans merge such dims): no 64-bit div/mod
    for (int a = 0; a < NA; ++a) off[a] = i * strides[a][0];
    return;
  }
  for (int a = 0; a < NA; ++a) off[a] = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    int64_t c = i % shape[d];
    i /= shape[d];
    for (int a = 0; a < NA; ++a) off[a] += c * strides[a][d];
  }
}

template <class T>
__global__ void fill_kernel(T* out, int64_t n, T value) {
  for (int64_t i = thread_index(); i < n; i += thread_count())
    out[i] = value;
}

template <class O, class I>
__global__ void cast_kernel(O* out, const I* in, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_count())
    out[i] = cast_element<O>(in[i]);  // core/dtype.h: NaN -> 0, saturating float -> int
}

template <UnaryOp OP, class T>
__global__ void unary_kernel(T* out, const T* in, int64_t n, compute_t<T> p0, compute_t<T> p1) {
  using C = compute_t<T>;
  for (int64_t i = thread_index(); i < n; i += thread_count())
    out[i] = T(unary_fn<OP, C>(C(in[i]), p0, p1));
}

// BroadcastPlan is passed by value: kernel parameters live in constant memory, read by every thread.
template <BinaryOp OP, class T>
__global__ void binary_kernel(T* out, const T* a, const T* b, BroadcastPlan p) {
  using C = compute_t<T>;
  for (int64_t i = thread_index(); i < p.numel; i += thread_count()) {
    int64_t off[2];
    offsets_of<2>(i, p.ndim, p.shape, p.stride, off);
    out[i] = T(binary_fn<OP, C>(C(a[off[0]]), C(b[off[1]])));
  }
}

template <class T, class K>
__global__ void where_kernel(T* out, const K* cond, const T* a, const T* b, BroadcastPlan p) {
  for (int64_t i = thread_index(); i < p.numel; i += thread_count()) {
    int64_t off[3];
    offsets_of<3>(i, p.ndim, p.shape, p.stride, off);
    out[i] = compute_t<K>(cond[off[0]]) != 0 ? a[off[1]] : b[off[2]];
  }
}

// A CopyPlan with its two stride arrays side by side, as offsets_of reads them: [0] out, [1] in.
struct CopyIndex {
  int ndim;
  int64_t shape[kMaxKernelDims];
  int64_t stride[2][kMaxKernelDims];
};

template <class T>
__global__ void copy_strided_kernel(T* out, const T* in, CopyIndex c, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[2];
    offsets_of<2>(i, c.ndim, c.shape, c.stride, off);
    out[off[0]] = in[off[1]];
  }
}

// Sets *bad when any element is NaN or infinite (many threads may store 1; all store the same).
template <class T>
__global__ void all_finite_kernel(int* bad, const T* in, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_count())
    if (!isfinite(compute_t<T>(in[i]))) *bad = 1;
}

}  // namespace

void CudaBackend::fill(DType t, void* out, int64_t n, double value) {
  if (n == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    fill_kernel<<<grid_for(n), kThreads, 0, stream_>>>(static_cast<T*>(out), n, cast_element<T>(value));
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::cast(DType out_t, void* out, DType in_t, const void* in, int64_t n) {
  if (n == 0) return;
  dispatch_dtype(out_t, [&](auto otag) {
    using O = decltype(otag);
    dispatch_dtype(in_t, [&](auto itag) {
      using I = decltype(itag);
      cast_kernel<<<grid_for(n), kThreads, 0, stream_>>>(static_cast<O*>(out), static_cast<const I*>(in), n);
    });
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::unary(UnaryOp op, DType t, void* out, const void* in, int64_t n, double p0, double p1) {
  if (n == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    switch (op) {
#define TG_CASE(name, ...)                                                                                \
  case UnaryOp::name:                                                                                  \
    unary_kernel<UnaryOp::name, T><<<grid_for(n), kThreads, 0, stream_>>>(                             \
        static_cast<T*>(out), static_cast<const T*>(in), n, C(p0), C(p1));                             \
    break;
      TG_UNARY_TABLE(TG_CASE)
#undef TG_CASE
    }
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::binary(BinaryOp op, DType t, void* out, const void* a, const void* b, const BroadcastPlan& plan) {
  if (plan.numel == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
#define TG_CASE(name, ...)                                                                                \
  case BinaryOp::name:                                                                                 \
    binary_kernel<BinaryOp::name, T><<<grid_for(plan.numel), kThreads, 0, stream_>>>(                  \
        static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b), plan);               \
    break;
      TG_BINARY_TABLE(TG_CASE)
#undef TG_CASE
    }
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::where(DType t, void* out, DType cond_t, const void* cond, const void* a, const void* b,
                        const BroadcastPlan& plan) {
  if (plan.numel == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    dispatch_dtype(cond_t, [&](auto ctag) {
      using K = decltype(ctag);
      where_kernel<<<grid_for(plan.numel), kThreads, 0, stream_>>>(
          static_cast<T*>(out), static_cast<const K*>(cond), static_cast<const T*>(a), static_cast<const T*>(b), plan);
    });
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::copy_strided(DType t, void* out, const void* in, const CopyPlan& plan) {
  CopyIndex c{plan.ndim, {}, {}};
  int64_t n = 1;
  for (int d = 0; d < plan.ndim; ++d) {
    n *= plan.shape[d];
    c.shape[d] = plan.shape[d];
    c.stride[0][d] = plan.out_stride[d];
    c.stride[1][d] = plan.in_stride[d];
  }
  if (n == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    copy_strided_kernel<<<grid_for(n), kThreads, 0, stream_>>>(static_cast<T*>(out), static_cast<const T*>(in), c, n);
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

bool CudaBackend::all_finite(DType t, const void* in, int64_t n) { return all_finite_many({{t, in, n}}); }

// Every buffer's kernel sets the same flag; the host reads it once, after the last.
bool CudaBackend::all_finite_many(const std::vector<FiniteBuffer>& buffers) {
  if (std::none_of(buffers.begin(), buffers.end(), [](const FiniteBuffer& b) { return b.n > 0 && is_floating(b.dtype); }))
    return true;
  auto* bad = static_cast<int*>(allocate(sizeof(int)));
  TG_CUDA_CHECK(cudaMemsetAsync(bad, 0, sizeof(int), stream_));
  for (const FiniteBuffer& b : buffers) {
    if (b.n == 0 || !is_floating(b.dtype)) continue;
    dispatch_dtype(b.dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<compute_t<T>>)
        all_finite_kernel<<<grid_for(b.n), kThreads, 0, stream_>>>(bad, static_cast<const T*>(b.data), b.n);
    });
    TG_CUDA_CHECK(cudaGetLastError());
  }
  int host_bad = 0;
  copy_to_host(&host_bad, bad, sizeof(int));
  deallocate(bad, sizeof(int));
  return host_bad == 0;
}

}  // namespace tg::cuda
