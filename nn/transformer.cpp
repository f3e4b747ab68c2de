// Pre-LayerNorm transformer block (see transformer.h).
#include "nn/transformer.h"

#include "autograd/ops/elementwise.h"

namespace tg::nn {

TransformerBlock::TransformerBlock(int64_t embed_dim, int64_t num_heads, int64_t mlp_ratio, Generator& gen) {
  TG_CHECK(mlp_ratio > 0, "TransformerBlock: mlp_ratio must be positive, got {}", mlp_ratio);
  ln1 = register_module("ln1", std::make_shared<LayerNorm>(embed_dim));
  attn = register_module("attn", std::make_shared<MultiHeadAttention>(embed_dim, num_heads, true, gen));
  ln2 = register_module("ln2", std::make_shared<LayerNorm>(embed_dim));
  mlp = register_module("mlp", std::make_shared<MLP>(std::vector<int64_t>{embed_dim, mlp_ratio * embed_dim, embed_dim},
                                                     Activation::Gelu, true, gen));
}

Tensor TransformerBlock::forward(const Tensor& x, bool causal, KVCache* cache, const Tensor& mask,
                                 MaskKind kind) const {
  Tensor h = add(x, attn->forward(ln1->forward(x), causal, cache, mask, kind));
  return add(h, mlp->forward(ln2->forward(h)));
}

}  // namespace tg::nn
