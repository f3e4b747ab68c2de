// Launch helpers shared by the .cu files: grid sizes for grid-stride loops and a block-wide
// reduction in shared memory. For .cu files only (nvcc); free of fmt.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace tg::cuda {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements: one element per thread up to 2^16 blocks
// (16M threads, more than any GPU runs at once); beyond that each thread takes several.
inline unsigned grid_for(int64_t n) {
  return unsigned(std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, int64_t(1) << 16));
}

// Blocks for kernels that give one block to each of n outputs (reductions, softmax rows): one each
// up to 2^20 blocks; past that each block loops over outputs b, b + gridDim.x, ...
inline unsigned blocks_for_outputs(int64_t n) { return unsigned(std::min<int64_t>(n, int64_t(1) << 20)); }

// The smallest power of two >= n, between 32 (a warp) and kThreads: the block size of the kernels
// that give one block to each output (reductions, softmax rows), so short rows idle fewer threads.
inline int block_for_row(int64_t n) {
  int threads = 32;
  while (threads < kThreads && threads < n) threads *= 2;
  return threads;
}

// A grid-stride loop: for (int64_t i = thread_index(); i < n; i += thread_count()).
__device__ inline int64_t thread_index() { return blockIdx.x * int64_t(blockDim.x) + threadIdx.x; }
__device__ inline int64_t thread_count() { return int64_t(gridDim.x) * blockDim.x; }

// Tree reduction of one value per thread over the block: returns combine(...) of the first
// `active` threads' values to every thread. blockDim.x is a power of two; `shared` holds blockDim.x.
template <class A, class Combine>
__device__ A block_reduce(A value, A* shared, int active, Combine combine) {
  int tid = threadIdx.x;
  shared[tid] = value;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (tid < s && tid + s < active) shared[tid] = combine(shared[tid], shared[tid + s]);
    __syncthreads();
  }
  A result = shared[0];
  __syncthreads();  // shared is reused by the caller's next reduction
  return result;
}

}  // namespace tg::cuda
