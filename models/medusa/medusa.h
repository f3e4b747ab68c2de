// Medusa (Cai et al. 2024): K extra decoding heads on a frozen target GPT. Head k (k = 1..K) maps
// the target's last hidden state h_i to a guess of token i + 1 + k through a residual SiLU block
// and the target's own (tied) output head:  logits_k = target.logits(h + silu(W_k h + b_k)).
// With W_k = 0 at the start, every head begins as the target's next-token head (Medusa-1 init).
// Decoding builds a tree of candidates from the heads' top-k and verifies it in one target pass.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/gpt/gpt.h"
#include "models/medusa/tree.h"
#include "models/speculative/decoding.h"
#include "nn/linear.h"

namespace tg::models {

class MedusaHeads : public nn::Module {
 public:
  MedusaHeads(int64_t embed, int64_t heads, Generator& gen = default_generator());
  // Head k's features h + silu(W_k h + b_k), k in [0, K): h (..., E) -> (..., E).
  Tensor features(const Tensor& h, int64_t k) const;
  int64_t num_heads() const { return int64_t(blocks.size()); }
  int64_t embed;
  std::vector<std::shared_ptr<nn::Linear>> blocks;  // parameters "<k>.weight", "<k>.bias"
};

// The Medusa-1 loss on windows (data/text.h's make_windows): inputs (B, T) i64 and targets (B, T), the
// next token at each position. The target (frozen, run without the tape) gives h over the inputs;
// head k (0-based) at position i is scored on token i + k + 2 = targets[:, i + k + 1] by
// cross-entropy, summed over heads with Medusa's weights 0.8^k. Also each head's top-1 accuracy.
struct MedusaLoss {
  Tensor loss;
  std::vector<double> accuracy;  // per head
};
MedusaLoss medusa_loss(const GPT& target, const MedusaHeads& heads, const Tensor& inputs, const Tensor& targets);

// Heads with their config in the file's metadata ("medusa_heads", "embed").
void save_medusa(const std::string& path, const MedusaHeads& heads);
std::shared_ptr<MedusaHeads> load_medusa(const std::string& path);

enum class MedusaAcceptance { Greedy, Typical };
struct MedusaOptions {
  TokenTree tree = make_tree(mc_sim_7b_63(4));  // 5 nodes: on 2 CPU cores a pass of more rows costs more than it gains
  MedusaAcceptance acceptance = MedusaAcceptance::Greedy;
  // Typical: the target's tokens (root and bonus) are sampled at this temperature, and a candidate x
  // after node u is accepted when p_u(x) > min(eps, delta exp(-H(p_u))), p_u = softmax(logits_u / T).
  double temperature = 0.7, eps = 0.09, delta = 0.3;
};

// n_new tokens after `prompt`. Each step feeds the tree (the root: the target's next token, and the
// heads' candidates) through the target in one pass with the tree mask, keeps the longest accepted
// root-to-leaf prefix in the KV cache and drops the other nodes. Greedy acceptance reproduces the
// target's greedy output token for token. stats.tested/accepted count candidates along the chosen path.
Generation medusa_generate(const GPT& target, const MedusaHeads& heads, const std::vector<int64_t>& prompt,
                           int64_t n_new, const MedusaOptions& options, Generator& gen);

// The (N, past + N) keep-mask of a tree pass: every node sees the `past` cached positions and its
// ancestors (tree_mask), as f32 0/1 on `device` for GPT::hidden's attn_mask.
Tensor tree_attention_mask(const TokenTree& tree, int64_t past, Device device = Device::cpu);

}  // namespace tg::models
