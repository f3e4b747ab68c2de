// Multi-head attention (see multihead_attention.h). PyTorch's initialisation: in_proj_weight
// xavier-uniform, both biases zero, out_proj.weight as any Linear.
#include "nn/multihead_attention.h"

#include "autograd/node.h"
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

Tensor MultiHeadAttention::forward(const Tensor& x, bool causal, KVCache* cache, const Tensor& mask,
                                   MaskKind kind) const {
  TG_CHECK(x.dim() == 3 && x.size(2) == embed_dim, "MultiHeadAttention({}, {}): input {} must be (B, T, {})",
           embed_dim, num_heads, describe(x), embed_dim);
  const int64_t B = x.size(0), T = x.size(1), E = embed_dim, H = num_heads, D = head_dim;
  const Tensor x2 = reshape(x, {B * T, E});
  // Projection i (0: q, 1: k, 2: v) with rows [iE, (i+1)E) of the stacked weight, split into heads:
  // (B T, E) -> (B, T, H, D) -> (B, H, T, D). Three products from weight slices instead of one (B T, 3E)
  // product sliced three ways: a weight slice's gradient is E x 3E with zeros, a slice of the
  // product's would be B T x 3E, and the activations are copied once instead of twice.
  // Without gradients (decoding) one (B T, 3E) product sliced three ways is cheaper: slicing the
  // weight copies it, 3E^2 floats per call against 3 B T E for the product's slices.
  const bool fused = !needs_grad(x, in_proj_weight) && !needs_grad(in_proj_weight, in_proj_bias);
  const Tensor qkv = fused ? matmul(x2, in_proj_weight, false, /*trans_b=*/true) : Tensor();
  auto project = [&](int64_t i) {
    Tensor y = fused ? slice(qkv, 1, i * E, (i + 1) * E)
                     : matmul(x2, slice(in_proj_weight, 0, i * E, (i + 1) * E), false, /*trans_b=*/true);
    if (in_proj_bias.defined()) y = add(y, slice(in_proj_bias, 0, i * E, (i + 1) * E));
    return permute(reshape(y, {B, T, H, D}), {0, 2, 1, 3});
  };
  Tensor q = project(0), k = project(1), v = project(2);
  Tensor o;  // (B, H, T, D)
  if (cache && cache->length() > 0)
    TG_CHECK(cache->key_storage().size(0) == B, "MultiHeadAttention: the cache holds {} for a batch of {}, input {}",
             describe(cache->key_storage()), B, describe(x));
  if (!cache) {
    o = scaled_dot_product_attention(q, k, v, mask, kind, causal);
  } else if (needs_grad(k)) {  // training through a cache: differentiable in the new keys and values
    Tensor past_k = cache->keys(), past_v = cache->values();
    cache->append(k.detach(), v.detach());
    if (past_k.defined() && past_k.size(2) > 0) k = cat({past_k, k}, 2), v = cat({past_v, v}, 2);
    o = scaled_dot_product_attention(q, k, v, mask, kind, causal);
  } else {  // decoding: the new rows written into the cache, attention reading it in place
    cache->append(k, v);
    o = cached_attention(q, cache->key_storage(), cache->value_storage(), cache->length(), mask, kind, causal);
  }
  o = reshape(permute(o, {0, 2, 1, 3}), {B, T, E});            // heads side by side again
  return out_proj->forward(o);
}

}  // namespace tg::nn
