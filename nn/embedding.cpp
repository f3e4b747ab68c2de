// Embedding table (see embedding.h).
#include "nn/embedding.h"

#include "autograd/ops/shape.h"
#include "nn/init.h"

namespace tg::nn {

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, Generator& gen)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim) {
  TG_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding: sizes must be positive, got ({}, {})", num_embeddings,
           embedding_dim);
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  init::normal_(weight, gen);
}

Tensor Embedding::forward(const Tensor& index) const { return embedding(weight, index); }

}  // namespace tg::nn
