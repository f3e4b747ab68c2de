// The primitive kernels every device implements. Ops in autograd/ are written against this
// interface only; core/cpu/ implements it with OpenMP loops and CBLAS, cuda/ with kernels and
// cuBLAS. All buffers are contiguous and row-major; sizes are element counts. Argument order is
// outputs, then inputs, then sizes. This header stays free of fmt so CUDA code can include it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/attention_args.h"
#include "core/device.h"
#include "core/dtype.h"
#include "core/elementwise.h"
#include "core/memory.h"

namespace tg {

constexpr int kMaxKernelDims = 8;

// An N-d iteration space with up to three inputs read through strides (0 = broadcast).
// The output is contiguous over `shape`. Built by make_broadcast_plan (core/kernel_plan.h).
struct BroadcastPlan {
  int ndim = 0;
  int64_t numel = 0;
  int64_t shape[kMaxKernelDims] = {};
  int64_t stride[3][kMaxKernelDims] = {};
};

// A strided copy: out[sum i_d*out_stride_d] = in[sum i_d*in_stride_d] over `shape`.
// Covers transpose, permute, slice, cat and expand.
struct CopyPlan {
  int ndim = 0;
  int64_t shape[kMaxKernelDims] = {};
  int64_t out_stride[kMaxKernelDims] = {};
  int64_t in_stride[kMaxKernelDims] = {};
};

// C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b] for b < batch, op = transpose when flagged.
// A is (m, k) after op, B (k, n), C (m, n); leading dimensions as in BLAS, row-major.
struct GemmArgs {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  const void* a = nullptr;
  int64_t lda = 0;
  const void* b = nullptr;
  int64_t ldb = 0;
  void* c = nullptr;
  int64_t ldc = 0;
  float alpha = 1.0f, beta = 0.0f;
  int64_t batch = 1, stride_a = 0, stride_b = 0, stride_c = 0;
};

// The geometry of unfold/fold (im2col/col2im) between an image x (N, C, H, W) and its columns
// (N, C kh kw, OH OW): column row (c, i, j) at output position (oy, ox) holds
//   x[n, c, oy sh - ph + i dh, ox sw - pw + j dw]   (0 where that falls outside the image).
struct UnfoldArgs {
  int64_t N, C, H, W;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t OH, OW;  // output positions: OH = (H + 2 ph - dh (kh - 1) - 1) / sh + 1, OW alike
};

enum class ReduceOp : uint8_t { Sum, Max, Min };

// Adam / AdamW on one f32 parameter buffer (see nn/optim.h for the equations).
struct AdamStep {
  float lr, beta1, beta2, eps, weight_decay;
  bool decoupled;             // AdamW: weight decay applied to the parameter, not the gradient
  float bias_correction1;     // 1 - beta1^t
  float bias_correction2;     // 1 - beta2^t
};

// One f32 parameter's Adam update: its buffers (all n elements, on the same device) and its step.
// v_max is AMSGrad's running max of v (nullptr without amsgrad).
struct AdamTensor {
  float* param;
  const float* grad;
  float* m;
  float* v;
  float* v_max;
  int64_t n;
  AdamStep step;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // memory
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual MemoryStats memory_stats() const = 0;
  virtual void reset_peak_memory_stats() = 0;
  // Gives every cached free block back to the system (or the driver); blocks in use stay.
  virtual void empty_cache() = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;

  // elementwise
  virtual void fill(DType t, void* out, int64_t n, double value) = 0;
  virtual void cast(DType out_t, void* out, DType in_t, const void* in, int64_t n) = 0;
  virtual void unary(UnaryOp op, DType t, void* out, const void* in, int64_t n, double p0, double p1) = 0;
  virtual void binary(BinaryOp op, DType t, void* out, const void* a, const void* b,
                      const BroadcastPlan& plan) = 0;
  // out = cond != 0 ? a : b; cond has dtype cond_t, a/b/out dtype t.
  virtual void where(DType t, void* out, DType cond_t, const void* cond, const void* a, const void* b,
                     const BroadcastPlan& plan) = 0;
  virtual void copy_strided(DType t, void* out, const void* in, const CopyPlan& plan) = 0;

  // reductions over the middle axis of an (outer, n, inner) view
  virtual void reduce(ReduceOp op, DType t, void* out, const void* in, int64_t outer, int64_t n,
                      int64_t inner) = 0;
  virtual void argreduce(bool is_max, DType t, int64_t* out, const void* in, int64_t outer, int64_t n,
                         int64_t inner) = 0;
  // softmax (or log_softmax) over the last axis of a (rows, n) view
  virtual void softmax(DType t, void* out, const void* in, int64_t rows, int64_t n, bool log) = 0;

  virtual void gemm(DType t, const GemmArgs& args) = 0;

  // Scaled-dot-product attention (FlashAttention-2; sizes and layouts in core/attention_args.h):
  // forward writes o and the row logsumexp lse; backward writes dq, dk and dv from the inputs, the
  // forward's o and lse, and dout, recomputing the probabilities tile by tile.
  virtual void attention_forward(DType t, void* o, void* lse, const void* q, const void* k, const void* v,
                                 const AttentionArgs& args) = 0;
  virtual void attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k,
                                  const void* v, const void* o, const void* lse, const void* dout,
                                  const AttentionArgs& args) = 0;
  // Whether the two kernels above take this dtype and head size; where they do not, the op runs
  // as matmul/softmax/matmul instead (O(Tq Tk) memory), like PyTorch's math fallback.
  virtual bool has_attention_kernel(DType t, int64_t head_size) const = 0;

  // unfold: cols (N, C kh kw, OH OW) from x (N, C, H, W) as UnfoldArgs says; fold is its adjoint:
  // x (overwritten) = the sum of every column entry onto the pixel it was read from.
  virtual void unfold(DType t, void* cols, const void* x, const UnfoldArgs& args) = 0;
  virtual void fold(DType t, void* x, const void* cols, const UnfoldArgs& args) = 0;

  // indexing: idx are i64; callers check ranges first with first_out_of_range.
  // index_select: out[o, j, i] = in[o, idx[j], i]; index_add: out[o, idx[j], i] += src[o, j, i]
  virtual void index_select(DType t, void* out, const void* in, const int64_t* idx, int64_t outer,
                            int64_t n_in, int64_t n_idx, int64_t inner) = 0;
  virtual void index_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer,
                         int64_t n_out, int64_t n_idx, int64_t inner) = 0;
  // gather: out[o, j, i] = in[o, idx[o, j, i], i]; scatter_add: out[o, idx[o, j, i], i] += src[o, j, i]
  virtual void gather(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
                      int64_t n_idx, int64_t inner) = 0;
  virtual void scatter_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer,
                           int64_t n_out, int64_t n_idx, int64_t inner) = 0;
  // position of the first index outside [0, limit), or -1 when all are in range
  virtual int64_t first_out_of_range(const int64_t* idx, int64_t n, int64_t limit) = 0;

  // random numbers from Philox4x32-10 keyed by (seed, offset); element i uses counter offset + i/4
  virtual void random_uniform(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double lo,
                              double hi) = 0;
  virtual void random_normal(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                             double std) = 0;

  // optimizer update and overflow check
  // Updates every tensor of the list in one pass (on the CPU, one parallel region for all of them).
  virtual void adam_update(const std::vector<AdamTensor>& tensors) = 0;
  virtual bool all_finite(DType t, const void* in, int64_t n) = 0;
  // Whether every element of every buffer is finite: one answer for the lot, so a GPU reads one
  // flag back per call instead of one per buffer (the loss scaler checks all gradients at once).
  // The default asks all_finite of each in turn.
  struct FiniteBuffer {
    DType dtype;
    const void* data;
    int64_t n;
  };
  virtual bool all_finite_many(const std::vector<FiniteBuffer>& buffers) {
    for (const FiniteBuffer& b : buffers)
      if (!all_finite(b.dtype, b.data, b.n)) return false;
    return true;
  }
};

// The backend that owns memory on `d`; throws tg::Error when that device type is not built
// or not available.
Backend& backend(Device d);
void register_backend(DeviceType type, Backend* b);
bool has_backend(DeviceType type);

}  // namespace tg
