// Finite-difference gradient checking in f64. The analytic Jacobian (one backward pass per
// output element) is compared entry by entry with central differences
//   J_ij ~ (f_i(x + eps e_j) - f_i(x - eps e_j)) / (2 eps),
// and a failure reports the first mismatching entries and the largest difference.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace tg {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  // |analytic - numeric| <= atol + rtol * |numeric|: with eps = 1e-6 in f64 the central difference
  // has truncation error O(eps^2) and rounding error O(1e-16 / eps) ~ 1e-10, far inside these.
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_diff = 0;
  std::string report;  // empty when ok; otherwise the first mismatches
};

// Checks d fn(inputs) / d inputs for every input that requires grad. Inputs must be f64.
GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opts = {});

// Second order: gradchecks the map inputs -> d(sum(fn(inputs) * w))/d inputs (w fixed random),
// whose backward runs through create_graph. Catches backward rules that are not differentiable.
GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opts = {});

}  // namespace tg
