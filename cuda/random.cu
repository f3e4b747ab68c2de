// CUDA random fills, mirroring core/cpu/random.cpp: thread b draws counter block offset + b of
// Philox4x32-10 and writes elements 4b..4b+3, so element i gets the same uint32 word on both
// backends. The words come from cuRAND's device API (curand_kernel.h), whose Philox4x32-10 state
// after curand_init(seed, 0, 4 (offset + b)) is exactly core/philox.h's block: counter
// (block_lo, block_hi, 0, 0), key (seed_lo, seed_hi); tests/core/test_curand_philox.cpp shows the
// two give the same words counter for counter (docs/decisions.md, "cuRAND"). Uniforms in [0, 1)
// are then bit-identical to the CPU's; lo + (hi - lo) u may differ in the last bit where one
// compiler fuses the multiply-add and the other does not, and normals differ by the few ulp
// between the C library's and CUDA's log, sin and cos.
#include <curand_kernel.h>

#include <type_traits>

#include "core/philox.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

// Calls draw(b, words) for each counter block b of a fill of n elements that this thread owns
// (b = thread index, then every grid-stride after it), with the block's four Philox words drawn
// by cuRAND at counter offset + b.
template <class Draw>
__device__ void for_each_block(int64_t n, uint64_t seed, uint64_t offset, Draw draw) {
  const int64_t blocks = (n + 3) / 4, stride = thread_count();
  int64_t b = thread_index();
  if (b >= blocks) return;
  curandStatePhilox4_32_10_t state;
  curand_init(seed, 0, 4 * (offset + uint64_t(b)), &state);  // the offset counts 32-bit words
  for (;;) {
    const uint4 r = curand4(&state);  // block offset + b; the state moves on to block offset + b + 1
    draw(b, Philox4{{r.x, r.y, r.z, r.w}});
    b += stride;
    if (b >= blocks) return;
    skipahead(4 * uint64_t(stride - 1), &state);
  }
}

template <class T, class C>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, C lo, C span) {
  for_each_block(n, seed, offset, [&](int64_t b, const Philox4& p) {
    for (int w = 0; w < 4 && b * 4 + w < n; ++w) {
      if constexpr (std::is_same_v<C, double>) out[b * 4 + w] = T(lo + span * philox_uniform_f64(p.w[w]));
      else out[b * 4 + w] = T(compute_t<T>(lo + span * philox_uniform_f32(p.w[w])));
    }
  });
}

template <class T, class C>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, C mean, C std) {
  for_each_block(n, seed, offset, [&](int64_t b, const Philox4& p) {
    for (int w = 0; w < 4 && b * 4 + w < n; ++w) out[b * 4 + w] = T(compute_t<T>(mean + std * philox_normal<C>(p, w)));
  });
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
