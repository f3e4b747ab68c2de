// A character (byte) GPT: token + learned position embeddings, pre-norm transformer blocks on the
// tiled attention op, a final RMSNorm and an output head tied to the token embedding:
//   h_0 = E[t] + P[pos];   h = h + attn(rms1(h));   h = h + mlp(rms2(h));   logits = rms_f(h) E^T
// Blocks use RMSNorm (LLaMA), attention and MLP without biases, SiLU in the MLP (E -> 4E -> E).
// Initialisation is GPT-2's: every weight N(0, 0.02), the two residual projections of each block
// N(0, 0.02 / sqrt(2 layers)), norms at one. A GPTCache holds one preallocated KVCache per layer
// for decoding: truncate() rolls back rejected draft tokens, keep() compacts an accepted tree path.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/embedding.h"
#include "nn/mlp.h"
#include "nn/multihead_attention.h"
#include "nn/rms_norm.h"

namespace tg::models {

struct GPTConfig {
  int64_t vocab = 256, context = 256, embed = 256, layers = 6, heads = 8;
  static GPTConfig target() { return {}; }                                   // ~4.8M parameters
  static GPTConfig draft() { return {.embed = 128, .layers = 2, .heads = 4}; }  // ~0.46M parameters
  bool operator==(const GPTConfig&) const = default;
  std::string str() const;  // "vocab 256, context 256, embed 256, layers 6, heads 8"
  // The config as safetensors metadata ("gpt.vocab", ...) and back (tg::Error naming the file when
  // a key is missing or not a positive number).
  std::map<std::string, std::string> metadata() const;
  static GPTConfig from_metadata(const std::map<std::string, std::string>& metadata, const std::string& path);
};

// One KV cache per layer, each preallocated to config.context positions.
class GPTCache {
 public:
  explicit GPTCache(const GPTConfig& config);
  int64_t length() const { return layers_.front().length(); }
  void truncate(int64_t length);                                      // O(1), nothing copied
  void keep(int64_t prefix, const std::vector<int64_t>& positions);  // see nn::KVCache::keep
  void clear() { truncate(0); }
  nn::KVCache& layer(size_t i) { return layers_.at(i); }

 private:
  std::vector<nn::KVCache> layers_;
};

class GPTBlock : public nn::Module {
 public:
  GPTBlock(const GPTConfig& c, Generator& gen);
  Tensor forward(const Tensor& x, nn::KVCache* cache, const Tensor& attn_mask) const;
  std::shared_ptr<nn::RMSNorm> norm1, norm2;
  std::shared_ptr<nn::MultiHeadAttention> attn;
  std::shared_ptr<nn::MLP> mlp;
};

class GPT : public nn::Module {
 public:
  explicit GPT(GPTConfig config = {}, Generator& gen = default_generator());
  const GPTConfig& config() const { return config_; }
  int64_t num_parameters() const;

  // tokens (B, T) i64 -> (B, T, E), the hidden states after the final norm. With a cache, the T
  // tokens follow its length() cached positions and their keys and values are appended to it.
  // positions (T) i64: the position of each token (default cache length + 0..T-1; a candidate tree
  // gives siblings the same position). attn_mask (T, cached + T): nonzero = the query may attend to
  // the key; default causal. With a mask, causal is not added: the mask says everything.
  Tensor hidden(const Tensor& tokens, GPTCache* cache = nullptr, const Tensor& positions = {},
                const Tensor& attn_mask = {}) const;
  Tensor logits(const Tensor& h) const;  // (B, T, E) -> (B, T, V), the tied head h E^T
  Tensor last_logits(const Tensor& h) const;  // (B, T, E) -> (B, 1, V), the head on the last position only
  Tensor forward(const Tensor& tokens, GPTCache* cache = nullptr) const { return logits(hidden(tokens, cache)); }
  Tensor operator()(const Tensor& tokens, GPTCache* cache = nullptr) const { return forward(tokens, cache); }
  Tensor embed_tokens(const Tensor& tokens) const;  // (B, T) -> (B, T, E), token embedding only
  // Mean next-token cross-entropy in nats of (B, T) inputs and targets.
  Tensor loss(const Tensor& inputs, const Tensor& targets) const;

  std::shared_ptr<nn::Embedding> tok_emb, pos_emb;
  std::vector<std::shared_ptr<GPTBlock>> blocks;
  std::shared_ptr<nn::RMSNorm> norm_f;

 private:
  GPTConfig config_;
};

// The weights (names as named_parameters) with the config and `metadata` in the file's metadata.
void save_gpt(const std::string& path, const GPT& model, const std::map<std::string, std::string>& metadata = {});
// A model built from the config in the file's metadata, with its weights (on the CPU, f32). Reads
// save_gpt's files and train_lm's resumable checkpoints (nn::save_checkpoint with the config).
std::shared_ptr<GPT> load_gpt(const std::string& path);

}  // namespace tg::models
