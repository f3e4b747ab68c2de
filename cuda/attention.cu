// Tiled attention kernels (FlashAttention-2's algorithm), the GPU side of core/cpu/attention.cpp.
//
// S = scale Q K^T, with S_ij = -inf where causal and j > i + (Tk - Tq);  P = softmax_rows(S);  O = P V.
// Forward, per query row over the key tiles, with running max m, sum l and unnormalised output Õ:
//   m' = max(m, max_j S_ij),  l = e^(m - m') l + sum_j e^(S_ij - m'),  Õ = e^(m - m') Õ + sum_j e^(S_ij - m') V_j
// then O_i = Õ / l and L_i = m + log l, the only things saved.
// Backward: D_i = rowsum(dO_i ∘ O_i), P_ij = e^(S_ij - L_i), dS_ij = P_ij (dO_i · V_j - D_i), and
//   dV_j = sum_i P_ij dO_i,   dK_j = scale sum_i dS_ij Q_i,   dQ_i = scale sum_j dS_ij K_j.
//
// Layout. Forward: one block per (query tile of kRows, batch x head), one thread per query row
// holding its Õ in registers; the block's Q tile, each K/V tile of kCols keys and each row's
// scores for the current tile sit in shared memory (f32, whatever the input type). Backward in two kernels, so that every output row has one
// owner and nothing needs atomics: dK/dV with one thread per key row looping over query tiles, and
// dQ with one thread per query row looping over key tiles (P and dS are recomputed in both).
// These are the plain, readable version: no tensor cores (mma) yet, so they are correct before
// they are fast.
//
// Files: the kernels are templates in cuda/attention_kernels.cuh, instantiated one dtype per
// file (cuda/attention_f32.cu, _f16.cu, _bf16.cu), which a parallel build compiles side by side;
// this file picks the instance for the run-time dtype and head size.
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/attention.h"
#include "cuda/attention_launch.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"

namespace tg::cuda {
namespace {

// Calls fn.template run<T, D>() for the run-time dtype and head size.
template <class Fn>
void dispatch(DType t, int64_t D, const char* name, const Fn& fn) {
  auto with_dtype = [&](auto zero) {
    using T = decltype(zero);
    switch (D) {
      case 16: return fn.template run<T, 16>();
      case 32: return fn.template run<T, 32>();
      case 64: return fn.template run<T, 64>();
      case 128: return fn.template run<T, 128>();
    }
    raise_cuda_error(int(cudaErrorInvalidValue), "ScaledDotProductAttention: head size D must be 16, 32, 64 or 128",
                     name, __FILE__, __LINE__);
  };
  switch (t) {
    case DType::f32: return with_dtype(float{});
    case DType::f16: return with_dtype(tg::half{});
    case DType::bf16: return with_dtype(tg::bfloat16{});
    default:
      raise_cuda_error(int(cudaErrorInvalidValue), "ScaledDotProductAttention: CUDA kernels take f32, f16 or bf16",
                       name, __FILE__, __LINE__);
  }
}

struct Forward {
  void* o;
  float* lse;
  const void *q, *k, *v;
  const AttentionArgs& a;
  cudaStream_t stream;
  template <class T, int D>
  void run() const { attention::forward<T, D>(o, lse, q, k, v, a, stream); }
};

struct Backward {
  void *dq, *dk, *dv;
  const void *q, *k, *v, *o;
  const float* lse;
  const void* dout;
  const AttentionArgs& a;
  cudaStream_t stream;
  template <class T, int D>
  void run() const { attention::backward<T, D>(dq, dk, dv, q, k, v, o, lse, dout, a, stream); }
};

}  // namespace

void attention_forward(DType t, void* o, float* lse, const void* q, const void* k, const void* v,
                       const AttentionArgs& a, cudaStream_t stream) {
  if (a.B * a.H * a.Tq == 0) return;
  dispatch(t, a.D, "cuda::attention_forward", Forward{o, lse, q, k, v, a, stream});
}

void attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k, const void* v,
                        const void* o, const float* lse, const void* dout, const AttentionArgs& a,
                        cudaStream_t stream) {
  if (a.B * a.H * a.Tk == 0) return;
  dispatch(t, a.D, "cuda::attention_backward", Backward{dq, dk, dv, q, k, v, o, lse, dout, a, stream});
}

// The head sizes and dtypes dispatch() instantiates.
bool CudaBackend::has_attention_kernel(DType t, int64_t head_size) const {
  bool dtype_ok = t == DType::f32 || t == DType::f16 || t == DType::bf16;
  return dtype_ok && (head_size == 16 || head_size == 32 || head_size == 64 || head_size == 128);
}

// The Backend's attention on the backend's stream; lse is f32 (the kernels reject f64).
void CudaBackend::attention_forward(DType t, void* o, void* lse, const void* q, const void* k, const void* v,
                                    const AttentionArgs& args) {
  tg::cuda::attention_forward(t, o, static_cast<float*>(lse), q, k, v, args, stream_);
}

void CudaBackend::attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k,
                                     const void* v, const void* o, const void* lse, const void* dout,
                                     const AttentionArgs& args) {
  tg::cuda::attention_backward(t, dq, dk, dv, q, k, v, o, static_cast<const float*>(lse), dout, args, stream_);
}

}  // namespace tg::cuda
