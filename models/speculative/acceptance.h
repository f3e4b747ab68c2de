// The acceptance rules of speculative decoding as pure functions over next-token distributions
// (host vectors, one probability per vocabulary entry), so they can be tested on synthetic p and q:
// speculative sampling's min(1, p/q) test with its residual (Leviathan et al. 2023, Chen et al. 2023),
// Medusa's typical acceptance, and the expected number of tokens per target call.
#pragma once
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "models/gpt/sampling.h"

namespace tg::models {

// Probabilities over the vocabulary, summing to 1: f64 as models/gpt/sampling.h's probabilities()
// gives them; draws come from its sample_from (inverse CDF at one uniform of the generator).
using Distribution = std::vector<double>;

// norm(max(0, p - q)): where a rejected draft token's replacement is drawn from. When p <= q
// everywhere (p == q), the residual is empty and p itself is returned (a rejection then has
// probability 0 anyway).
Distribution residual_distribution(const Distribution& p, const Distribution& q);

// Verifies draft tokens x_1..x_g drawn from q_1..q_g against the target's p_1..p_{g+1} (p_{g+1} is
// the target's distribution after all g drafts). x_j is accepted with probability
// min(1, p_j(x_j) / q_j(x_j)); at the first rejection one token is drawn from norm(max(0, p_j - q_j))
// and the rest are dropped; when all g are accepted a bonus token is drawn from p_{g+1}. Every
// emitted token is then distributed exactly as the target would have sampled it.
struct Verification {
  int64_t accepted = 0;            // draft tokens accepted (0..g)
  std::vector<int64_t> tokens;     // accepted drafts, then the resampled or bonus token (accepted + 1)
};
Verification verify_draft(const std::vector<Distribution>& p, const std::vector<Distribution>& q,
                          const std::vector<int64_t>& drafts, Generator& gen);

// Medusa's typical acceptance (Cai et al. 2024, sec. 2.3.1): a candidate x is accepted when
//   p(x) > min(eps, delta * exp(-H(p))),   H(p) = -sum_v p(v) log p(v),
// so a confident target (low entropy) demands a likely candidate, a flat one accepts more.
bool typical_accept(const Distribution& p, int64_t x, double eps = 0.09, double delta = 0.3);
double entropy(const Distribution& p);  // nats

// With each draft token accepted independently with probability alpha, a target call with gamma
// drafts emits (1 - alpha^(gamma+1)) / (1 - alpha) tokens on average (Leviathan et al., eq. 1);
// gamma + 1 at alpha = 1.
double expected_tokens_per_call(double alpha, int64_t gamma);

}  // namespace tg::models
