// TransformerBlock: the pre-LayerNorm block of GPT-2 and most decoders since,
//   x = x + attn(ln1(x));  x = x + mlp(ln2(x)),   mlp: Linear(E, 4E), GELU, Linear(4E, E)
// Normalising before each sublayer leaves the residual path an identity, which keeps deep stacks
// trainable without warmup tricks. A KVCache passes through to the attention for decoding.
#pragma once
#include <memory>

#include "nn/layer_norm.h"
#include "nn/mlp.h"
#include "nn/multihead_attention.h"

namespace tg::nn {

class TransformerBlock : public Module {
 public:
  TransformerBlock(int64_t embed_dim, int64_t num_heads, int64_t mlp_ratio = 4, Generator& gen = default_generator());
  // x (B, T, E) -> (B, T, E)
  Tensor forward(const Tensor& x, bool causal = false, KVCache* cache = nullptr, const Tensor& mask = {},
                 MaskKind kind = MaskKind::Keep) const;
  Tensor operator()(const Tensor& x, bool causal = false, KVCache* cache = nullptr, const Tensor& mask = {},
                    MaskKind kind = MaskKind::Keep) const {
    return forward(x, causal, cache, mask, kind);
  }

  std::shared_ptr<LayerNorm> ln1, ln2;
  std::shared_ptr<MultiHeadAttention> attn;
  std::shared_ptr<MLP> mlp;  // parameters "mlp.layers.0.*" (E -> 4E) and "mlp.layers.1.*" (4E -> E)
};

}  // namespace tg::nn
