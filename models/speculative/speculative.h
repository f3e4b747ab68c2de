// Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): a small draft model proposes
// gamma tokens one by one, the target scores all gamma + 1 positions in one pass over its KV cache,
// and models/speculative/acceptance.h's rule keeps a prefix of them plus one token of its own, so
// the output follows the target's distribution exactly (at temperature 0: the target's greedy text)
// while the target runs once per 1..gamma+1 tokens.
#pragma once
#include "models/gpt/gpt.h"
#include "models/speculative/decoding.h"

namespace tg::models {

// n_new tokens after `prompt`. The draft must share the target's vocabulary, gamma >= 1, and
// prompt + n_new must fit in both contexts (tg::Error naming the value otherwise). Near the end the
// number of drafts shrinks so that no position past prompt + n_new is computed.
Generation speculative_generate(const GPT& target, const GPT& draft, const std::vector<int64_t>& prompt,
                                int64_t n_new, int64_t gamma, const SamplingOptions& opts, Generator& gen);

}  // namespace tg::models
