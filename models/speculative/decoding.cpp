// Host-side next-token distributions and the argument checks the generators share.
#include "models/speculative/decoding.h"

#include <algorithm>

#include "autograd/ops/shape.h"
#include "core/creation.h"
#include "core/error.h"

namespace tg::models {

Tensor token_batch(const std::vector<int64_t>& tokens, Device device, size_t begin, size_t end) {
  end = std::min(end, tokens.size());
  return from_host<int64_t>(tokens.data() + begin, {1, int64_t(end - begin)}, {.dtype = DType::i64, .device = device});
}

Tensor position_row(const Tensor& x, int64_t t) { return reshape(slice(x, 1, t, t + 1), {x.size(2)}); }

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
