// Embedding: a (num_embeddings, embedding_dim) table looked up by integer indices; the
// gradient scatters-adds into the rows that were used. Initialised N(0, 1) as in PyTorch.
#pragma once
#include "core/creation.h"
#include "nn/module.h"

namespace tg::nn {

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Generator& gen = default_generator());
  // index (i64 or i32, any shape) -> index.shape + (embedding_dim,)
  Tensor forward(const Tensor& index) const;
  Tensor operator()(const Tensor& index) const { return forward(index); }

  int64_t num_embeddings, embedding_dim;
  Tensor weight;  // (num_embeddings, embedding_dim)
};

}  // namespace tg::nn
