// CUDA reductions over the middle axis of an (outer, n, inner) view, argmax/argmin, and row
// softmax, mirroring core/cpu/reduce.cpp: sums accumulate in double (int64 for integers), NaN
// wins max/min, the first extreme index wins argmax/argmin. One block per output for reductions
// and softmax rows (threads stride over the row, then a block reduction); one thread per output
// for argmax/argmin, which keeps "first index, NaN counts as extreme" a plain sequential scan.
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

}  // namespace

void CudaBackend::reduce(ReduceOp op, DType t, void* out, const void* in, int64_t outer, int64_t n, int64_t inner) {
  int64_t outputs = outer * inner;
  if (outputs == 0) return;
  const unsigned blocks = blocks_for_outputs(outputs);
  const int threads = block_for_row(n);
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    size_t shared = threads * sizeof(reduce_acc_t<compute_t<T>>);
    auto* o = static_cast<T*>(out);
    auto* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum:
        reduce_kernel<ReduceOp::Sum><<<blocks, threads, shared, stream_>>>(o, x, outputs, n, inner);
        break;
      case ReduceOp::Max:
        reduce_kernel<ReduceOp::Max><<<blocks, threads, shared, stream_>>>(o, x, outputs, n, inner);
        break;
      case ReduceOp::Min:
        reduce_kernel<ReduceOp::Min><<<blocks, threads, shared, stream_>>>(o, x, outputs, n, inner);
        break;
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
