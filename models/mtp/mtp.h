// Multi-token prediction, DeepSeek-V3 style (DeepSeek-AI 2024, sec. 2.2), with one module (depth 1).
// At position i the main model's hidden state h_i and the embedding of the next token t_{i+1} are
// joined and passed through one transformer block to predict t_{i+2}:
//   h'_i = M [RMSNorm(h_i); RMSNorm(Emb(t_{i+1}))],   logits_i = Head(RMSNorm(Block(h'_{<=i})))
// sharing the main model's embedding and output head. Trained jointly with the main model,
// L = L_main + lambda L_mtp (lambda = 0.3); at inference the module drafts one token ahead of the
// target's own next token (self-speculative decoding).
#pragma once
#include <memory>
#include <string>

#include "models/gpt/gpt.h"
#include "models/speculative/decoding.h"
#include "nn/kv_cache.h"
#include "nn/linear.h"
#include "nn/rms_norm.h"

namespace tg::models {

class MTPModule : public nn::Module {
 public:
  // The block is one of the main model's own kind (GPTBlock), sized by its config.
  explicit MTPModule(const GPTConfig& config, Generator& gen = default_generator());
  // h (B, T, E): the main model's hidden states at positions i; next_emb (B, T, E): Emb(t_{i+1}).
  // Returns the normalised features (B, T, E) whose logits (through the main model's head) guess
  // t_{i+2}. With a cache, the T positions follow the cached ones (causal over all).
  Tensor forward(const Tensor& h, const Tensor& next_emb, nn::KVCache* cache = nullptr) const;
  GPTConfig config;
  std::shared_ptr<nn::RMSNorm> norm_h, norm_e, norm_out;
  std::shared_ptr<nn::Linear> proj;  // (E, 2E), no bias: M above
  std::shared_ptr<GPTBlock> block;
};

// The joint loss on windows (data/text.h's make_windows): inputs (B, T) i64 and targets (B, T), the
// next token t_{i+1} at each position i. The main model's next-token cross-entropy over T positions
// plus lambda times the module's cross-entropy for t_{i+2} = targets[:, i + 1] over T - 1 positions.
struct MTPLoss {
  Tensor loss, main, mtp;  // loss = main + lambda mtp
  double mtp_accuracy = 0;  // the module's top-1 accuracy on t_{i+2}
};
MTPLoss mtp_loss(const GPT& model, const MTPModule& mtp, const Tensor& inputs, const Tensor& targets,
                 double lambda = 0.3);

// The module with its main model's config in the metadata (GPTConfig::metadata's keys).
void save_mtp(const std::string& path, const MTPModule& mtp);
std::shared_ptr<MTPModule> load_mtp(const std::string& path);

// Self-speculative decoding: each step feeds the target's next token r and the module's guess d
// for the token after it through the model in one pass; d is accepted by speculative sampling's
// rule (at temperature 0: when it is the model's argmax), so the output follows the model's own
// distribution (greedy: its greedy text) at one pass per 1-2 tokens. stats: tested/accepted count
// the module's drafts (acceptance rate = DeepSeek-V3's "second token acceptance").
Generation mtp_generate(const GPT& model, const MTPModule& mtp, const std::vector<int64_t>& prompt, int64_t n_new,
                        const SamplingOptions& opts, Generator& gen);

}  // namespace tg::models
