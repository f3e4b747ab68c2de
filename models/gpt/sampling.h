// Sampling the next token from a row of logits, and generating text with a GPT and its KV cache.
// The distribution is tempered and filtered the usual way, in this order:
//   p = softmax(logits / temperature);  keep the top_k largest (0: all);  keep the smallest set of
//   largest probabilities whose sum reaches top_p (the nucleus, Holtzman et al. 2020);  renormalise.
// temperature 0 is greedy decoding: all mass on the argmax (the lowest index among ties).
// probabilities() returns that distribution, as speculative sampling needs p and q explicitly.
#pragma once
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "models/gpt/gpt.h"

namespace tg::models {

struct SamplingOptions {
  double temperature = 1.0;  // >= 0
  int64_t top_k = 0;         // >= 0; 0 keeps every token
  double top_p = 1.0;        // in (0, 1]
};

// Throws tg::Error naming the value when an option is out of range.
void check_sampling_options(const SamplingOptions& o);

// logits_row (V) on any device -> (V) f64 on the CPU, summing to 1.
Tensor probabilities(const Tensor& logits_row, const SamplingOptions& o);
// One draw from probabilities(logits_row, o): one uniform from gen (none when greedy).
int64_t sample_token(const Tensor& logits_row, const SamplingOptions& o, Generator& gen);
// The index drawn from probability vector p by inverse CDF at one uniform from gen.
int64_t sample_from(const std::vector<double>& p, Generator& gen);
// The next uniform in [0, 1) of gen (a Philox draw on the host).
double uniform(Generator& gen);

// `prompt` (non-empty, tokens < vocab) followed by n_new sampled tokens, returned without the prompt.
// The prompt goes through the model in one pass that fills the cache, then one token per step.
// A prompt plus n_new beyond the model's context is a tg::Error naming the lengths.
std::vector<int64_t> generate(const GPT& model, const std::vector<int64_t>& prompt, int64_t n_new,
                              const SamplingOptions& o, Generator& gen);

// Greedy continuations of many prompts at once: prompts (B, P) i64 -> (B, P + n_new) i64, each row
// its prompt followed by the model's n_new greedy tokens, all rows decoded together through one
// cache (one (B, 1) pass per step). Row b is generate(model, prompts[b], n_new, {.temperature = 0})
// up to ties in floating point. The last new token is never fed, so P + n_new - 1 may reach the
// context: a window of context + 1 tokens for next-token training.
Tensor greedy_continuations(const GPT& model, const Tensor& prompts, int64_t n_new);

}  // namespace tg::models
