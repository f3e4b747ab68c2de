// CUDA random fills from the shared Philox4x32-10 (core/philox.h), mirroring core/cpu/random.cpp:
// thread b computes counter block offset + b and writes elements 4b..4b+3, so element i gets the
// same uint32 word on both backends. Uniforms in [0, 1) are then bit-identical; lo + (hi - lo) u
// may differ in the last bit where one compiler fuses the multiply-add and the other does not, and
// normals differ by the few ulp between the C library's and CUDA's log, sin and cos.
#include <type_traits>

#include "core/philox.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

template <class T, class C>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, C lo, C span) {
  int64_t blocks = (n + 3) / 4;
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    Philox4 p = philox4x32_10(offset + uint64_t(b), seed);
    for (int w = 0; w < 4 && b * 4 + w < n; ++w) {
      if constexpr (std::is_same_v<C, double>) out[b * 4 + w] = T(lo + span * philox_uniform_f64(p.w[w]));
      else out[b * 4 + w] = T(compute_t<T>(lo + span * philox_uniform_f32(p.w[w])));
    }
  }
}

template <class T, class C>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, C mean, C std) {
  int64_t blocks = (n + 3) / 4;
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    Philox4 p = philox4x32_10(offset + uint64_t(b), seed);
    for (int w = 0; w < 4 && b * 4 + w < n; ++w) out[b * 4 + w] = T(compute_t<T>(mean + std * philox_normal<C>(p, w)));
  }
}

// Both fills take (out, n, seed, offset, a, b) in the compute type C (double for f64, else float)
// and one thread per block of four elements; `kernel_for(T, C)` names the kernel.
template <class KernelFor>
void launch_random_kernel(KernelFor kernel_for, DType t, void* out, int64_t n, uint64_t seed, uint64_t offset,
                          double a, double b, cudaStream_t stream) {
  if (n == 0) return;
  unsigned grid = grid_for((n + 3) / 4);
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = std::conditional_t<std::is_same_v<compute_t<T>, double>, double, float>;
    kernel_for(tag, C{})<<<grid, kThreads, 0, stream>>>(static_cast<T*>(out), n, seed, offset, C(a), C(b));
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void CudaBackend::random_uniform(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double lo,
                                 double hi) {
  auto kernel_for = [](auto tag, auto compute) { return uniform_kernel<decltype(tag), decltype(compute)>; };
  launch_random_kernel(kernel_for, t, out, n, seed, offset, lo, hi - lo, stream_);
}

void CudaBackend::random_normal(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                                double std) {
  auto kernel_for = [](auto tag, auto compute) { return normal_kernel<decltype(tag), decltype(compute)>; };
  launch_random_kernel(kernel_for, t, out, n, seed, offset, mean, std, stream_);
}

}  // namespace tg::cuda
