// Multi-head attention (see multihead_attention.h). PyTorch's initialisation: in_proj_weight
// xavier-uniform, both biases zero, out_proj.weight as any Linear.
#include "nn/multihead_attention.h"

#include "autograd/ops.h"
#include "nn/init.h"

namespace tg::nn {

MultiHeadAttention::MultiHeadAttention(int64_t embed_dim, int64_t num_heads, bool bias, Generator& gen)
    : embed_dim(embed_dim), num_heads(num_heads), head_dim(num_heads > 0 ? embed_dim / num_heads : 0) {
  TG_CHECK(embed_dim > 0 && num_heads > 0 && embed_dim % num_heads == 0,
           "MultiHeadAttention: embed_dim {} must be a positive multiple of num_heads {}", embed_dim, num_heads);
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}));
  init::xavier_uniform_(in_proj_weight, gen);
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * embed_dim}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(embed_dim, embed_dim, bias, gen));
  if (bias) init::zeros_(out_proj->bias);
}

Tensor MultiHeadAttention::forward(const Tensor& x, bool causal, KVCache* cache) const {
  TG_CHECK(x.dim() == 3 && x.size(2) == embed_dim, "MultiHeadAttention({}, {}): input {} must be (B, T, {})",
           embed_dim, num_heads, describe(x), embed_dim);
  const int64_t B = x.size(0), T = x.size(1), E = embed_dim, H = num_heads, D = head_dim;
  Tensor qkv = matmul(reshape(x, {B * T, E}), in_proj_weight, false, /*trans_b=*/true);  // (B T, 3E)
  if (in_proj_bias.defined()) qkv = add(qkv, in_proj_bias);
  // (B T, 3E) -> (B, T, 3, H, D) -> (3, B, H, T, D): q, k and v, each (B, H, T, D).
  qkv = permute(reshape(qkv, {B, T, 3, H, D}), {2, 0, 3, 1, 4});
  Tensor q = squeeze(slice(qkv, 0, 0, 1), 0), k = squeeze(slice(qkv, 0, 1, 2), 0), v = squeeze(slice(qkv, 0, 2, 3), 0);
  if (cache) {
    if (cache->length() > 0) {
      TG_CHECK(cache->k.size(0) == B, "MultiHeadAttention: the cache holds {} for a batch of {}, input {}",
               describe(cache->k), B, describe(x));
      k = cat({cache->k, k}, 2);
      v = cat({cache->v, v}, 2);
    }
    cache->k = k;
    cache->v = v;
  }
  Tensor o = scaled_dot_product_attention(q, k, v, causal);    // (B, H, T, D)
  o = reshape(permute(o, {0, 2, 1, 3}), {B, T, E});            // heads side by side again
  return out_proj->forward(o);
}

}  // namespace tg::nn
