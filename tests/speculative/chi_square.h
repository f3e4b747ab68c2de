// Pearson's chi-square goodness-of-fit test for the statistical tests of this suite: the statistic
// of observed counts against expected probabilities, and its p-value from the chi-square
// distribution's survival function Q(df/2, x/2) (regularized upper incomplete gamma, by series
// below a + 1 and by Lentz's continued fraction above, as in Numerical Recipes sec. 6.2).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace tg::test {

// P(a, x) by its series  e^-x x^a / Gamma(a + 1) * sum_n x^n / ((a+1)...(a+n)).
inline double gamma_p_series(double a, double x) {
  double term = 1 / a, sum = term;
  for (int n = 1; n < 1000 && std::fabs(term) > 1e-16 * std::fabs(sum); ++n) {
    term *= x / (a + n);
    sum += term;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz).
inline double gamma_q_fraction(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

// P(X >= x) for X ~ chi-square with df degrees of freedom.
inline double chi_square_survival(double x, int64_t df) {
  const double a = 0.5 * double(df), y = 0.5 * x;
  if (y <= 0) return 1;
  return y < a + 1 ? 1 - gamma_p_series(a, y) : gamma_q_fraction(a, y);
}

struct ChiSquare {
  double statistic, p_value;
  int64_t df;
};

// Pearson's test of `counts` against `probs` (same length; cells of probability 0 must be empty and
// are left out of the degrees of freedom).
inline ChiSquare chi_square_test(const std::vector<int64_t>& counts, const std::vector<double>& probs) {
  double n = 0;
  for (int64_t c : counts) n += double(c);
  double stat = 0;
  int64_t cells = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (probs[i] <= 0) {
      if (counts[i] > 0) return {INFINITY, 0, 0};
      continue;
    }
    const double e = n * probs[i];
    stat += (double(counts[i]) - e) * (double(counts[i]) - e) / e;
    ++cells;
  }
  return {stat, chi_square_survival(stat, cells - 1), cells - 1};
}

}  // namespace tg::test
