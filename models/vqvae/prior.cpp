// The causal transformer prior over VQ codes (see prior.h): embeddings, blocks, teacher-forced
// loss, KV-cached sampling, and checkpoints that know their codebook.
#include "models/vqvae/prior.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/safetensors.h"

namespace tg::models {

CodePrior::CodePrior(PriorConfig config, Generator& init) : config_(config) {
  TG_CHECK(config.num_codes >= 2, "CodePrior: the codebook needs at least 2 codes, got num_codes {}", config.num_codes);
  TG_CHECK(config.grid >= 1 && config.layers >= 1, "CodePrior: grid {} and layers {} must be positive", config.grid,
           config.layers);
  const int64_t E = config.embed_dim;
  token_embedding = register_module("token_embedding", std::make_shared<nn::Embedding>(config.num_codes + 1, E, init));
  // GPT-2's N(0, 0.02) for both embeddings: N(0, 1) would swamp the LayerNorm-ed residual stream at first.
  nn::init::normal_(token_embedding->weight, init, 0, 0.02);
  position_embedding = register_parameter("position_embedding", empty({length(), E}));
  nn::init::normal_(position_embedding, init, 0, 0.02);
  blocks = register_module("blocks", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < config.layers; ++i)
    block_list_.push_back(blocks->push_back(std::make_shared<nn::TransformerBlock>(E, config.num_heads, 4, init)));
  final_norm = register_module("final_norm", std::make_shared<nn::LayerNorm>(E));
  head = register_module("head", std::make_shared<nn::Linear>(E, config.num_codes, true, init));
}

Tensor CodePrior::forward(const Tensor& tokens, int64_t start, std::vector<nn::KVCache>* caches) const {
  TG_CHECK(tokens.dim() == 2 && (tokens.dtype() == DType::i64 || tokens.dtype() == DType::i32),
           "CodePrior: tokens {} must be (B, L) integers", describe(tokens));
  const int64_t L = tokens.size(1);
  TG_CHECK(start >= 0 && L >= 1 && start + L <= length(), "CodePrior: positions [{}, {}) outside the {} of a {}x{} grid",
           start, start + L, length(), config_.grid, config_.grid);
  TG_CHECK(!caches || int64_t(caches->size()) == config_.layers, "CodePrior: {} caches for {} layers",
           caches ? caches->size() : 0, config_.layers);
  // x (B, L, E): what the token is plus where it is
  Tensor x = add(token_embedding->forward(tokens), slice(position_embedding, 0, start, start + L));
  for (size_t i = 0; i < block_list_.size(); ++i)
    x = block_list_[i]->forward(x, /*causal=*/true, caches ? &(*caches)[i] : nullptr);
  return head->forward(final_norm->forward(x));
}

Tensor CodePrior::logits(const Tensor& codes) const {
  TG_CHECK(codes.dim() == 2 && codes.size(1) == length(), "CodePrior: codes {} must be (B, {})", describe(codes),
           length());
  // inputs [BOS, c_0, ..., c_{T-2}]: position t sees the codes before c_t only
  Tensor bos_column = full({codes.size(0), 1}, double(bos()), {.dtype = codes.dtype(), .device = codes.device()});
  return forward(cat({bos_column, slice(codes, 1, 0, length() - 1)}, 1));
}

Tensor CodePrior::loss(const Tensor& codes) const {
  Tensor l = logits(codes);  // (B, T, K)
  return cross_entropy(reshape(l, {-1, config_.num_codes}), reshape(codes, {-1}));
}

namespace {

// One draw from softmax(logits / temperature) over the top_k largest logits (all when top_k = 0),
// by inverse CDF with u in [0, 1). Ties in the ranking go to the lower code.
int64_t draw(const float* logits, int64_t K, double temperature, int64_t top_k, double u) {
  std::vector<int64_t> order(static_cast<size_t>(K));
  std::iota(order.begin(), order.end(), 0);
  const int64_t kept = top_k > 0 ? std::min(top_k, K) : K;
  if (kept < K)
    std::partial_sort(order.begin(), order.begin() + kept, order.end(), [logits](int64_t a, int64_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
  const double top = kept < K ? logits[order[0]] : *std::max_element(logits, logits + K);
  std::vector<double> p(static_cast<size_t>(kept));
  double total = 0;
  for (int64_t i = 0; i < kept; ++i)  // exp((l - l_max) / T): the largest term is 1, nothing overflows
    total += p[size_t(i)] = std::exp((double(logits[order[size_t(i)]]) - top) / temperature);
  double target = u * total, cumulative = 0;
  for (int64_t i = 0; i < kept; ++i) {
    cumulative += p[size_t(i)];
    if (target < cumulative) return order[size_t(i)];
  }
  return order[size_t(kept - 1)];  // u * total rounded up to the total
}

}  // namespace

Tensor CodePrior::sample(int64_t n, double temperature, int64_t top_k, Generator& gen) const {
  TG_CHECK(n >= 1, "CodePrior::sample: n must be positive, got {}", n);
  TG_CHECK(temperature > 0 && std::isfinite(temperature), "CodePrior::sample: temperature must be positive, got {}",
           temperature);
  TG_CHECK(top_k >= 0 && top_k <= config_.num_codes, "CodePrior::sample: top_k must be in [0, {}], got {}",
           config_.num_codes, top_k);
  NoGradGuard no_grad;
  const int64_t T = length(), K = config_.num_codes;
  const Device device = position_embedding.device();
  std::vector<nn::KVCache> caches(size_t(config_.layers));
  std::vector<int64_t> codes(size_t(n * T)), next(size_t(n), bos());
  for (int64_t t = 0; t < T; ++t) {
    // the token chosen last (BOS first) goes in at position t; its logits give the code c_t
    Tensor token = from_host(next.data(), {n, 1}, {.dtype = DType::i64, .device = device});
    std::vector<float> logits = forward(token, t, &caches).to_vector<float>();  // (n, 1, K)
    std::vector<double> u = rand({n}, gen, {.dtype = DType::f64, .device = device}).to_vector<double>();
    for (int64_t b = 0; b < n; ++b) {
      next[size_t(b)] = draw(logits.data() + b * K, K, temperature, top_k, u[size_t(b)]);
      codes[size_t(b * T + t)] = next[size_t(b)];
    }
  }
  return from_host(codes.data(), {n, T}, {.dtype = DType::i64, .device = device});
}

namespace {

nn::Metadata shape_metadata(const PriorConfig& c) {
  return {{"prior_num_codes", std::to_string(c.num_codes)}, {"prior_grid", std::to_string(c.grid)},
          {"prior_embed_dim", std::to_string(c.embed_dim)}, {"prior_num_heads", std::to_string(c.num_heads)},
          {"prior_layers", std::to_string(c.layers)}};
}

}  // namespace

void save_prior(const std::string& path, const CodePrior& prior, const nn::Optimizer& optimizer,
                nn::Metadata metadata) {
  for (auto& [key, value] : shape_metadata(prior.config())) metadata[key] = value;
  nn::save_checkpoint(path, prior, optimizer, metadata);
}

nn::Metadata load_prior(const std::string& path, CodePrior& prior, nn::Optimizer& optimizer) {
  const nn::Metadata stored = load_safetensors(path).metadata;
  for (auto& [key, want] : shape_metadata(prior.config())) {
    const std::string& have = nn::metadata_at(stored, key, path);
    TG_CHECK(have == want, "load_prior: {} is a prior for {} {}, but this prior has {} {}{}", path, key, have, key,
             want, key == "prior_num_codes" ? " (it was trained on another codebook)" : "");
  }
  return nn::load_checkpoint(path, prior, optimizer);
}

}  // namespace tg::models
