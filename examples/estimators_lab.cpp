// estimators_lab: how gradient estimators of L(theta) = E_{z ~ p_theta}[f(z)] behave, on two
// problems with exact gradients (models/estimator_problems.h):
//   (a) z ~ N(mu, sigma^2), f(z) = (z - c)^2;   (b) y ~ Categorical(softmax(theta)), K = 10, f = a table.
// Each estimator estimates the gradient --n times (each estimate averages --samples draws); the
// table gives bias |E g - g*|, variance tr Cov(g) and MSE E|g - g*|^2 against the exact g*.
// Writes to --out (default out/estimators):
//   variance_vs_samples_a.png, variance_vs_samples_b.png   tr Cov against draws per estimate
//   gumbel_vs_tau.png                                       Gumbel bias and variance against tau
//   metrics.json                                            every number of the table
// Run: build/estimators_lab [--n 10000 --samples 4 --seed 0]; --help lists every flag.
#include <cmath>

#include "models/estimator_problems.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;
using models::Estimator;
using models::EstimatorSpec;

namespace {

struct Options {
  int64_t n = 10000, samples = 4, seed = 0;
  double mu = 0.5, sigma = 1.0, c = 2.0;
  std::string out = "out/estimators";
  Device device = Device::cpu;
};

const std::vector<int64_t> kSampleCounts = {2, 4, 8, 16, 32, 64};
const std::vector<double> kTaus = {0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0};

// "b_gumbel_tau_0.5" from problem "b" and label "gumbel tau=0.5": a flat metrics.json key.
std::string key(const std::string& problem, const std::string& label) {
  std::string k = problem + "_" + label;
  for (char& ch : k)
    if (ch == ' ' || ch == '-' || ch == '=') ch = '_';
  return k;
}

// Runs one estimator on one problem and returns its statistics.
template <class Problem>
models::EstimateStats measure(const Problem& p, const EstimatorSpec& spec, int64_t n, int64_t samples, Generator& gen) {
  return models::summarize(p.estimates(spec, n, samples, gen), p.exact_gradient());
}

struct Row {
  std::string problem, label;
  models::EstimateStats stats;
};

void print_table(const std::vector<Row>& rows, const Options& o) {
  fmt::print("\n{} estimates per estimator, {} draws each; bias = |E g - g*|, variance = tr Cov(g), "
             "MSE = E|g - g*|^2\n", o.n, o.samples);
  fmt::print("{:<8} {:<24} {:>12} {:>12} {:>12}\n", "problem", "estimator", "bias", "variance", "MSE");
  for (const Row& r : rows)
    fmt::print("{:<8} {:<24} {:>12.4g} {:>12.4g} {:>12.4g}\n", r.problem, r.label, r.stats.bias_norm,
               r.stats.total_variance, r.stats.mse);
}

// tr Cov against the number of draws per estimate, one series per estimator.
template <class Problem>
void variance_chart(const Problem& p, const std::string& title, const std::vector<EstimatorSpec>& specs,
                    const Options& o, Generator& gen, util::ProgressBar& bar, int64_t& done, const std::string& path) {
  util::LineChart chart{.title = title, .x_label = "draws per estimate", .y_label = "variance tr Cov(g)",
                        .log_x = true, .log_y = true};
  for (size_t i = 0; i < specs.size(); ++i) {
    util::Series s{specs[i].label(), {}, {}, util::series_color(i)};
    for (int64_t samples : kSampleCounts) {
      s.x.push_back(double(samples));
      s.y.push_back(measure(p, specs[i], o.n, samples, gen).total_variance);
      bar.update(++done);
    }
    chart.series.push_back(s);
  }
  chart.write_png(path);
}

int run(const Options& o) {
  util::create_output_dir(o.out);
  set_default_device(o.device);  // the problems make their parameters and draws there
  Generator gen(uint64_t(o.seed));
  models::GaussianProblem a{.mu = o.mu, .sigma = o.sigma, .c = o.c};
  models::CategoricalProblem b = models::CategoricalProblem::standard();
  const std::vector<EstimatorSpec> a_specs = {
      {Estimator::Reparameterized}, {Estimator::ScoreFunction}, {Estimator::ScoreFunctionMovingAverage},
      {Estimator::ScoreFunctionLeaveOneOut}};
  const std::vector<EstimatorSpec> b_specs = {
      {Estimator::ScoreFunction},       {Estimator::ScoreFunctionMovingAverage},
      {Estimator::ScoreFunctionLeaveOneOut}, {Estimator::GumbelSoftmax, 0.1},
      {Estimator::GumbelSoftmax, 0.5},  {Estimator::GumbelSoftmax, 1.0},
      {Estimator::GumbelSoftmax, 2.0},  {Estimator::StraightThroughGumbel, 0.5},
      {Estimator::StraightThroughGumbel, 1.0}};
  const std::vector<EstimatorSpec> b_chart_specs = {
      {Estimator::ScoreFunction}, {Estimator::ScoreFunctionMovingAverage}, {Estimator::ScoreFunctionLeaveOneOut},
      {Estimator::GumbelSoftmax, 0.5}, {Estimator::StraightThroughGumbel, 0.5}};
  const int64_t total = int64_t(a_specs.size() + b_specs.size() +
                                (a_specs.size() + b_chart_specs.size()) * kSampleCounts.size() + 2 * kTaus.size());
  util::ProgressBar bar(total, "estimating");
  int64_t done = 0;

  std::vector<Row> rows;
  for (const auto& spec : a_specs) {
    rows.push_back({"a", spec.label(), measure(a, spec, o.n, o.samples, gen)});
    bar.update(++done);
  }
  for (const auto& spec : b_specs) {
    rows.push_back({"b", spec.label(), measure(b, spec, o.n, o.samples, gen)});
    bar.update(++done);
  }

  variance_chart(a, "(a) z ~ N(mu, sigma^2), f = (z - c)^2", a_specs, o, gen, bar, done,
                 o.out + "/variance_vs_samples_a.png");
  variance_chart(b, "(b) y ~ Categorical(softmax(theta)), f = table[y]", b_chart_specs, o, gen, bar, done,
                 o.out + "/variance_vs_samples_b.png");

  // Gumbel bias and variance against tau. The bias is measured from the mean of n estimates, so
  // it cannot be resolved below the noise floor sqrt(tr Cov / n), drawn as its own series.
  util::LineChart tau_chart{.title = fmt::format("(b) Gumbel-Softmax estimators, {} draws per estimate", o.samples),
                            .x_label = "temperature tau", .y_label = "bias |E g - g*| and variance tr Cov(g)",
                            .log_x = true, .log_y = true};
  std::vector<std::pair<std::string, double>> metrics;
  size_t color = 0;
  for (Estimator kind : {Estimator::GumbelSoftmax, Estimator::StraightThroughGumbel}) {
    util::Series bias{fmt::format("{} bias", models::estimator_name(kind)), {}, {}, util::series_color(color++)};
    util::Series variance{fmt::format("{} variance", models::estimator_name(kind)), {}, {},
                          util::series_color(color++)};
    util::Series floor{fmt::format("{} bias noise floor", models::estimator_name(kind)), {}, {},
                       util::series_color(color++), false};
    for (double tau : kTaus) {
      models::EstimateStats s = measure(b, {kind, tau}, o.n, o.samples, gen);
      for (auto* series : {&bias, &variance, &floor}) series->x.push_back(tau);
      bias.y.push_back(s.bias_norm);
      variance.y.push_back(s.total_variance);
      floor.y.push_back(std::sqrt(s.total_variance / double(o.n)));
      metrics.push_back({key("b", fmt::format("{} tau {} bias", models::estimator_name(kind), tau)), s.bias_norm});
      metrics.push_back(
          {key("b", fmt::format("{} tau {} variance", models::estimator_name(kind), tau)), s.total_variance});
      bar.update(++done);
    }
    for (auto* series : {&bias, &variance, &floor}) tau_chart.series.push_back(*series);
  }
  tau_chart.write_png(o.out + "/gumbel_vs_tau.png");
  bar.finish();

  print_table(rows, o);
  for (const Row& r : rows) {
    metrics.push_back({key(r.problem, r.label + " bias"), r.stats.bias_norm});
    metrics.push_back({key(r.problem, r.label + " variance"), r.stats.total_variance});
    metrics.push_back({key(r.problem, r.label + " mse"), r.stats.mse});
  }
  metrics.push_back({"estimates_per_estimator", double(o.n)});
  metrics.push_back({"draws_per_estimate", double(o.samples)});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("wrote {}/variance_vs_samples_a.png, variance_vs_samples_b.png, gumbel_vs_tau.png, metrics.json\n", o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("estimators_lab",
                       "Measure bias, variance and MSE of gradient estimators on problems with exact gradients.");
  args.add("n", &o.n, "independent gradient estimates per estimator");
  args.add("samples", &o.samples, "draws averaged in one estimate (the table; the charts sweep 2..64)");
  args.add("seed", &o.seed, "seed of all the sampling noise");
  args.add("mu", &o.mu, "problem (a): mean of z");
  args.add("sigma", &o.sigma, "problem (a): standard deviation of z");
  args.add("c", &o.c, "problem (a): the target in f(z) = (z - c)^2");
  args.add("out", &o.out, "output folder (charts, metrics.json)");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.n < 2 || o.n > 1000000) return args.error(fmt::format("--n must be in [2, 1000000], got {}", o.n));
  if (o.samples < 2 || o.samples > 4096)
    return args.error(fmt::format("--samples must be in [2, 4096] (leave-one-out needs 2), got {}", o.samples));
  if (!(o.sigma > 0)) return args.error(fmt::format("--sigma must be positive, got {}", o.sigma));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
