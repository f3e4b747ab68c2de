// Implementation of tests/test_util.h, linked into every suite.
#include "test_util.h"

#include <cmath>

namespace tg::test {

std::map<std::pair<Op, Check>, int>& op_tests() {
  static std::map<std::pair<Op, Check>, int> registry;
  return registry;
}

std::string compare(const std::vector<double>& actual, const std::vector<double>& expected, double atol, double rtol) {
  if (actual.size() != expected.size())
    return fmt::format("size mismatch: {} values, expected {}", actual.size(), expected.size());
  std::string report;
  int bad = 0;
  double max_diff = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    bool both_nan = std::isnan(a) && std::isnan(e);
    bool same_inf = std::isinf(a) && a == e;
    double d = std::fabs(a - e);
    if (!both_nan && !same_inf) {
      if (!(d <= atol + rtol * std::fabs(e))) {
        if (bad++ < 6) report += fmt::format("  [{}] got {:.9g}, expected {:.9g}\n", i, a, e);
      }
      if (std::isfinite(d)) max_diff = std::max(max_diff, d);
    }
  }
  if (bad == 0) return "";
  return fmt::format("{} of {} values differ (max |diff| {:.3g}, atol {}, rtol {}):\n{}", bad, actual.size(), max_diff,
                     atol, rtol, report);
}

std::string compare(const Tensor& actual, const std::vector<double>& expected, double atol, double rtol) {
  return compare(actual.to_vector<double>(), expected, atol, rtol);
}

std::string compare(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  if (actual.shape() != expected.shape())
    return fmt::format("shape mismatch: got {}, expected {}", describe(actual), describe(expected));
  return compare(actual.to_vector<double>(), expected.to_vector<double>(), atol, rtol);
}

Tensor leaf(const Shape& shape, uint64_t seed, double scale, double shift) {
  Generator gen(seed);
  Tensor t = randn(shape, gen, {.dtype = DType::f64});
  t = add(mul(t, scale), shift).detach();
  t.requires_grad_();
  return t;
}

}  // namespace tg::test
