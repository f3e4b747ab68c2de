// The two toy objectives L(theta) = E_{z ~ p_theta}[f(z)] of examples/estimators_lab, whose exact
// gradients are known, and N independent gradient estimates of each by one estimator:
//   (a) z ~ N(mu, sigma^2), f(z) = (z - c)^2:  L = (mu - c)^2 + sigma^2,
//       dL/dmu = 2 (mu - c),  dL/dsigma = 2 sigma.
//   (b) y ~ Categorical(softmax(theta)) over K classes, f(y) = table[y]:  L = sum_k p_k table_k,
//       dL/dtheta_j = p_j (table_j - L), computed by differentiating the enumeration.
// The N estimates come from one backward pass: each estimate gets its own copy of the parameters
// (a row of an (N, P) leaf), so the gradient of the summed surrogates is the N estimates at once.
#pragma once
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace tg::models {

enum class Estimator {
  Reparameterized,           // rsample; problem (a) only
  ScoreFunction,             // REINFORCE, no baseline
  ScoreFunctionMovingAverage,  // REINFORCE, baseline an EMA (decay 0.9) of f over the previous estimates
  ScoreFunctionLeaveOneOut,  // REINFORCE, leave-one-out baseline over the samples of an estimate
  GumbelSoftmax,             // relaxed sample at temperature tau; problem (b) only
  StraightThroughGumbel,     // one-hot forward, relaxed backward; problem (b) only
};
const char* estimator_name(Estimator e);

struct EstimatorSpec {
  Estimator kind;
  double tau = 1.0;  // Gumbel estimators only
  std::string label() const;  // "gumbel tau=0.5", "score-function loo", ...
};

// Each estimate averages `samples` draws; the result is (n, P) f64, row i the i-th estimate.
struct GaussianProblem {
  double mu = 0.5, sigma = 1.0, c = 2.0;
  std::vector<double> exact_gradient() const;  // {dL/dmu, dL/dsigma}
  Tensor estimates(const EstimatorSpec& spec, int64_t n, int64_t samples, Generator& gen) const;
};

struct CategoricalProblem {
  std::vector<double> theta, table;  // K logits and K values of f
  // The lab's K = 10 problem (fixed values, written out in the source).
  static CategoricalProblem standard();
  std::vector<double> exact_gradient() const;  // by enumeration over the K outcomes
  Tensor estimates(const EstimatorSpec& spec, int64_t n, int64_t samples, Generator& gen) const;
};

// How n estimates (rows) of a P-vector gradient scatter around the exact one.
struct EstimateStats {
  std::vector<double> mean, variance;  // per component; variance with the 1/(n - 1) correction
  std::vector<double> standard_error;  // sqrt(variance / n): the uncertainty of `mean`
  double bias_norm;                    // |mean - exact|
  double total_variance;               // sum of the component variances (trace of the covariance)
  double mse;                          // mean over rows of |estimate - exact|^2
};
EstimateStats summarize(const Tensor& estimates, const std::vector<double>& exact);

}  // namespace tg::models
