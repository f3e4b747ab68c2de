// The tiled attention kernels and their launchers, as templates over the input type T and head
// size D; the math and the layout are described at the top of cuda/attention.cu. Each
// cuda/attention_<dtype>.cu instantiates them for one dtype (all four head sizes), so that nvcc
// builds the twelve variants in parallel rather than in one long translation unit. Loops are
// unrolled in full only where they index a register array (acc[D]); the rest unroll by 8.
// For .cu files only; free of fmt.
#pragma once
#include <cuda_runtime.h>

#include <atomic>
#include <cmath>
#include <cstdint>

#include "core/dtype.h"
#include "cuda/allocator.h"
#include "cuda/attention_launch.h"
#include "cuda/check.h"

namespace tg::cuda::attention {
// Kernels and helpers are internal to each instantiating file: no two files share a kernel symbol.
namespace {


constexpr int kRows = 64;  // forward: queries per block (one thread each)
constexpr int kCols = 32;  // forward: keys per shared-memory tile
constexpr int kTile = 32;  // backward: rows per block and per shared-memory tile

__device__ int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

template <class T>
__device__ float load(const T* p, int64_t i) {
  return float(p[i]);
}

// Copies rows [row0, row0 + n) of a (T, D) matrix into shared memory as f32 with row stride `ld`
// (D + 1 where threads read different rows at once: the padding puts them in different banks).
template <int D, class T>
__device__ void load_rows(float* dst, int ld, const T* src, int64_t row0, int n) {
  for (int e = threadIdx.x; e < n * D; e += blockDim.x) dst[(e / D) * ld + e % D] = load(src, row0 * D + e);
}

// Blocks are numbered bh * tiles + tile along grid x, whose limit (2^31 - 1) B H never meets,
// unlike grid y's 65,535. Returns (b h, first row) of this block's tile of `length` rows.
struct Tile {
  int64_t bh, first;
};
__device__ Tile block_tile(int64_t length, int tile) {
  const int64_t per_head = (length + tile - 1) / tile;
  return {int64_t(blockIdx.x) / per_head, int64_t(blockIdx.x) % per_head * tile};
}

template <class T, int D>
__global__ void forward_kernel(T* o, float* lse, const T* q, const T* k, const T* v, AttentionArgs a) {
  extern __shared__ float smem[];
  float* qs = smem;                  // (kRows, D + 1)
  float* ks = qs + kRows * (D + 1);  // (kCols, D)
  float* vs = ks + kCols * D;        // (kCols, D)
  float* ss = vs + kCols * D;        // (kRows, kCols + 1): each thread's row of scores for this tile
  const auto [bh, row0] = block_tile(a.Tq, kRows);
  q += bh * a.Tq * D, o += bh * a.Tq * D, lse += bh * a.Tq;
  k += bh * a.Tk * D, v += bh * a.Tk * D;
  const int rows = int(smaller(kRows, a.Tq - row0)), r = threadIdx.x;
  const int64_t i = row0 + r, visible = r < rows ? a.visible_keys(i) : 0;
  const int64_t keys = a.visible_keys(row0 + rows - 1);
  const float scale = float(a.scale);
  float* s = ss + r * (kCols + 1);
  load_rows<D>(qs, D + 1, q, row0, rows);

  // Only loops over acc[] are unrolled in full (that keeps acc in registers); the scores live in
  // shared memory rather than a register array, so the loops over a tile's keys stay loops. Fully
  // unrolled, kCols x D multiply-adds twice per tile made D = 128 alone minutes of nvcc per
  // architecture.
  float m = -INFINITY, l = 0, acc[D];
#pragma unroll
  for (int d = 0; d < D; ++d) acc[d] = 0;
  for (int64_t col0 = 0; col0 < keys; col0 += kCols) {
    const int cols = int(smaller(kCols, keys - col0));
    __syncthreads();  // the previous K/V tile is used up (and Q is in place)
    load_rows<D>(ks, D, k, col0, cols);
    load_rows<D>(vs, D, v, col0, cols);
    __syncthreads();
    float tile_max = -INFINITY;
    for (int c = 0; c < cols; ++c) {  // past the tile's end shared memory holds stale values, maybe NaN
      float dot = -INFINITY;
      if (col0 + c < visible) {
        dot = 0;
#pragma unroll 8
        for (int d = 0; d < D; ++d) dot += qs[r * (D + 1) + d] * ks[c * D + d];
        dot *= scale;
      }
      s[c] = dot;
      tile_max = fmaxf(tile_max, dot);
    }
    const float m_new = fmaxf(m, tile_max);
    if (m_new == -INFINITY) continue;  // this row sees no key yet (or is past the last row)
    const float rescale = __expf(m - m_new);
    l *= rescale;
#pragma unroll
    for (int d = 0; d < D; ++d) acc[d] *= rescale;
    for (int c = 0; c < cols; ++c) {
      const float p = __expf(s[c] - m_new);  // 0 for masked keys
      l += p;
#pragma unroll
      for (int d = 0; d < D; ++d) acc[d] += p * vs[c * D + d];
    }
    m = m_new;
  }
  if (r < rows) {
    const float inv = 1.0f / l;
#pragma unroll
    for (int d = 0; d < D; ++d) o[i * D + d] = T(acc[d] * inv);
    lse[i] = m + logf(l);
  }
}

// delta_i = rowsum(dO_i ∘ O_i), one thread per row of all B H Tq rows.
template <class T>
__global__ void delta_kernel(float* delta, const T* dout, const T* o, int64_t rows, int64_t D) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows) return;
  float dot = 0;
  for (int64_t d = 0; d < D; ++d) dot += load(dout, i * D + d) * load(o, i * D + d);
  delta[i] = dot;
}

// dK_j and dV_j: one block per (key tile, batch x head), one thread per key row j, looping over
// the query tiles that see the tile; all threads read the same query row at a time (a broadcast).
template <class T, int D>
__global__ void dkdv_kernel(T* dk, T* dv, const T* q, const T* k, const T* v, const T* dout, const float* lse,
                            const float* delta, AttentionArgs a) {
  extern __shared__ float smem[];
  float* ks = smem;                   // (kTile, D + 1): this block's keys, one row per thread
  float* vs = ks + kTile * (D + 1);   // (kTile, D + 1)
  float* dks = vs + kTile * (D + 1);  // (kTile, D + 1): accumulators, each thread its own row
  float* dvs = dks + kTile * (D + 1);
  float* qs = dvs + kTile * (D + 1);  // (kTile, D): the current query tile
  float* dos = qs + kTile * D;        // (kTile, D)
  const auto [bh, col0] = block_tile(a.Tk, kTile);
  q += bh * a.Tq * D, dout += bh * a.Tq * D, lse += bh * a.Tq, delta += bh * a.Tq;
  k += bh * a.Tk * D, v += bh * a.Tk * D, dk += bh * a.Tk * D, dv += bh * a.Tk * D;
  const int cols = int(smaller(kTile, a.Tk - col0)), c = threadIdx.x;
  const int64_t j = col0 + c;
  const float scale = float(a.scale);
  load_rows<D>(ks, D + 1, k, col0, cols);
  load_rows<D>(vs, D + 1, v, col0, cols);
  for (int d = 0; d < D; ++d) dks[c * (D + 1) + d] = dvs[c * (D + 1) + d] = 0;

  const int64_t first_row = a.causal && col0 > a.causal_offset() ? col0 - a.causal_offset() : 0;
  for (int64_t row0 = first_row / kTile * kTile; row0 < a.Tq; row0 += kTile) {
    const int rows = int(smaller(kTile, a.Tq - row0));
    __syncthreads();
    load_rows<D>(qs, D, q, row0, rows);
    load_rows<D>(dos, D, dout, row0, rows);
    __syncthreads();
    if (c >= cols) continue;
    for (int r = 0; r < rows; ++r) {
      const int64_t i = row0 + r;
      if (j >= a.visible_keys(i)) continue;
      float s = 0, dp = 0;
#pragma unroll 8
      for (int d = 0; d < D; ++d) {
        s += qs[r * D + d] * ks[c * (D + 1) + d];
        dp += dos[r * D + d] * vs[c * (D + 1) + d];
      }
      const float p = __expf(s * scale - lse[i]), ds = p * (dp - delta[i]);
#pragma unroll 8
      for (int d = 0; d < D; ++d) {
        dvs[c * (D + 1) + d] += p * dos[r * D + d];
        dks[c * (D + 1) + d] += scale * ds * qs[r * D + d];
      }
    }
  }
  if (c < cols)
    for (int d = 0; d < D; ++d) {
      dk[j * D + d] = T(dks[c * (D + 1) + d]);
      dv[j * D + d] = T(dvs[c * (D + 1) + d]);
    }
}

// dQ_i: one block per (query tile, batch x head), one thread per query row i, looping over the
// key tiles it sees, with dQ_i in registers.
template <class T, int D>
__global__ void dq_kernel(T* dq, const T* q, const T* k, const T* v, const T* dout, const float* lse,
                          const float* delta, AttentionArgs a) {
  extern __shared__ float smem[];
  float* qs = smem;                    // (kTile, D + 1): this block's queries, one row per thread
  float* dos = qs + kTile * (D + 1);   // (kTile, D + 1)
  float* ks = dos + kTile * (D + 1);   // (kTile, D): the current key tile
  float* vs = ks + kTile * D;          // (kTile, D)
  const auto [bh, row0] = block_tile(a.Tq, kTile);
  q += bh * a.Tq * D, dout += bh * a.Tq * D, dq += bh * a.Tq * D, lse += bh * a.Tq, delta += bh * a.Tq;
  k += bh * a.Tk * D, v += bh * a.Tk * D;
  const int rows = int(smaller(kTile, a.Tq - row0)), r = threadIdx.x;
  const int64_t i = row0 + r, visible = r < rows ? a.visible_keys(i) : 0;
  const int64_t keys = a.visible_keys(row0 + rows - 1);
  const float scale = float(a.scale), L = r < rows ? lse[i] : 0, Di = r < rows ? delta[i] : 0;
  load_rows<D>(qs, D + 1, q, row0, rows);
  load_rows<D>(dos, D + 1, dout, row0, rows);
  float acc[D];
#pragma unroll
  for (int d = 0; d < D; ++d) acc[d] = 0;
  for (int64_t col0 = 0; col0 < keys; col0 += kTile) {
    const int cols = int(smaller(kTile, keys - col0));
    __syncthreads();
    load_rows<D>(ks, D, k, col0, cols);
    load_rows<D>(vs, D, v, col0, cols);
    __syncthreads();
    for (int c = 0; c < cols && col0 + c < visible; ++c) {
      float s = 0, dp = 0;
#pragma unroll 8
      for (int d = 0; d < D; ++d) {
        s += qs[r * (D + 1) + d] * ks[c * D + d];
        dp += dos[r * (D + 1) + d] * vs[c * D + d];
      }
      const float ds = __expf(s * scale - L) * (dp - Di);
#pragma unroll
      for (int d = 0; d < D; ++d) acc[d] += scale * ds * ks[c * D + d];
    }
  }
  if (r < rows)
#pragma unroll
    for (int d = 0; d < D; ++d) dq[i * D + d] = T(acc[d]);
}

// Launches `kernel` with `smem` bytes of dynamic shared memory. Above 48 KiB a kernel must opt in
// (cudaFuncSetAttribute), once per kernel and device: `opted_in` is that kernel's own bitmask of
// devices already done (the attribute call costs a driver round trip; launches are hot).
template <class Kernel, class... Args>
void launch(Kernel kernel, std::atomic<uint64_t>& opted_in, dim3 grid, int threads, size_t smem,
            cudaStream_t stream, Args... args) {
  if (smem > 48 * 1024) {
    int device = 0;
    TG_CUDA_CHECK(cudaGetDevice(&device));
    const uint64_t bit = uint64_t(1) << (device & 63);
    if (!(opted_in.load(std::memory_order_relaxed) & bit)) {
      TG_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
      opted_in.fetch_or(bit, std::memory_order_relaxed);
    }
  }
  kernel<<<grid, threads, smem, stream>>>(args...);
  TG_CUDA_CHECK(cudaGetLastError());
}

int64_t tiles(int64_t n, int64_t tile) { return (n + tile - 1) / tile; }

// The grid of block_tile: every (b h, tile) pair on x.
unsigned flat_grid(int64_t length, int64_t tile, const AttentionArgs& a) {
  const int64_t blocks = tiles(length, tile) * a.B * a.H;
  if (blocks > INT32_MAX)
    raise_cuda_error(int(cudaErrorInvalidConfiguration), "more than 2^31 - 1 thread blocks (B H T too large)",
                     "ScaledDotProductAttention", __FILE__, __LINE__);
  return unsigned(blocks);
}

}  // namespace

template <class T, int D>
void forward(void* o, float* lse, const void* q, const void* k, const void* v, const AttentionArgs& a,
             cudaStream_t stream) {
  const size_t smem = sizeof(float) * (kRows * (D + 1) + 2 * kCols * D + kRows * (kCols + 1));
  static std::atomic<uint64_t> opted_in{0};
  launch(forward_kernel<T, D>, opted_in, flat_grid(a.Tq, kRows, a), kRows, smem, stream,
         static_cast<T*>(o), lse, static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), a);
}

template <class T, int D>
void backward(void* dq, void* dk, void* dv, const void* q, const void* k, const void* v, const void* o,
              const float* lse, const void* dout, const AttentionArgs& a, cudaStream_t stream) {
  int device = 0;
  TG_CUDA_CHECK(cudaGetDevice(&device));
  CachingAllocator& memory = allocator(device);
  const int64_t rows = a.B * a.H * a.Tq;
  auto* delta = static_cast<float*>(memory.allocate(size_t(rows) * sizeof(float)));
  const T *tq = static_cast<const T*>(q), *tk = static_cast<const T*>(k), *tv = static_cast<const T*>(v);
  const T* tdout = static_cast<const T*>(dout);
  if (rows > 0) {
    delta_kernel<T><<<unsigned(tiles(rows, 256)), 256, 0, stream>>>(delta, tdout, static_cast<const T*>(o), rows, int64_t(D));
    TG_CUDA_CHECK(cudaGetLastError());
  }
  static std::atomic<uint64_t> dkdv_opted_in{0}, dq_opted_in{0};
  launch(dkdv_kernel<T, D>, dkdv_opted_in, flat_grid(a.Tk, kTile, a), kTile,
         sizeof(float) * (4 * kTile * (D + 1) + 2 * kTile * D), stream, static_cast<T*>(dk), static_cast<T*>(dv), tq, tk,
         tv, tdout, lse, static_cast<const float*>(delta), a);
  if (a.Tq > 0)
    launch(dq_kernel<T, D>, dq_opted_in, flat_grid(a.Tq, kTile, a), kTile,
           sizeof(float) * (2 * kTile * (D + 1) + 2 * kTile * D), stream, static_cast<T*>(dq), tq, tk, tv, tdout, lse,
           static_cast<const float*>(delta), a);
  memory.deallocate(delta);  // one stream: the kernels using it run before any later reuse
}

}  // namespace tg::cuda::attention
