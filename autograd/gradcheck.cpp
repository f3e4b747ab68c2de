// Finite-difference gradient checks (see gradcheck.h).
#include "autograd/gradcheck.h"

#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor f64_output(const TensorFn& fn, const std::vector<Tensor>& inputs) {
  Tensor out = fn(inputs);
  TG_CHECK(out.dtype() == DType::f64, "gradcheck: the function returned {}; gradcheck needs f64 outputs", describe(out));
  return out;
}

}  // namespace

GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opts) {
  for (const Tensor& x : inputs)
    TG_CHECK(!x.requires_grad() || x.dtype() == DType::f64, "gradcheck: input {} must be f64", describe(x));
  GradcheckResult result;
  Tensor out = f64_output(fn, inputs);
  int64_t n_out = out.numel();
  std::vector<Tensor> diff_inputs;
  std::vector<size_t> which;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) {
      diff_inputs.push_back(inputs[i]);
      which.push_back(i);
    }
  TG_CHECK(!diff_inputs.empty(), "gradcheck: no input requires grad");

  // analytic[i][o * n_in + j] = d out_o / d in_j
  std::vector<std::vector<double>> analytic(diff_inputs.size());
  for (size_t i = 0; i < diff_inputs.size(); ++i) analytic[i].assign(size_t(n_out * diff_inputs[i].numel()), 0.0);
  for (int64_t o = 0; o < n_out; ++o) {
    std::vector<double> e(size_t(n_out), 0.0);
    e[size_t(o)] = 1.0;
    Tensor seed = tensor(e, out.shape(), {.dtype = DType::f64, .device = out.device()});
    Tensor fresh = f64_output(fn, inputs);
    if (!fresh.requires_grad()) continue;  // constant output: analytic row stays zero
    std::vector<Tensor> g = grad({fresh}, diff_inputs, {.grad_outputs = {seed}, .allow_unused = true});
    for (size_t i = 0; i < g.size(); ++i) {
      if (!g[i].defined()) continue;
      std::vector<double> row = values(g[i]);
      for (size_t j = 0; j < row.size(); ++j) analytic[i][size_t(o) * row.size() + j] = row[j];
    }
  }

  int reported = 0;
  for (size_t i = 0; i < diff_inputs.size(); ++i) {
    Tensor x = diff_inputs[i];
    std::vector<double> saved = values(x);
    int64_t n_in = x.numel();
    for (int64_t j = 0; j < n_in; ++j) {
      // Element j is written in place through the backend, so inputs on any device work.
      auto set_element = [&x, j](double v) {
        backend(x.device()).copy_from_host(static_cast<double*>(x.data()) + j, &v, sizeof v);
        x.bump_version();
      };
      std::vector<double> plus, minus;
      // Grad mode stays on: fn may itself differentiate (gradgradcheck's first_grad does).
      set_element(saved[size_t(j)] + opts.eps);
      plus = values(f64_output(fn, inputs));
      set_element(saved[size_t(j)] - opts.eps);
      minus = values(f64_output(fn, inputs));
      set_element(saved[size_t(j)]);
      for (int64_t o = 0; o < n_out; ++o) {
        double numeric = (plus[size_t(o)] - minus[size_t(o)]) / (2 * opts.eps);
        double a = analytic[i][size_t(o * n_in + j)];
        double d = std::fabs(a - numeric);
        if (!(d <= opts.atol + opts.rtol * std::fabs(numeric))) {  // also catches NaN
          result.ok = false;
          if (reported++ < 8)
            result.report += fmt::format("  input {} element {}, output {}: analytic {:.8g}, numeric {:.8g}\n",
                                         which[i], j, o, a, numeric);
        }
        if (std::isfinite(d)) result.max_abs_diff = std::max(result.max_abs_diff, d);
        else result.max_abs_diff = INFINITY;
      }
    }
  }
  if (!result.ok)
    result.report = fmt::format("gradcheck failed ({} mismatches, max |analytic - numeric| = {:.3g}):\n{}", reported,
                                result.max_abs_diff, result.report);
  return result;
}

GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opts) {
  Tensor out = f64_output(fn, inputs);
  Generator gen(1234);
  Tensor w = randn(out.shape(), gen, {.dtype = DType::f64, .device = out.device()});
  TensorFn first_grad = [fn, w](const std::vector<Tensor>& xs) {
    std::vector<Tensor> diff;
    for (const Tensor& x : xs)
      if (x.requires_grad()) diff.push_back(x);
    Tensor y = fn(xs);
    std::vector<Tensor> parts;
    if (y.requires_grad()) {
      std::vector<Tensor> g = grad({sum(mul(y, w))}, diff, {.create_graph = true, .allow_unused = true});
      for (size_t i = 0; i < g.size(); ++i) parts.push_back(reshape(g[i].defined() ? g[i] : zeros_like(diff[i]), {-1}));
    } else {
      for (const Tensor& d : diff) parts.push_back(reshape(zeros_like(d), {-1}));
    }
    return cat(parts, 0);
  };
  return gradcheck(first_grad, inputs, opts);
}

}  // namespace tg
