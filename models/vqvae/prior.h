// The stage-2 prior of VQ-VAE and VQGAN: a GPT-style causal transformer over the codes of the
// latent grid, read row by row (raster order), so that
//   p(c_0, ..., c_{T-1}) = prod_t p(c_t | c_<t),   T = grid * grid,
// with a BOS token (index K) in front. It trains by cross-entropy on the codes of the training
// images (teacher forcing) and samples one code at a time through per-layer KV caches.
// Checkpoints carry K and the grid in their metadata; loading one into another shape is an error.
#pragma once
#include <string>
#include <vector>

#include "nn/checkpoint.h"
#include "nn/embedding.h"
#include "nn/transformer.h"

namespace tg::models {

struct PriorConfig {
  int64_t num_codes = 256, grid = 7;                  // K codes; T = grid^2 positions
  int64_t embed_dim = 128, num_heads = 4, layers = 4;
};

class CodePrior : public nn::Module {
 public:
  explicit CodePrior(PriorConfig config = {}, Generator& init = default_generator());
  // tokens (B, L) i64 in [0, K] (K = BOS) at positions start..start+L-1 -> logits (B, L, K) of the
  // next code. With caches (one per layer), earlier positions come from them and the new ones join them.
  Tensor forward(const Tensor& tokens, int64_t start = 0, std::vector<nn::KVCache>* caches = nullptr) const;
  // Teacher forcing: codes (B, T) -> logits (B, T, K), position t predicting c_t from BOS, c_0..c_{t-1}.
  Tensor logits(const Tensor& codes) const;
  // Mean cross-entropy of the codes under the model, nats per code.
  Tensor loss(const Tensor& codes) const;
  // n code sequences (n, T) i64, each code drawn from softmax(logits / temperature), restricted to
  // the top_k most likely codes when top_k > 0 (top_k = 1: greedy).
  Tensor sample(int64_t n, double temperature, int64_t top_k, Generator& gen) const;
  int64_t bos() const { return config_.num_codes; }
  int64_t length() const { return config_.grid * config_.grid; }
  const PriorConfig& config() const { return config_; }

  std::shared_ptr<nn::Embedding> token_embedding;
  Tensor position_embedding;  // (T, E)
  std::shared_ptr<nn::ModuleList> blocks;
  std::shared_ptr<nn::LayerNorm> final_norm;
  std::shared_ptr<nn::Linear> head;

 private:
  PriorConfig config_;
  std::vector<std::shared_ptr<nn::TransformerBlock>> block_list_;
};

// Checkpoints of a prior: the model, its optimizer and `metadata` plus the prior's shape
// ("prior_num_codes", "prior_grid", "prior_embed_dim", "prior_num_heads", "prior_layers").
void save_prior(const std::string& path, const CodePrior& prior, const nn::Optimizer& optimizer,
                nn::Metadata metadata = {});
// Reads the shape first: a checkpoint made for another codebook size or grid (or width) is a
// tg::Error naming the file and both values; then loads as nn::load_checkpoint does.
nn::Metadata load_prior(const std::string& path, CodePrior& prior, nn::Optimizer& optimizer);

}  // namespace tg::models
