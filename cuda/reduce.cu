// CUDA reductions over the middle axis of an (outer, n, inner) view, argmax/argmin, and row
// softmax, mirroring core/cpu/reduce.cpp: sums accumulate in double (int64 for integers), NaN
// wins max/min, the first extreme index wins argmax/argmin. One block per output for reductions
// and softmax rows (threads stride over the row, then a block reduction); one thread per output
// for argmax/argmin, which keeps "first index, NaN counts as extreme" a plain sequential scan.
// Two shapes get their own plan: a few outputs over long rows (a whole-tensor sum) reduce in two
// passes, many blocks writing partial results that a second kernel combines; reductions over a
// non-last axis with many outputs give each thread one output column, so a warp reads 32
// neighbouring elements at each step (coalesced) and sums in the CPU's order.
#include <algorithm>
#include <type_traits>

#include "core/reduce_math.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

// Output b = (o, i) is combine over j of in[(o n + j) inner + i]; block x computes outputs x,
// x + gridDim.x, ... (the same ones for all its threads, so block_reduce's barriers stay uniform).
template <ReduceOp OP, class T>
__global__ void reduce_kernel(T* out, const T* in, int64_t outputs, int64_t n, int64_t inner) {
  using A = reduce_acc_t<compute_t<T>>;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  A* shared = reinterpret_cast<A*>(shared_bytes);
  const int active = int(n < blockDim.x ? n : blockDim.x);
  for (int64_t b = blockIdx.x; b < outputs; b += gridDim.x) {
    const T* col = in + (b / inner) * n * inner + b % inner;
    A acc = A(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      A v = A(compute_t<T>(col[j * inner]));
      acc = (OP != ReduceOp::Sum && j == threadIdx.x) ? v : reduce_combine<OP>(acc, v);  // max/min start at an element
    }
    A total = block_reduce(acc, shared, active, [](A x, A y) { return reduce_combine<OP>(x, y); });
    if (threadIdx.x == 0) out[b] = T(compute_t<T>(total));
  }
}

// Pass 1 of a two-pass reduction: block x reduces part x % parts of output x / parts, the
// contiguous chunk of `chunk` indices j starting at (x % parts) chunk, into partial[x].
template <ReduceOp OP, class T>
__global__ void reduce_partial_kernel(reduce_acc_t<compute_t<T>>* partial, const T* in, int64_t outputs, int64_t n,
                                      int64_t inner, int64_t parts, int64_t chunk) {
  using A = reduce_acc_t<compute_t<T>>;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  A* shared = reinterpret_cast<A*>(shared_bytes);
  for (int64_t x = blockIdx.x; x < outputs * parts; x += gridDim.x) {
    const int64_t b = x / parts, first = x % parts * chunk;
    const int64_t count = n - first < chunk ? n - first : chunk;  // >= 1: parts = ceil(n / chunk)
    const T* col = in + (b / inner) * n * inner + b % inner + first * inner;
    A acc = A(0);
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      A v = A(compute_t<T>(col[j * inner]));
      acc = (OP != ReduceOp::Sum && j == threadIdx.x) ? v : reduce_combine<OP>(acc, v);
    }
    const int active = int(count < blockDim.x ? count : blockDim.x);
    A total = block_reduce(acc, shared, active, [](A p, A q) { return reduce_combine<OP>(p, q); });
    if (threadIdx.x == 0) partial[x] = total;
  }
}

// Pass 2: output b combines partial[b parts .. b parts + parts).
template <ReduceOp OP, class T>
__global__ void reduce_finish_kernel(T* out, const reduce_acc_t<compute_t<T>>* partial, int64_t outputs,
                                     int64_t parts) {
  using A = reduce_acc_t<compute_t<T>>;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  A* shared = reinterpret_cast<A*>(shared_bytes);
  const int active = int(parts < blockDim.x ? parts : blockDim.x);
  for (int64_t b = blockIdx.x; b < outputs; b += gridDim.x) {
    A acc = A(0);
    for (int64_t p = threadIdx.x; p < parts; p += blockDim.x)
      acc = (OP != ReduceOp::Sum && p == threadIdx.x) ? partial[b * parts + p]
                                                      : reduce_combine<OP>(acc, partial[b * parts + p]);
    A total = block_reduce(acc, shared, active, [](A p, A q) { return reduce_combine<OP>(p, q); });
    if (threadIdx.x == 0) out[b] = T(compute_t<T>(total));
  }
}

// Many outputs over a non-last axis: thread (o, i) scans its column j = 0..n-1 in order; neighbouring
// threads hold neighbouring i, so each step's loads are coalesced. The CPU adds in the same order.
template <ReduceOp OP, class T>
__global__ void reduce_columns_kernel(T* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  using A = reduce_acc_t<compute_t<T>>;
  for (int64_t oi = thread_index(); oi < outer * inner; oi += thread_count()) {
    const T* col = in + (oi / inner) * n * inner + oi % inner;
    A acc = OP == ReduceOp::Sum ? A(0) : A(compute_t<T>(col[0]));
    for (int64_t j = OP == ReduceOp::Sum ? 0 : 1; j < n; ++j) acc = reduce_combine<OP>(acc, A(compute_t<T>(col[j * inner])));
    out[oi] = T(compute_t<T>(acc));
  }
}

template <class T>
__global__ void argreduce_kernel(bool is_max, int64_t* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t oi = thread_index(); oi < outer * inner; oi += thread_count()) {
    int64_t o = oi / inner, i = oi % inner;
    out[oi] = argreduce_column(is_max, in + o * n * inner + i, n, inner);
  }
}

// softmax(x)_j = e^(x_j - m) / sum_k e^(x_k - m), m = max_k x_k; log_softmax(x)_j = x_j - m - log sum_k
// e^(x_k - m). One block per row (rows x, x + gridDim.x, ... past the grid): a block reduction for
// m, another for the sum, then the writes.
template <class T>
__global__ void softmax_kernel(T* out, const T* in, int64_t rows, int64_t n, bool log) {
  using C = compute_t<T>;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  C* shared = reinterpret_cast<C*>(shared_bytes);
  const int active = int(n < blockDim.x ? n : blockDim.x);
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = in + row * n;
    T* y = out + row * n;
    C m = -C(INFINITY);
    // the comparison in std::max's order, as on the CPU
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = m < C(x[j]) ? C(x[j]) : m;
    m = block_reduce(m, shared, active, [](C a, C b) { return a < b ? b : a; });
    if (m == -C(INFINITY)) m = C(0);  // an all -inf row stays finite-shifted
    C s = C(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += exp_of(C(x[j]) - m);
    s = block_reduce(s, shared, active, [](C a, C b) { return a + b; });
    if (log) {
      C log_s = log_of(s);  // (x - m) - log s keeps full precision far from zero, as on the CPU
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) y[j] = T((C(x[j]) - m) - log_s);
    } else {
      C inv = C(1) / s;
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) y[j] = T(exp_of(C(x[j]) - m) * inv);
    }
  }
}

// Which of the three plans a reduction of `outputs` results over rows of n takes (see the top).
enum class ReducePlan { BlockPerOutput, TwoPass, Columns };
ReducePlan reduce_plan(int64_t outputs, int64_t n, int64_t inner) {
  if (n > 0 && inner >= 32 && outputs >= 4096) return ReducePlan::Columns;  // enough threads for the GPU, one per column
  if (outputs < 512 && n >= 32768) return ReducePlan::TwoPass;      // too few blocks for the GPU otherwise
  return ReducePlan::BlockPerOutput;
}

template <ReduceOp OP, class T>
void launch_reduce(T* out, const T* in, int64_t outer, int64_t n, int64_t inner, CudaBackend& cuda, cudaStream_t stream) {
  using A = reduce_acc_t<compute_t<T>>;
  const int64_t outputs = outer * inner;
  switch (reduce_plan(outputs, n, inner)) {
    case ReducePlan::Columns:
      reduce_columns_kernel<OP><<<grid_for(outputs), kThreads, 0, stream>>>(out, in, outer, n, inner);
      break;
    case ReducePlan::TwoPass: {
      // About 1,024 blocks in all, each over a chunk of at least 4,096 indices.
      const int64_t want = std::max<int64_t>(2, 1024 / outputs);
      const int64_t chunk = std::max<int64_t>(4096, (n + want - 1) / want), parts = (n + chunk - 1) / chunk;
      auto* partial = static_cast<A*>(cuda.allocate(size_t(outputs * parts) * sizeof(A)));
      reduce_partial_kernel<OP><<<blocks_for_outputs(outputs * parts), kThreads, kThreads * sizeof(A), stream>>>(
          partial, in, outputs, n, inner, parts, chunk);
      const int threads = block_for_row(parts);
      reduce_finish_kernel<OP><<<blocks_for_outputs(outputs), threads, threads * sizeof(A), stream>>>(out, partial,
                                                                                                   outputs, parts);
      cuda.deallocate(partial, size_t(outputs * parts) * sizeof(A));  // stream-ordered reuse (allocator.h)
      break;
    }
    case ReducePlan::BlockPerOutput: {
      const int threads = block_for_row(n);
      reduce_kernel<OP><<<blocks_for_outputs(outputs), threads, threads * sizeof(A), stream>>>(out, in, outputs, n,
                                                                                               inner);
      break;
    }
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, DType t, void* out, const void* in, int64_t outer, int64_t n, int64_t inner) {
  if (outer * inner == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    auto* o = static_cast<T*>(out);
    auto* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum: launch_reduce<ReduceOp::Sum>(o, x, outer, n, inner, *this, stream_); break;
      case ReduceOp::Max: launch_reduce<ReduceOp::Max>(o, x, outer, n, inner, *this, stream_); break;
      case ReduceOp::Min: launch_reduce<ReduceOp::Min>(o, x, outer, n, inner, *this, stream_); break;
    }
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::argreduce(bool is_max, DType t, int64_t* out, const void* in, int64_t outer, int64_t n,
                            int64_t inner) {
  if (outer * inner == 0) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    argreduce_kernel<<<grid_for(outer * inner), kThreads, 0, stream_>>>(is_max, out, static_cast<const T*>(in),
                                                                        outer, n, inner);
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

void CudaBackend::softmax(DType t, void* out, const void* in, int64_t rows, int64_t n, bool log) {
  if (rows == 0 || n == 0) return;
  int threads = block_for_row(n);
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (std::is_floating_point_v<C>) {  // callers reject integer dtypes (check_floating)
      softmax_kernel<<<blocks_for_outputs(rows), threads, threads * sizeof(C), stream_>>>(
          static_cast<T*>(out), static_cast<const T*>(in), rows, n, log);
    }
  });
  TG_CUDA_CHECK(cudaGetLastError());
}

}  // namespace tg::cuda
