// MultiHeadAttention: self-attention over (B, T, E) inputs with H heads of size D = E / H, on the
// tiled attention op (autograd/ops/attention.h). Parameters are named and laid out as in
// torch.nn.MultiheadAttention(E, H, batch_first=True): in_proj_weight (3E, E) and in_proj_bias (3E)
// stack the q, k and v projections, out_proj is a Linear(E, E); state dicts line up.
// A KVCache (nn/kv_cache.h) keeps the keys and values of the positions seen so far, for incremental
// decoding: feeding a sequence piece by piece through a cache gives the outputs of one causal pass
// over all of it. An explicit mask (autograd/ops/attention.h) restricts what each query sees further.
#pragma once
#include <memory>

#include "autograd/ops/attention.h"
#include "core/creation.h"
#include "nn/kv_cache.h"
#include "nn/linear.h"

namespace tg::nn {

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t embed_dim, int64_t num_heads, bool bias = true, Generator& gen = default_generator());
  // x (B, T, E) -> (B, T, E). With a cache, x holds the next T positions: their keys and values are
  // appended to it and the queries attend to every cached position (causal: to those before them).
  // mask: (T, S) or (B or 1, H or 1, T, S) over the S = cached + T keys, of the given kind.
  Tensor forward(const Tensor& x, bool causal = false, KVCache* cache = nullptr, const Tensor& mask = {},
                 MaskKind kind = MaskKind::Keep) const;
  Tensor operator()(const Tensor& x, bool causal = false, KVCache* cache = nullptr, const Tensor& mask = {},
                    MaskKind kind = MaskKind::Keep) const {
    return forward(x, causal, cache, mask, kind);
  }

  int64_t embed_dim, num_heads, head_dim;
  Tensor in_proj_weight;  // (3E, E): rows [0, E) project to q, [E, 2E) to k, [2E, 3E) to v
  Tensor in_proj_bias;    // (3E), undefined without bias
  std::shared_ptr<Linear> out_proj;
};

}  // namespace tg::nn
