// Scaled-dot-product attention as one differentiable op, softmax(scale q k^T [causal mask]) v,
// computed tile by tile (FlashAttention-2) so that the (Tq, Tk) score matrix never exists. The
// kernels are core/cpu/attention.cpp and cuda/attention.cu; nn::MultiHeadAttention is built on it.
#pragma once
#include <optional>

#include "core/tensor.h"

namespace tg {

// q (B, H, Tq, D), k and v (B, H, Tk, D) -> (B, H, Tq, D), as torch's scaled_dot_product_attention.
// scale defaults to 1/sqrt(D). causal hides key j from query i when j > i + (Tk - Tq): with Tq < Tk
// the queries are the last Tq positions of a sequence whose first Tk - Tq keys and values are
// cached (incremental decoding), so causal needs Tq <= Tk.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace tg
