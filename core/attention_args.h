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

  // Causal attention with Tq <= Tk (a KV cache holding Tk - Tq earlier positions): query i sits at
  // position i + offset and sees keys j <= i + offset. With Tq == Tk this is the usual j <= i.
  TG_HD int64_t causal_offset() const { return Tk - Tq; }
  // Keys [0, visible_keys(i)) are what query row i attends to.
  TG_HD int64_t visible_keys(int64_t i) const {
    if (!causal) return Tk;
    int64_t n = i + causal_offset() + 1;
    return n < 0 ? 0 : (n > Tk ? Tk : n);
  }
};

}  // namespace tg
