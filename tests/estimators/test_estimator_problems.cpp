// The lab's two problems (models/estimator_problems.h): exact gradients against closed forms,
// reparameterized and score-function estimates unbiased (mean within 4 standard errors of the
// exact gradient in every component), and the variance orderings the theory predicts.
// Seeds are fixed; 4 standard errors would be exceeded by chance with probability 6e-5 per component.
#include <cmath>

#include "models/estimator_problems.h"
#include "test_util.h"

using namespace tg;
using models::Estimator;
using models::EstimatorSpec;

namespace {

void check_unbiased(const models::EstimateStats& s, const std::vector<double>& exact) {
  for (size_t j = 0; j < exact.size(); ++j) {
    CAPTURE(j);
    CAPTURE(s.mean[j]);
    CAPTURE(exact[j]);
    CAPTURE(s.standard_error[j]);
    CHECK(std::fabs(s.mean[j] - exact[j]) < 4 * s.standard_error[j]);
  }
}

const Estimator kScoreFunctions[] = {Estimator::ScoreFunction, Estimator::ScoreFunctionMovingAverage,
                                     Estimator::ScoreFunctionLeaveOneOut};

}  // namespace

TEST_CASE("estimator problems: exact gradients match the closed forms") {
  models::GaussianProblem a{.mu = 0.5, .sigma = 1.0, .c = 2.0};
  CHECK_CLOSE(a.exact_gradient(), {2 * (0.5 - 2.0), 2 * 1.0}, 0, 0);
  // dL/dtheta_j = p_j (f_j - L), L = sum_k p_k f_k, written out here instead of by autograd.
  auto b = models::CategoricalProblem::standard();
  std::vector<double> p(b.theta.size());
  double z = 0, l = 0;
  for (size_t k = 0; k < p.size(); ++k) z += std::exp(b.theta[k]);
  for (size_t k = 0; k < p.size(); ++k) l += (p[k] = std::exp(b.theta[k]) / z) * b.table[k];
  std::vector<double> expect(p.size());
  for (size_t k = 0; k < p.size(); ++k) expect[k] = p[k] * (b.table[k] - l);
  CHECK_CLOSE(b.exact_gradient(), expect, 1e-15, 1e-12);
}

TEST_CASE("estimator problems: (a) reparameterized and score-function estimates are unbiased") {
  models::GaussianProblem a;
  Generator gen(100);
  for (Estimator e : {Estimator::Reparameterized, Estimator::ScoreFunction, Estimator::ScoreFunctionMovingAverage,
                      Estimator::ScoreFunctionLeaveOneOut}) {
    CAPTURE(models::estimator_name(e));
    check_unbiased(models::summarize(a.estimates({e}, 20000, 4, gen), a.exact_gradient()), a.exact_gradient());
  }
}

TEST_CASE("estimator problems: (b) score-function estimates are unbiased") {
  auto b = models::CategoricalProblem::standard();
  Generator gen(200);
  for (Estimator e : kScoreFunctions) {
    CAPTURE(models::estimator_name(e));
    check_unbiased(models::summarize(b.estimates({e}, 20000, 4, gen), b.exact_gradient()), b.exact_gradient());
  }
}

TEST_CASE("estimator problems: (a) the reparameterized variance is below the score function's") {
  // One sample: Var_reparam = (4 sigma^2, 4 ((mu - c)^2 + 2 sigma^2)) = (4, 17); the score
  // function's is several times larger in both components.
  models::GaussianProblem a;
  Generator gen(300);
  auto reparam = models::summarize(a.estimates({Estimator::Reparameterized}, 20000, 1, gen), a.exact_gradient());
  auto score = models::summarize(a.estimates({Estimator::ScoreFunction}, 20000, 1, gen), a.exact_gradient());
  CHECK(reparam.variance[0] == doctest::Approx(4.0).epsilon(0.05));
  CHECK(reparam.variance[1] == doctest::Approx(17.0).epsilon(0.05));
  for (size_t j = 0; j < 2; ++j) {
    CAPTURE(j);
    CHECK(reparam.variance[j] < score.variance[j]);
  }
}

TEST_CASE("estimator problems: the leave-one-out baseline lowers the score-function variance") {
  models::GaussianProblem a;
  auto b = models::CategoricalProblem::standard();
  Generator gen(400);
  for (int64_t samples : {2, 8}) {
    CAPTURE(samples);
    auto a_none = models::summarize(a.estimates({Estimator::ScoreFunction}, 20000, samples, gen), a.exact_gradient());
    auto a_loo =
        models::summarize(a.estimates({Estimator::ScoreFunctionLeaveOneOut}, 20000, samples, gen), a.exact_gradient());
    auto b_none = models::summarize(b.estimates({Estimator::ScoreFunction}, 20000, samples, gen), b.exact_gradient());
    auto b_loo =
        models::summarize(b.estimates({Estimator::ScoreFunctionLeaveOneOut}, 20000, samples, gen), b.exact_gradient());
    CHECK(a_loo.total_variance < a_none.total_variance);
    CHECK(b_loo.total_variance < b_none.total_variance);
  }
}

TEST_CASE("estimator problems: (b) Gumbel-Softmax trades bias for variance through tau") {
  // The relaxation differentiates E[f(softmax((theta + g) / tau))]: it tends to L as tau -> 0
  // (the bias vanishes) while the softmax steepens (the variance grows). In the lab's run (README)
  // the bias is 0.042 at tau = 2 and 0.0023 at tau = 0.3, the variances 1.5e-4 and 0.012.
  auto b = models::CategoricalProblem::standard();
  Generator gen(500);
  auto hot = models::summarize(b.estimates({Estimator::GumbelSoftmax, 2.0}, 20000, 4, gen), b.exact_gradient());
  auto cold = models::summarize(b.estimates({Estimator::GumbelSoftmax, 0.3}, 20000, 4, gen), b.exact_gradient());
  CAPTURE(hot.bias_norm);
  CAPTURE(cold.bias_norm);
  CHECK(hot.bias_norm > 5 * cold.bias_norm);
  CHECK(cold.total_variance > 10 * hot.total_variance);
  // At tau = 2 the bias is far outside the noise: the estimator is biased, unlike the score function.
  CHECK(hot.bias_norm > 10 * std::sqrt(hot.total_variance / 20000));
}

TEST_CASE("estimator problems: an estimator that does not apply to a problem is an error") {
  models::GaussianProblem a;
  auto b = models::CategoricalProblem::standard();
  Generator gen(0);
  CHECK_ERROR(a.estimates({Estimator::GumbelSoftmax, 0.5}, 10, 1, gen), "GaussianProblem", "gumbel tau=0.5");
  CHECK_ERROR(b.estimates({Estimator::Reparameterized}, 10, 1, gen), "CategoricalProblem", "reparameterization");
  CHECK_ERROR(b.estimates({Estimator::ScoreFunctionLeaveOneOut}, 10, 1, gen), "CategoricalProblem", "samples >= 2");
  CHECK_ERROR(models::summarize(zeros({5, 3}, {.dtype = DType::f64}), {1.0, 2.0}), "summarize", "(5, 3)");
}
