// The sizes of one scaled-dot-product attention call, shared by the CPU kernel (core/cpu/),
// the CUDA kernels (cuda/attention.cu) and the naive reference. Plain C++17 without library
// includes, so nvcc translation units can use it; the two helpers run on host and device (TG_HD).
//   q, o, dq: (B, H, Tq, D)    k, v, dk, dv: (B, H, Tk, D)    lse: (B, H, Tq)
// lse (the row logsumexp L saved by the forward pass) is f64 for f64 inputs and f32 otherwise.
#pragma once
#include <cstdint>

#include "core/macros.h"

namespace tg {

struct AttentionArgs {
  int64_t B = 0, H = 0, Tq = 0, Tk = 0, D = 0;
  double scale = 1.0;  // S = scale * Q K^T; 1/sqrt(D) unless the caller chose another
  bool causal = false;
  // An additive mask M added to the scores, S = scale Q K^T + M (-inf where a key is hidden), in the
  // inputs' dtype, laid out (Bm, Hm, Tq, Tk) with Bm in {1, B}, Hm in {1, H}: batch b, head h read
  // bias + b * bias_b_stride + h * bias_h_stride (a stride is 0 where the mask is broadcast).
  // Null without a mask; only backends with has_attention_mask_kernel() see one.
  const void* bias = nullptr;
  int64_t bias_b_stride = 0, bias_h_stride = 0;
  // Rows per (batch, head) in k and v: Tk when 0 (contiguous), else a KV cache's capacity, of
  // which the first Tk rows are read in place. Backends see it only with has_attention_mask_kernel().
  int64_t kv_rows = 0;

  // Causal attention with Tq <= Tk (a KV cache holding Tk - Tq earlier positions): query i sits at
  // position i + offset and sees keys j <= i + offset. With Tq == Tk this is the usual j <= i.
  TG_HD int64_t causal_offset() const { return Tk - Tq; }
  TG_HD int64_t kv_head_stride() const { return (kv_rows > 0 ? kv_rows : Tk) * D; }
  // Offset of (batch, head) item bh = b H + h in the mask.
  TG_HD int64_t bias_offset(int64_t bh) const { return (bh / H) * bias_b_stride + (bh % H) * bias_h_stride; }
  // Keys [0, visible_keys(i)) are what query row i attends to (before the mask).
  TG_HD int64_t visible_keys(int64_t i) const {
    if (!causal) return Tk;
    int64_t n = i + causal_offset() + 1;
    return n < 0 ? 0 : (n > Tk ? Tk : n);
  }
};

}  // namespace tg
