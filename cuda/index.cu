// CUDA indexing kernels on an (outer, n, inner) view, mirroring core/cpu/index.cpp: index_select
// and gather read one source element per output thread; index_add and scatter_add add one source
// element per thread with atomicAdd, since several indices may name the same destination. Atomics
// make the order of those additions (and so the last bits of float sums) vary from run to run.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

// dst += v, atomically, for every tapegrad dtype. The half types are bit-compatible with CUDA's
// __half/__nv_bfloat16 (a uint16_t of the same layout); int64 adds as unsigned long long, which
// wraps identically in two's complement.
__device__ void atomic_add(float* dst, float v) { atomicAdd(dst, v); }
__device__ void atomic_add(double* dst, double v) { atomicAdd(dst, v); }
__device__ void atomic_add(int32_t* dst, int32_t v) { atomicAdd(reinterpret_cast<int*>(dst), int(v)); }
__device__ void atomic_add(int64_t* dst, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(dst), static_cast<unsigned long long>(v));
}
__device__ void atomic_add(half* dst, half v) {
  atomicAdd(reinterpret_cast<__half*>(dst), __ushort_as_half(v.bits));
}
__device__ void atomic_add(bfloat16* dst, bfloat16 v) {
  atomicAdd(reinterpret_cast<__nv_bfloat16*>(dst), __ushort_as_bfloat16(v.bits));
}

// One thread per output element k = (b n_idx + j) inner + i.
template <class T>
__global__ void index_select_kernel(T* out, const T* in, const int64_t* idx, int64_t outer, int64_t n_in,
                                    int64_t n_idx, int64_t inner) {
  int64_t total = outer * n_idx * inner;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t i = k % inner, j = (k / inner) % n_idx, b = k / (inner * n_idx);
    out[k] = in[(b * n_in + idx[j]) * inner + i];
  }
}

// One thread per source element k = (b n_idx + j) inner + i.
template <class T>
__global__ void index_add_kernel(T* out, const T* src, const int64_t* idx, int64_t outer, int64_t n_out,
                                 int64_t n_idx, int64_t inner) {
  int64_t total = outer * n_idx * inner;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t i = k % inner, j = (k / inner) % n_idx, b = k / (inner * n_idx);
    atomic_add(&out[(b * n_out + idx[j]) * inner + i], src[k]);
  }
}

template <class T>
__global__ void gather_kernel(T* out, const T* in, const int64_t* idx, int64_t outer, int64_t n_in, int64_t n_idx,
                              int64_t inner) {
  int64_t total = outer * n_idx * inner;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t i = k % inner, b = k / (inner * n_idx);
    out[k] = in[(b * n_in + idx[k]) * inner + i];
  }
}

template <class T>
__global__ void scatter_add_kernel(T* out, const T* src, const int64_t* idx, int64_t outer, int64_t n_out,
                                   int64_t n_idx, int64_t inner) {
  int64_t total = outer * n_idx * inner;
  for (int64_t k = thread_index(); k < total; k += thread_count()) {
    int64_t i = k % inner, b = k / (inner * n_idx);
    atomic_add(&out[(b * n_out + idx[k]) * inner + i], src[k]);
  }
}

// *first = min over out-of-range positions (it starts at all ones, meaning none).
__global__ void first_out_of_range_kernel(unsigned long long* first, const int64_t* idx, int64_t n, int64_t limit) {
  for (int64_t k = thread_index(); k < n; k += thread_count())
    if (idx[k] < 0 || idx[k] >= limit) atomicMin(first, static_cast<unsigned long long>(k));
}

// The four index kernels share one signature (out, in, idx, outer, n, n_idx, inner) and one thread
// per element of the (outer, n_idx, inner) index space; `kernel_for(tag)` names the one for T.
template <class KernelFor>
void launch_index_kernel(KernelFor kernel_for, DType t, void* out, const void* in, const int64_t* idx, int64_t outer,
                         int64_t n, int64_t n_idx, int64_t inner, cudaStream_t stream) {
  int64_t total = outer * n_idx * inner;
  if (total == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    kernel_for(tag)<<<grid_for(total), kThreads, 0, stream>>>(static_cast<T*>(out), static_cast<const T*>(in), idx,
                                                              outer, n, n_idx, inner);
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void CudaBackend::index_select(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
                               int64_t n_idx, int64_t inner) {
  launch_index_kernel([](auto tag) { return index_select_kernel<decltype(tag)>; }, t, out, in, idx, outer, n_in, n_idx,
                      inner, stream_);
}

void CudaBackend::index_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer, int64_t n_out,
                            int64_t n_idx, int64_t inner) {
  launch_index_kernel([](auto tag) { return index_add_kernel<decltype(tag)>; }, t, out, src, idx, outer, n_out, n_idx,
                      inner, stream_);
}

void CudaBackend::gather(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
                         int64_t n_idx, int64_t inner) {
  launch_index_kernel([](auto tag) { return gather_kernel<decltype(tag)>; }, t, out, in, idx, outer, n_in, n_idx, inner,
                      stream_);
}

void CudaBackend::scatter_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer, int64_t n_out,
                              int64_t n_idx, int64_t inner) {
  launch_index_kernel([](auto tag) { return scatter_add_kernel<decltype(tag)>; }, t, out, src, idx, outer, n_out,
                      n_idx, inner, stream_);
}

int64_t CudaBackend::first_out_of_range(const int64_t* idx, int64_t n, int64_t limit) {
  if (n == 0) return -1;
  auto* first = static_cast<unsigned long long*>(allocate(sizeof(unsigned long long)));
  // "None" is all ones, set on the stream: no host-to-device copy and its synchronisation, so the
  // check costs one wait (the read below), not two.
  const auto none = ~0ULL;
  TG_CUDA_CHECK(cudaMemsetAsync(first, 0xff, sizeof(unsigned long long), stream_));
  first_out_of_range_kernel<<<grid_for(n), kThreads, 0, stream_>>>(first, idx, n, limit);
  TG_CUDA_CHECK(cudaGetLastError());
  unsigned long long position = 0;
  copy_to_host(&position, first, sizeof(position));
  deallocate(first, sizeof(unsigned long long));
  return position == none ? -1 : int64_t(position);
}

}  // namespace tg::cuda
