// Speculative sampling's accept/resample rule, typical acceptance and the tokens-per-call formula.
#include "models/speculative/acceptance.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tg::models {

Distribution residual_distribution(const Distribution& p, const Distribution& q) {
  TG_CHECK(p.size() == q.size(), "residual_distribution: p has {} entries but q has {} (different vocabularies)",
           p.size(), q.size());
  Distribution r(p.size());
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    r[i] = std::max(0.0, p[i] - q[i]);
    total += r[i];
  }
  if (total <= 0) return p;
  for (double& v : r) v /= total;
  return r;
}

Verification verify_draft(const std::vector<Distribution>& p, const std::vector<Distribution>& q,
                          const std::vector<int64_t>& drafts, Generator& gen) {
  const size_t g = drafts.size();
  TG_CHECK(q.size() == g && p.size() == g + 1,
           "verify_draft: {} draft tokens need {} draft and {} target distributions, got {} and {}", g, g, g + 1,
           q.size(), p.size());
  Verification v;
  for (size_t j = 0; j < g; ++j) {
    const int64_t x = drafts[j], vocab = int64_t(p[j].size());
    TG_CHECK(int64_t(q[j].size()) == vocab, "verify_draft: target vocabulary {} but draft vocabulary {}", vocab,
             q[j].size());
    TG_CHECK(x >= 0 && x < vocab, "verify_draft: draft token {} outside the vocabulary [0, {})", x, vocab);
    TG_CHECK(q[j][x] > 0, "verify_draft: draft token {} at step {} has draft probability 0 (not drawn from q)", x, j);
    // accept with probability min(1, p(x) / q(x)): u < p/q  <=>  u q < p
    if (uniform(gen) * q[j][x] < p[j][x]) {
      v.tokens.push_back(x);
      ++v.accepted;
      continue;
    }
    v.tokens.push_back(sample_from(residual_distribution(p[j], q[j]), gen));
    return v;
  }
  v.tokens.push_back(sample_from(p[g], gen));  // every draft accepted: the bonus token
  return v;
}

double entropy(const Distribution& p) {
  double h = 0;
  for (double v : p)
    if (v > 0) h -= v * std::log(v);
  return h;
}

bool typical_accept(const Distribution& p, int64_t x, double eps, double delta) {
  TG_CHECK(x >= 0 && x < int64_t(p.size()), "typical_accept: token {} outside the vocabulary [0, {})", x, p.size());
  return p[size_t(x)] > std::min(eps, delta * std::exp(-entropy(p)));
}

double expected_tokens_per_call(double alpha, int64_t gamma) {
  TG_CHECK(alpha >= 0 && alpha <= 1, "expected_tokens_per_call: alpha {} outside [0, 1]", alpha);
  TG_CHECK(gamma >= 0, "expected_tokens_per_call: gamma {} is negative", gamma);
  if (alpha == 1) return double(gamma + 1);
  return (1 - std::pow(alpha, double(gamma + 1))) / (1 - alpha);
}

}  // namespace tg::models
