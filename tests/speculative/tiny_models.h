// Helpers of the decoding tests: tiny random GPTs, the target's greedy text, and the exact joint
// distribution of a model's first two sampled tokens (enumerated with plain forward passes), which
// the chi-square tests compare sampled pairs against.
#pragma once
#include <memory>
#include <vector>

#include "models/gpt/gpt.h"
#include "models/gpt/sampling.h"
#include "models/speculative/decoding.h"
#include "test_util.h"

namespace tg::test {

inline std::shared_ptr<models::GPT> tiny_gpt(int64_t vocab, int64_t embed, int64_t layers, uint64_t seed,
                                             int64_t context = 64) {
  Generator gen(seed);
  return std::make_shared<models::GPT>(
      models::GPTConfig{.vocab = vocab, .context = context, .embed = embed, .layers = layers, .heads = 2}, gen);
}

inline Tensor token_row(const std::vector<int64_t>& seq) {
  return from_host<int64_t>(seq.data(), {1, int64_t(seq.size())}, {.dtype = DType::i64});
}

inline std::vector<int64_t> greedy_text(const models::GPT& model, const std::vector<int64_t>& prompt, int64_t n) {
  Generator gen(0);
  return models::generate(model, prompt, n, {.temperature = 0}, gen);
}

// The model's next-token distribution after `seq`, from a plain forward pass without a cache.
inline models::Distribution exact_next(const models::GPT& model, const std::vector<int64_t>& seq,
                                       const models::SamplingOptions& opts) {
  NoGradGuard no_grad;
  Tensor logits = model.forward(token_row(seq));
  return models::next_distribution(reshape(slice(logits, 1, logits.size(1) - 1, logits.size(1)), {logits.size(2)}),
                                   opts);
}

// P(t1 = a, t2 = b) = p(a | prompt) p(b | prompt, a), at index a * V + b.
inline std::vector<double> exact_pairs(const models::GPT& model, const std::vector<int64_t>& prompt,
                                       const models::SamplingOptions& opts) {
  const int64_t V = model.config().vocab;
  models::Distribution p1 = exact_next(model, prompt, opts);
  std::vector<double> joint;
  for (int64_t a = 0; a < V; ++a) {
    std::vector<int64_t> seq = prompt;
    seq.push_back(a);
    models::Distribution p2 = exact_next(model, seq, opts);
    for (int64_t b = 0; b < V; ++b) joint.push_back(p1[size_t(a)] * p2[size_t(b)]);
  }
  return joint;
}

}  // namespace tg::test
