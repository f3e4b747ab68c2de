// What every decoding method of this folder (and models/medusa, models/mtp) reports: the new tokens
// and the counts behind tokens/s, acceptance rate and tokens per target call. Plus the small pieces
// they share: a next-token distribution on the host from a logits row, and the length checks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "models/gpt/sampling.h"
#include "models/speculative/acceptance.h"

namespace tg::models {

struct DecodeStats {
  int64_t new_tokens = 0;
  int64_t target_calls = 0;  // verification passes, one per step (the prompt's prefill not counted)
  int64_t draft_calls = 0;   // forward passes of a separate draft model
  int64_t tested = 0;        // draft tokens the verification looked at (those after a rejection are not)
  int64_t accepted = 0;      // ... and accepted
  // alpha: the chance a tested draft token is accepted (accepted / tested, the maximum-likelihood
  // estimate when each is accepted independently).
  double acceptance_rate() const { return tested ? double(accepted) / double(tested) : 0.0; }
  double tokens_per_call() const { return target_calls ? double(new_tokens) / double(target_calls) : 0.0; }
};

struct Generation {
  std::vector<int64_t> tokens;  // the new tokens only
  DecodeStats stats;
};

// tokens[begin, min(end, size)) as a (1, T) i64 tensor on `device`: a batch of one for GPT::hidden.
Tensor token_batch(const std::vector<int64_t>& tokens, Device device, size_t begin = 0, size_t end = SIZE_MAX);

// Row t of a (1, T, X) tensor as (X): one position's logits or features.
Tensor position_row(const Tensor& x, int64_t t);

// The distribution the model samples its next token from under `opts` (temperature, top-k, top-p;
// at temperature 0 the one-hot of the argmax), from a logits row (V) on any device.
Distribution next_distribution(const Tensor& logits_row, const SamplingOptions& opts);

// Checks shared by the generators: a non-empty prompt of tokens in [0, vocab) that, with n_new new
// tokens, fits in the model's context, and valid sampling options; errors name `fn` and the value.
void check_generation(const char* fn, const std::vector<int64_t>& prompt, int64_t n_new, int64_t vocab,
                      int64_t context, const SamplingOptions& opts);

}  // namespace tg::models
