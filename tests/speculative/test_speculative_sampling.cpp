// speculative_generate on tiny random GPTs: greedy decoding reproduces the target's greedy output
// token for token for every gamma (caches rolled back after each rejection); sampled token pairs
// follow the target's joint distribution (chi-square against the exact distribution enumerated from
// the target); bad arguments are errors naming the value.
#include "chi_square.h"
#include "models/speculative/speculative.h"
#include "tiny_models.h"

using namespace tg;
using test::tiny_gpt;

namespace {
const std::vector<int64_t> kPrompt = {1, 3, 0, 2, 2, 1};
}  // namespace

TEST_CASE("speculative_generate: greedy decoding equals the target's greedy output for every gamma") {
  auto target = tiny_gpt(8, 32, 2, 1), draft = tiny_gpt(8, 16, 1, 2);
  std::vector<int64_t> want = test::greedy_text(*target, kPrompt, 40);
  int64_t rejected = 0;
  for (int64_t gamma : {1, 2, 3, 5, 8}) {
    Generator gen(3);
    models::Generation g = models::speculative_generate(*target, *draft, kPrompt, 40, gamma, {.temperature = 0}, gen);
    INFO("gamma ", gamma);
    CHECK(g.tokens == want);
    CHECK(g.stats.new_tokens == 40);
    CHECK(g.stats.tested >= g.stats.accepted);
    rejected += g.stats.tested - g.stats.accepted;
  }
  CHECK(rejected > 0);  // the rollback path ran
  // the target as its own draft: every draft accepted, gamma + 1 tokens per target call
  Generator gen(4);
  models::Generation self = models::speculative_generate(*target, *target, kPrompt, 40, 3, {.temperature = 0}, gen);
  CHECK(self.tokens == want);
  CHECK(self.stats.accepted == self.stats.tested);
  CHECK(self.stats.target_calls == 10);
}

TEST_CASE("speculative_generate: sampled token pairs follow the target's joint distribution (chi-square)") {
  // vocabulary 5, temperature 0.5 to sharpen the random models' distributions: 25 cells (t1, t2)
  auto target = tiny_gpt(5, 16, 1, 11), draft = tiny_gpt(5, 16, 1, 12);
  const models::SamplingOptions opts{.temperature = 0.5};
  const std::vector<int64_t> prompt = {0, 4, 1};
  const int64_t trials = 3000;
  std::vector<int64_t> counts(25, 0);
  Generator gen(13);
  int64_t accepted = 0;
  for (int64_t i = 0; i < trials; ++i) {
    models::Generation g = models::speculative_generate(*target, *draft, prompt, 2, 2, opts, gen);
    ++counts[size_t(g.tokens[0] * 5 + g.tokens[1])];
    accepted += g.stats.accepted;
  }
  test::ChiSquare fit = test::chi_square_test(counts, test::exact_pairs(*target, prompt, opts));
  INFO("chi2 ", fit.statistic, " df ", fit.df, " counts ", fmt::format("{}", fmt::join(counts, " ")));
  CHECK(fit.p_value > 1e-3);
  CHECK(accepted > 0);  // the draft's tokens were kept in some trials
  // and the draft's own joint is far enough from the target's for the test to tell them apart
  CHECK(test::chi_square_test(counts, test::exact_pairs(*draft, prompt, opts)).p_value < 1e-6);
}

TEST_CASE("speculative_generate: bad arguments are errors naming the value") {
  auto target = tiny_gpt(8, 32, 2, 1), draft = tiny_gpt(8, 16, 1, 2), other = tiny_gpt(9, 16, 1, 2);
  Generator gen(0);
  auto run = [&](const models::GPT& d, std::vector<int64_t> prompt, int64_t n, int64_t gamma,
                 models::SamplingOptions opts) {
    return [&, prompt, n, gamma, opts] { models::speculative_generate(*target, d, prompt, n, gamma, opts, gen); };
  };
  CHECK(test::error_report(run(*draft, kPrompt, 4, 0, {}), {"gamma = 0"}) == "");
  CHECK(test::error_report(run(*draft, kPrompt, 4, -2, {}), {"gamma = -2"}) == "");
  CHECK(test::error_report(run(*draft, kPrompt, 4, 2, {.top_p = 1.5}), {"top_p", "got 1.5"}) == "");
  CHECK(test::error_report(run(*draft, kPrompt, 4, 2, {.top_p = 0}), {"top_p", "got 0"}) == "");
  CHECK(test::error_report(run(*other, kPrompt, 4, 2, {}), {"draft's vocabulary has 9", "target's 8"}) == "");
  CHECK(test::error_report(run(*draft, std::vector<int64_t>(70, 1), 4, 2, {}), {"prompt (70 tokens)", "context of 64"}) ==
        "");
  CHECK(test::error_report(run(*draft, {1, 9}, 4, 2, {}), {"prompt token 9"}) == "");
}
