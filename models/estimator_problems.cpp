// The lab's two problems and their batched gradient estimates (see estimator_problems.h).
#include "models/estimator_problems.h"

#include <cmath>

#include "autograd/estimators.h"
#include "autograd/ops.h"
#include "core/creation.h"

namespace tg::models {

namespace {

constexpr TensorOptions kF64{.dtype = DType::f64};

// An (n, p) f64 leaf whose every row holds `values`: one private copy of the parameters per estimate.
Tensor replicated_leaf(const std::vector<double>& values, int64_t n) {
  Tensor rows = expand(tensor(values, {1, int64_t(values.size())}, kF64), {n, int64_t(values.size())}).detach();
  return rows.requires_grad_();
}

// The baseline of every sample of every estimate, (n, S) or (n, 1), or undefined for none.
//   MovingAverage: estimate i uses the EMA of the mean f of estimates 0..i-1 (decay 0.9).
//   LeaveOneOut:   sample s of estimate i uses the mean f of that estimate's other samples.
Tensor baseline_for(Estimator kind, const Tensor& f) {
  if (kind == Estimator::ScoreFunctionLeaveOneOut) return leave_one_out_baseline(f, 1);
  if (kind != Estimator::ScoreFunctionMovingAverage) return Tensor();
  std::vector<double> row_means = mean(f, {1}).to_vector<double>(), before(row_means.size());
  MovingAverageBaseline ema(0.9);
  for (size_t i = 0; i < row_means.size(); ++i) {
    before[i] = ema.value();
    ema.update(row_means[i]);
  }
  return tensor(before, {int64_t(before.size()), 1}, kF64);
}

bool is_score_function(Estimator kind) {
  return kind == Estimator::ScoreFunction || kind == Estimator::ScoreFunctionMovingAverage ||
         kind == Estimator::ScoreFunctionLeaveOneOut;
}

void check_sizes(const char* problem, const EstimatorSpec& spec, int64_t n, int64_t samples) {
  TG_CHECK(n >= 2 && samples >= 1, "{}: needs n >= 2 estimates of samples >= 1 draws, got n = {}, samples = {}",
           problem, n, samples);
  TG_CHECK(spec.kind != Estimator::ScoreFunctionLeaveOneOut || samples >= 2,
           "{}: the leave-one-out baseline needs samples >= 2, got {}", problem, samples);
}

}  // namespace

const char* estimator_name(Estimator e) {
  switch (e) {
    case Estimator::Reparameterized: return "reparameterized";
    case Estimator::ScoreFunction: return "score-function";
    case Estimator::ScoreFunctionMovingAverage: return "score-function ema";
    case Estimator::ScoreFunctionLeaveOneOut: return "score-function loo";
    case Estimator::GumbelSoftmax: return "gumbel";
    case Estimator::StraightThroughGumbel: return "st-gumbel";
  }
  return "?";
}

std::string EstimatorSpec::label() const {
  bool gumbel = kind == Estimator::GumbelSoftmax || kind == Estimator::StraightThroughGumbel;
  return gumbel ? fmt::format("{} tau={}", estimator_name(kind), tau) : estimator_name(kind);
}

std::vector<double> GaussianProblem::exact_gradient() const { return {2 * (mu - c), 2 * sigma}; }

Tensor GaussianProblem::estimates(const EstimatorSpec& spec, int64_t n, int64_t samples, Generator& gen) const {
  check_sizes("GaussianProblem", spec, n, samples);
  TG_CHECK(spec.kind == Estimator::Reparameterized || is_score_function(spec.kind),
           "GaussianProblem: {} does not apply to a continuous z", spec.label());
  Tensor params = replicated_leaf({mu, sigma}, n);  // (n, 2): column 0 is mu, column 1 sigma
  Normal d(expand(slice(params, 1, 0, 1), {n, samples}), expand(slice(params, 1, 1, 2), {n, samples}));
  Tensor surrogate;  // (n, S): its gradient, averaged over S, is each row's estimate
  if (spec.kind == Estimator::Reparameterized) {
    surrogate = square(add(d.rsample(gen), -c));
  } else {
    Tensor z = d.sample(gen);
    Tensor f = square(add(z, -c));
    surrogate = score_function(d.log_prob(z), f, baseline_for(spec.kind, f));
  }
  sum(mean(surrogate, {1})).backward();
  return params.grad();
}

CategoricalProblem CategoricalProblem::standard() {
  return {.theta = {0.5, -0.3, 1.2, 0.0, -1.0, 0.8, 0.3, -0.6, 1.0, -0.2},
          .table = {0.9, 0.1, 0.5, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4, 1.0}};
}

std::vector<double> CategoricalProblem::exact_gradient() const {
  Tensor logits = tensor(theta, {}, {.dtype = DType::f64, .requires_grad = true});
  sum(mul(softmax(logits, -1), tensor(table, {}, kF64))).backward();  // L = sum_k p_k f_k
  return logits.grad().to_vector<double>();
}

Tensor CategoricalProblem::estimates(const EstimatorSpec& spec, int64_t n, int64_t samples, Generator& gen) const {
  check_sizes("CategoricalProblem", spec, n, samples);
  TG_CHECK(spec.kind != Estimator::Reparameterized,
           "CategoricalProblem: a categorical sample has no reparameterization; use gumbel or a score function");
  TG_CHECK(theta.size() == table.size() && !theta.empty(),
           "CategoricalProblem: theta ({}) and table ({}) need the same positive length", theta.size(), table.size());
  const int64_t k = int64_t(theta.size());
  Tensor params = replicated_leaf(theta, n);  // (n, K)
  Tensor logits = expand(unsqueeze(params, 1), {n, samples, k});
  Tensor table_row = tensor(table, {}, kF64);
  Tensor surrogate;  // (n, S)
  if (is_score_function(spec.kind)) {
    Categorical d = Categorical::from_logits(logits);
    Tensor y = d.sample(gen);                            // (n, S) class indices
    Tensor f = sum(mul(one_hot(y, k, DType::f64), table_row), {-1});  // table[y]
    surrogate = score_function(d.log_prob(y), f, baseline_for(spec.kind, f));
  } else {
    // f extended linearly to the simplex, f(y) = sum_k y_k table_k, so a one-hot y gives table[y].
    Tensor y = gumbel_softmax(logits, spec.tau, spec.kind == Estimator::StraightThroughGumbel, gen);
    surrogate = sum(mul(y, table_row), {-1});
  }
  sum(mean(surrogate, {1})).backward();
  return params.grad();
}

EstimateStats summarize(const Tensor& estimates, const std::vector<double>& exact) {
  TG_CHECK(estimates.dim() == 2 && estimates.size(0) >= 2 && estimates.size(1) == int64_t(exact.size()),
           "summarize: estimates must be (n >= 2, {}), got {}", exact.size(), describe(estimates));
  const int64_t n = estimates.size(0), p = estimates.size(1);
  std::vector<double> g = estimates.to_vector<double>();
  EstimateStats s{.mean = std::vector<double>(p, 0.0), .variance = std::vector<double>(p, 0.0),
                  .standard_error = std::vector<double>(p), .bias_norm = 0, .total_variance = 0, .mse = 0};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < p; ++j) s.mean[j] += g[i * p + j] / double(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < p; ++j) {
      double d = g[i * p + j] - s.mean[j], e = g[i * p + j] - exact[j];
      s.variance[j] += d * d / double(n - 1);
      s.mse += e * e / double(n);
    }
  for (int64_t j = 0; j < p; ++j) {
    s.standard_error[j] = std::sqrt(s.variance[j] / double(n));
    s.bias_norm += (s.mean[j] - exact[j]) * (s.mean[j] - exact[j]);
    s.total_variance += s.variance[j];
  }
  s.bias_norm = std::sqrt(s.bias_norm);
  return s;
}

}  // namespace tg::models
