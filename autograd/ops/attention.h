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

// With an explicit mask, (Tq, Tk) or (B or 1, H or 1, Tq, Tk), broadcast over batch and heads and
// combined with causal. MaskKind::Keep: nonzero = the query may attend to the key (any dtype; torch's
// boolean mask). MaskKind::Additive: added to the scores (floating; -inf hides a key), torch's float
// mask. The mask is a constant: no gradient flows to it. A query whose keys are all hidden gets 0.
// The CPU kernel reads the mask tile by tile; a backend without has_attention_mask_kernel() runs
// the masked op as matmul/softmax/matmul (as the CUDA backend does).
enum class MaskKind { Keep, Additive };
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                    MaskKind kind = MaskKind::Keep, bool causal = false,
                                    std::optional<double> scale = std::nullopt);

// Attention over the first kv_length rows of k and v laid out (B, H, capacity, D), a KV cache's
// storage (nn/kv_cache.h), read in place where the backend's kernel can (no copy per decoding
// step). For inference: it records no gradient and refuses inputs that need one. Mask as above,
// (Tq, kv_length) or (B or 1, H or 1, Tq, kv_length).
Tensor cached_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t kv_length, const Tensor& mask = {},
                        MaskKind kind = MaskKind::Keep, bool causal = false);

}  // namespace tg
