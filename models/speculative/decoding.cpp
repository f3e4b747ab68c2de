// Host-side next-token distributions and the argument checks the generators share.
#include "models/speculative/decoding.h"

#include "core/error.h"

namespace tg::models {

Distribution next_distribution(const Tensor& logits_row, const SamplingOptions& opts) {
  return probabilities(logits_row, opts).to_vector<double>();
}

void check_generation(const char* fn, const std::vector<int64_t>& prompt, int64_t n_new, int64_t vocab,
                      int64_t context, const SamplingOptions& opts) {
  TG_CHECK(!prompt.empty(), "{}: the prompt is empty (it needs at least one token)", fn);
  TG_CHECK(n_new >= 0, "{}: n_new = {} is negative", fn, n_new);
  TG_CHECK(int64_t(prompt.size()) + n_new <= context,
           "{}: the prompt ({} tokens) and {} new tokens make {}, longer than the context of {}", fn, prompt.size(),
           n_new, int64_t(prompt.size()) + n_new, context);
  for (size_t i = 0; i < prompt.size(); ++i)
    TG_CHECK(prompt[i] >= 0 && prompt[i] < vocab, "{}: prompt token {} at {} is outside the vocabulary [0, {})", fn,
             prompt[i], i, vocab);
  check_sampling_options(opts);
}

}  // namespace tg::models
