// Speculative sampling's acceptance rule on synthetic distributions: the first emitted token
// follows the target's p whatever the draft's q (chi-square), the acceptance rate is
// sum_x min(p(x), q(x)), tokens per call match (1 - alpha^(g+1)) / (1 - alpha); typical acceptance
// and the residual on exact small cases.
#include "chi_square.h"
#include "models/speculative/acceptance.h"
#include "test_util.h"

using namespace tg;
using models::Distribution;

namespace {

// Target and draft for the statistical tests: q puts its mass where p has little, has a zero where p
// has mass (only the residual can emit token 5) and mass where p has none (token 4 is always rejected).
const Distribution kP = {0.30, 0.25, 0.20, 0.10, 0.00, 0.15};
const Distribution kQ = {0.05, 0.10, 0.15, 0.40, 0.30, 0.00};
// sum_x min(p(x), q(x)) = 0.05 + 0.10 + 0.15 + 0.10
const double kAlpha = 0.40;

struct Trials {
  std::vector<int64_t> first_counts, draft_counts;
  int64_t accepted_first = 0, emitted = 0;
};

// n verifications of gamma drafts x_j ~ q against p at every step (the same pair each step).
Trials run_trials(int64_t n, int64_t gamma, uint64_t seed) {
  Generator gen(seed);
  Trials t{std::vector<int64_t>(kP.size()), std::vector<int64_t>(kP.size())};
  std::vector<Distribution> p(size_t(gamma + 1), kP), q(size_t(gamma), kQ);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> drafts;
    for (int64_t j = 0; j < gamma; ++j) drafts.push_back(models::sample_from(kQ, gen));
    models::Verification v = models::verify_draft(p, q, drafts, gen);
    ++t.first_counts[size_t(v.tokens[0])];
    ++t.draft_counts[size_t(drafts[0])];
    t.accepted_first += v.accepted > 0;
    t.emitted += int64_t(v.tokens.size());
  }
  return t;
}

}  // namespace

TEST_CASE("chi_square_survival: closed forms and a table value") {
  // df = 2: P(X >= x) = exp(-x / 2); df = 1 at x = 3.841459 is the 5% point, df = 7 at 24.321886 the 0.1% point
  for (double x : {0.5, 2.0, 9.0, 30.0}) CHECK(test::chi_square_survival(x, 2) == doctest::Approx(std::exp(-x / 2)).epsilon(1e-12));
  CHECK(test::chi_square_survival(3.841459, 1) == doctest::Approx(0.05).epsilon(1e-5));
  CHECK(test::chi_square_survival(24.321886, 7) == doctest::Approx(0.001).epsilon(1e-5));
}

TEST_CASE("verify_draft: the first emitted token follows p, not q (chi-square, 20000 seeded trials)") {
  Trials t = run_trials(20000, 3, 7);
  test::ChiSquare emitted = test::chi_square_test(t.first_counts, kP);
  INFO("first tokens ", fmt::format("{}", fmt::join(t.first_counts, " ")), " chi2 ", emitted.statistic, " df ",
       emitted.df);
  CHECK(emitted.p_value > 1e-3);
  // the test has the power to tell q from p: the raw draft tokens fail it
  test::ChiSquare drafts = test::chi_square_test(t.draft_counts, kP);
  CHECK(drafts.p_value < 1e-6);
}

TEST_CASE("verify_draft: the acceptance rate is sum_x min(p, q) and tokens per call follow the formula") {
  const int64_t n = 20000, gamma = 4;
  Trials t = run_trials(n, gamma, 11);
  // binomial standard deviation sqrt(a (1 - a) / n) = 0.0035: five of them
  CHECK(std::fabs(double(t.accepted_first) / double(n) - kAlpha) < 0.0175);
  // tokens per call lie in [1, gamma + 1], sd below 1.2 / sqrt(n) = 0.0085: tolerance 0.04
  const double expected = models::expected_tokens_per_call(kAlpha, gamma);
  CHECK(std::fabs(double(t.emitted) / double(n) - expected) < 0.04);
}

TEST_CASE("verify_draft: identical p and q accept every draft and add the bonus token") {
  Generator gen(3);
  std::vector<Distribution> p(4, kP), q(3, kP);
  for (int i = 0; i < 100; ++i) {
    std::vector<int64_t> drafts = {models::sample_from(kP, gen), models::sample_from(kP, gen),
                                   models::sample_from(kP, gen)};
    models::Verification v = models::verify_draft(p, q, drafts, gen);
    REQUIRE(v.accepted == 3);
    CHECK(std::vector<int64_t>(v.tokens.begin(), v.tokens.end() - 1) == drafts);
  }
}

TEST_CASE("verify_draft: a draft token with p = 0 is always rejected and replaced from the residual") {
  Generator gen(5);
  // p = (0.5, 0.5, 0), q = (0, 0.5, 0.5): drafting token 2 is always rejected and the residual is (1, 0, 0)
  std::vector<Distribution> p = {{0.5, 0.5, 0.0}, {0.5, 0.5, 0.0}}, q = {{0.0, 0.5, 0.5}};
  for (int i = 0; i < 50; ++i) {
    models::Verification v = models::verify_draft(p, q, {2}, gen);
    CHECK(v.accepted == 0);
    CHECK(v.tokens == std::vector<int64_t>{0});
  }
}

TEST_CASE("residual_distribution: norm(max(0, p - q)), and p when p == q") {
  Distribution r = models::residual_distribution({0.5, 0.3, 0.2}, {0.2, 0.4, 0.4});
  CHECK(r[0] == doctest::Approx(1.0));
  CHECK(r[1] == 0.0);
  CHECK(r[2] == 0.0);
  r = models::residual_distribution(kP, kQ);  // max(0, p - q) = (0.25, 0.15, 0.05, 0, 0, 0.15), sum 0.6
  std::vector<double> want = {0.25 / 0.6, 0.15 / 0.6, 0.05 / 0.6, 0, 0, 0.15 / 0.6};
  CHECK(test::compare(r, want, 1e-12, 1e-12) == "");
  CHECK(models::residual_distribution(kP, kP) == kP);
}

TEST_CASE("typical_accept: p(x) > min(eps, delta exp(-H(p))) with eps = 0.09, delta = 0.3") {
  // flat p: H = 1.87645, delta e^-H = 0.04594 < eps, so a token of p = 0.06 is accepted
  Distribution flat = {0.46, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06};
  CHECK(models::entropy(flat) == doctest::Approx(1.8764450302199585).epsilon(1e-9));
  CHECK(models::typical_accept(flat, 1));
  // peaked p: H = 0.66914, delta e^-H = 0.15364 > eps, so the threshold is eps and 0.06 is rejected
  Distribution peaked = {0.82, 0.06, 0.06, 0.06};
  CHECK(models::entropy(peaked) == doctest::Approx(0.669143698770354).epsilon(1e-9));
  CHECK_FALSE(models::typical_accept(peaked, 1));
  CHECK(models::typical_accept(peaked, 0));
  CHECK(test::error_report([&] { models::typical_accept(peaked, 4); }, {"typical_accept", "token 4"}) == "");
}

TEST_CASE("expected_tokens_per_call: (1 - alpha^(g+1)) / (1 - alpha)") {
  CHECK(models::expected_tokens_per_call(0.5, 2) == doctest::Approx(1.75));  // 1 + 0.5 + 0.25
  CHECK(models::expected_tokens_per_call(0.0, 5) == 1.0);
  CHECK(models::expected_tokens_per_call(1.0, 5) == 6.0);
  CHECK(test::error_report([] { models::expected_tokens_per_call(1.5, 2); }, {"alpha 1.5"}) == "");
}

TEST_CASE("verify_draft: mismatched vocabularies and counts are errors naming the sizes") {
  Generator gen(0);
  CHECK(test::error_report([&] { models::verify_draft({kP, kP}, {{0.5, 0.5}}, {0}, gen); },
                           {"target vocabulary 6", "draft vocabulary 2"}) == "");
  CHECK(test::error_report([&] { models::verify_draft({kP}, {kQ}, {0}, gen); }, {"1 draft tokens", "got 1 and 1"}) ==
        "");
}
