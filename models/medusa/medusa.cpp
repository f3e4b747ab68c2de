// Medusa heads, their training loss on a frozen target, and tree decoding with greedy or typical
// acceptance. Between steps the KV cache holds seq (the prompt and every emitted token) except the
// root, the target's next token, which the next tree pass feeds as node 0.
#include "models/medusa/medusa.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"
#include "nn/init.h"
#include "nn/safetensors.h"

namespace tg::models {

MedusaHeads::MedusaHeads(int64_t embed, int64_t heads, Generator& gen) : embed(embed) {
  TG_CHECK(heads >= 1, "MedusaHeads: {} heads (at least one)", heads);
  for (int64_t k = 0; k < heads; ++k) {
    auto linear = register_module(std::to_string(k), std::make_shared<nn::Linear>(embed, embed, true, gen));
    nn::init::zeros_(linear->weight);  // the head starts as the target's own next-token head
    blocks.push_back(linear);
  }
}

Tensor MedusaHeads::features(const Tensor& h, int64_t k) const {
  TG_CHECK(k >= 0 && k < num_heads(), "MedusaHeads::features: head {} of {}", k, num_heads());
  return h + silu((*blocks[size_t(k)])(h));
}

MedusaLoss medusa_loss(const GPT& target, const MedusaHeads& heads, const Tensor& inputs, const Tensor& targets) {
  TG_CHECK(inputs.dim() == 2 && targets.shape() == inputs.shape() && inputs.size(1) > heads.num_heads(),
           "medusa_loss: inputs {:h} and targets {:h} must both be (B, T) with T > {} (the number of heads)", inputs,
           targets, heads.num_heads());
  const int64_t T = inputs.size(1), V = target.config().vocab;
  Tensor h;
  {
    NoGradGuard no_grad;
    h = target.hidden(inputs);  // (B, T, E)
  }
  MedusaLoss out;
  double weight = 1;
  for (int64_t k = 0; k < heads.num_heads(); ++k, weight *= 0.8) {
    // head k at position i guesses token i + k + 2 = targets[:, i + k + 1], for i in [0, T - k - 1)
    Tensor logits = reshape(target.logits(heads.features(slice(h, 1, 0, T - k - 1), k)), {-1, V});
    Tensor y = reshape(slice(targets, 1, k + 1, T), {-1});
    Tensor ce = cross_entropy(logits, y) * weight;
    out.loss = out.loss.defined() ? out.loss + ce : ce;
    NoGradGuard no_grad;
    out.accuracy.push_back(mean(eq(argmax(logits, 1), y).to(DType::f32)).item<double>());
  }
  return out;
}

void save_medusa(const std::string& path, const MedusaHeads& heads) {
  NamedTensors tensors;
  for (const auto& [name, t] : heads.named_parameters()) tensors.emplace_back(name, t.to(Device::cpu));
  save_safetensors(path, tensors, {{"medusa_heads", std::to_string(heads.num_heads())},
                                   {"embed", std::to_string(heads.embed)}});
}

std::shared_ptr<MedusaHeads> load_medusa(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  auto number = [&](const char* key) {
    auto it = file.metadata.find(key);
    TG_CHECK(it != file.metadata.end(), "load_medusa: {} has no '{}' in its metadata (not a Medusa checkpoint)",
             path, key);
    return std::stoll(it->second);
  };
  Generator gen(0);
  auto heads = std::make_shared<MedusaHeads>(number("embed"), number("medusa_heads"), gen);
  nn::StateDict state;
  for (const auto& [name, t] : file.tensors) state.insert(name, t);
  heads->load_state_dict(state);
  return heads;
}

Tensor tree_attention_mask(const TokenTree& tree, int64_t past, Device device) {
  const int64_t n = tree.size();
  std::vector<uint8_t> ancestors = tree_mask(tree);
  std::vector<float> mask(size_t(n * (past + n)), 1.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) mask[size_t(i * (past + n) + past + j)] = ancestors[size_t(i * n + j)];
  return from_host<float>(mask.data(), {n, past + n}, {.device = device});
}

namespace {

// softmax(logits / temperature) of one host row.
Distribution softmax_row(const float* logits, int64_t V, double temperature) {
  Distribution p(static_cast<size_t>(V));
  const float m = *std::max_element(logits, logits + V);
  double total = 0;
  for (int64_t v = 0; v < V; ++v) total += p[size_t(v)] = std::exp((logits[v] - m) / temperature);
  for (double& x : p) x /= total;
  return p;
}

int64_t argmax_row(const float* logits, int64_t V) { return int64_t(std::max_element(logits, logits + V) - logits); }

// The target's own token after a node: its argmax (greedy) or a draw at the temperature (typical).
int64_t pick(const float* logits, int64_t V, const MedusaOptions& o, Generator& gen) {
  if (o.acceptance == MedusaAcceptance::Greedy) return argmax_row(logits, V);
  return sample_from(softmax_row(logits, V, o.temperature), gen);
}

// Head d's best `widths[d]` tokens, best first, from the hidden state h (1, 1, E).
std::vector<std::vector<int64_t>> head_topk(const GPT& target, const MedusaHeads& heads, const Tensor& h,
                                            const std::vector<int64_t>& widths) {
  std::vector<std::vector<int64_t>> topk;
  for (size_t d = 0; d < widths.size(); ++d) {
    std::vector<float> logits = target.logits(heads.features(h, int64_t(d))).to_vector<float>();
    std::vector<int64_t> idx(logits.size());
    std::iota(idx.begin(), idx.end(), 0);
    const int64_t w = std::min<int64_t>(widths[d], int64_t(idx.size()));
    std::partial_sort(idx.begin(), idx.begin() + w, idx.end(),
                      [&](int64_t a, int64_t b) { return logits[size_t(a)] > logits[size_t(b)]; });
    topk.emplace_back(idx.begin(), idx.begin() + w);
  }
  return topk;
}

}  // namespace

Generation medusa_generate(const GPT& target, const MedusaHeads& heads, const std::vector<int64_t>& prompt,
                           int64_t n_new, const MedusaOptions& o, Generator& gen) {
  const GPTConfig& cfg = target.config();
  const int64_t V = cfg.vocab;
  check_generation("medusa_generate", prompt, n_new, V, cfg.context, {.temperature = o.temperature});
  TG_CHECK(o.tree.max_depth() <= heads.num_heads(), "medusa_generate: the tree is {} deep but there are {} heads",
           o.tree.max_depth(), heads.num_heads());
  TG_CHECK(heads.embed == cfg.embed, "medusa_generate: the heads take {} features, the target gives {}", heads.embed,
           cfg.embed);
  // widths[d]: how many of head d's tokens the tree uses (its largest rank at depth d + 1, plus one)
  std::vector<int64_t> widths(size_t(o.tree.max_depth()), 0);
  for (const auto& c : o.tree.choices) widths[c.size() - 1] = std::max(widths[c.size() - 1], c.back() + 1);
  for (size_t d = 0; d < widths.size(); ++d)
    TG_CHECK(widths[d] <= V, "medusa_generate: the tree uses rank {} of head {}, but the vocabulary lists {} tokens",
             widths[d] - 1, d + 1, V);
  const TokenTree root_only = make_tree({});

  NoGradGuard no_grad;
  GPTCache cache(cfg);
  const Device device = target.tok_emb->weight.device();
  auto on_device = [&](const std::vector<int64_t>& v, Shape shape) {
    return from_host<int64_t>(v.data(), shape, {.dtype = DType::i64, .device = device});
  };
  Generation out;
  std::vector<int64_t> seq = prompt;
  const size_t end = prompt.size() + size_t(n_new);
  Tensor h = target.hidden(on_device(seq, {1, int64_t(seq.size())}), &cache);
  Tensor h_last = slice(h, 1, h.size(1) - 1, h.size(1));
  int64_t root = pick(target.logits(h_last).to_vector<float>().data(), V, o, gen);
  std::vector<std::vector<int64_t>> topk = head_topk(target, heads, h_last, widths);
  while (seq.size() + 1 < end) {
    const int64_t past = cache.length();
    // the whole tree while it fits in the context, then the root alone (a plain decoding step)
    const TokenTree& tree = past + o.tree.size() <= cfg.context ? o.tree : root_only;
    std::vector<int64_t> tokens = tree_tokens(tree, root, topk), positions = tree_positions(tree, past);
    h = target.hidden(on_device(tokens, {1, tree.size()}), &cache, on_device(positions, {tree.size()}),
                      tree_attention_mask(tree, past, device));
    std::vector<float> logits = target.logits(h).to_vector<float>();  // (N, V) on the host
    ++out.stats.target_calls;
    // the longest prefix of a root-to-leaf path whose every node the target accepts after its parent
    const std::vector<int64_t>* best = &tree.paths[0];
    int64_t best_len = 0;
    for (const auto& path : tree.paths) {
      int64_t len = 0;
      for (size_t j = 1; j < path.size(); ++j) {
        const float* parent = logits.data() + path[j - 1] * V;
        const int64_t x = tokens[size_t(path[j])];
        bool ok = o.acceptance == MedusaAcceptance::Greedy
                      ? argmax_row(parent, V) == x
                      : typical_accept(softmax_row(parent, V, o.temperature), x, o.eps, o.delta);
        if (!ok) break;
        ++len;
      }
      if (len > best_len) best = &path, best_len = len;
    }
    out.stats.accepted += best_len;
    out.stats.tested += std::min<int64_t>(best_len + 1, int64_t(best->size()) - 1);
    std::vector<int64_t> kept(best->begin(), best->begin() + best_len + 1), kept_positions;
    for (int64_t node : kept) {
      seq.push_back(tokens[size_t(node)]);
      kept_positions.push_back(past + node);  // the node's entry in the cache
    }
    cache.keep(past, kept_positions);
    const int64_t last = kept.back();
    root = pick(logits.data() + last * V, V, o, gen);
    topk = head_topk(target, heads, slice(h, 1, last, last + 1), widths);
  }
  if (seq.size() < end) seq.push_back(root);  // the last token is known without another pass
  seq.resize(end);
  out.tokens.assign(seq.begin() + int64_t(prompt.size()), seq.end());
  out.stats.new_tokens = int64_t(out.tokens.size());
  return out;
}

}  // namespace tg::models
