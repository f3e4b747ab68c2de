// Gaussian fits of feature rows and the Fréchet distance between them (see frechet_distance.h).
// The matrix square root goes through a symmetric eigendecomposition by cyclic Jacobi rotations:
// short, unconditionally convergent on symmetric matrices, accurate for small eigenvalues, and at
// D = 128 features a few sweeps of O(D^3) cost milliseconds.
#include "models/frechet_distance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"

namespace tg::models {

namespace {

// C = A B for n x n row-major matrices.
std::vector<double> matmul_square(const std::vector<double>& a, const std::vector<double>& b, int64_t n) {
  std::vector<double> c(size_t(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k) {
      double aik = a[size_t(i * n + k)];
      for (int64_t j = 0; j < n; ++j) c[size_t(i * n + j)] += aik * b[size_t(k * n + j)];
    }
  return c;
}

// S^{1/2} = V diag(sqrt(max(lambda, 0))) V^T for a symmetric PSD S; eigenvalues a rounding error
// below zero are clamped to 0 (a covariance from fewer samples than dimensions is singular).
std::vector<double> sqrt_psd(const std::vector<double>& s, int64_t n) {
  SymmetricEigen e = symmetric_eigen(s, n);
  std::vector<double> r(size_t(n * n), 0.0);
  for (int64_t k = 0; k < n; ++k) {
    double root = std::sqrt(std::max(e.values[size_t(k)], 0.0));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        r[size_t(i * n + j)] += e.vectors[size_t(i * n + k)] * root * e.vectors[size_t(j * n + k)];
  }
  return r;
}

}  // namespace

GaussianFit fit_gaussian(const Tensor& features) {
  TG_CHECK(features.dim() == 2 && features.size(0) >= 2,
           "fit_gaussian: features must be (N, D) with N >= 2 rows, got {}", describe(features));
  TG_CHECK(is_floating(features.dtype()), "fit_gaussian: features must be floating point, got {}",
           describe(features));
  NoGradGuard no_grad;
  const int64_t n = features.size(0), d = features.size(1);
  Tensor x = features.detach().to(Device::cpu).to(DType::f64);
  Tensor mu = mean(x, {0}, /*keepdim=*/true);  // (1, D)
  Tensor xc = sub(x, mu);
  // S = Xc^T Xc / (N - 1), as numpy.cov and torch.cov
  Tensor cov = div(matmul(xc, xc, /*trans_a=*/true, /*trans_b=*/false), double(n - 1));
  return {d, mu.to_vector<double>(), cov.to_vector<double>()};
}

SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n) {
  TG_CHECK(n >= 1 && int64_t(a.size()) == n * n, "symmetric_eigen: need an n x n matrix, got {} values for n = {}",
           a.size(), n);
  auto at = [&a, n](int64_t i, int64_t j) -> double& { return a[size_t(i * n + j)]; };
  std::vector<double> v(size_t(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[size_t(i * n + i)] = 1;
  const double total = std::inner_product(a.begin(), a.end(), a.begin(), 0.0);
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += 2 * at(p, q) * at(p, q);
    // off-diagonal Frobenius mass 1e-12 of the matrix's: eigenvalues are then exact to ~1e-12 |A|
    if (off <= 1e-24 * total) break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        if (at(p, q) == 0) continue;
        // The rotation J(p, q, theta) that zeroes a_pq in J^T A J:
        //   theta = (a_qq - a_pp) / (2 a_pq),  t = tan = sgn(theta) / (|theta| + sqrt(theta^2 + 1))
        double theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        at(p, p) -= t * at(p, q);
        at(q, q) += t * at(p, q);
        at(p, q) = at(q, p) = 0;
        for (int64_t k = 0; k < n; ++k) {
          if (k != p && k != q) {
            double akp = at(k, p), akq = at(k, q);
            at(k, p) = at(p, k) = c * akp - s * akq;
            at(k, q) = at(q, k) = s * akp + c * akq;
          }
          double vkp = v[size_t(k * n + p)], vkq = v[size_t(k * n + q)];
          v[size_t(k * n + p)] = c * vkp - s * vkq;
          v[size_t(k * n + q)] = s * vkp + c * vkq;
        }
      }
  }
  // ascending order, columns of V permuted alike
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return at(i, i) < at(j, j); });
  SymmetricEigen e{std::vector<double>(size_t(n)), std::vector<double>(size_t(n * n))};
  for (int64_t j = 0; j < n; ++j) {
    e.values[size_t(j)] = at(order[size_t(j)], order[size_t(j)]);
    for (int64_t i = 0; i < n; ++i) e.vectors[size_t(i * n + j)] = v[size_t(i * n + order[size_t(j)])];
  }
  return e;
}

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
  const int64_t n = a.dim;
  TG_CHECK(n >= 1 && b.dim == n && int64_t(a.mean.size()) == n && int64_t(b.mean.size()) == n &&
               int64_t(a.cov.size()) == n * n && int64_t(b.cov.size()) == n * n,
           "frechet_distance: the two fits must have the same dimension, got {} and {}", a.dim, b.dim);
  double mean_term = 0, trace_term = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = a.mean[size_t(i)] - b.mean[size_t(i)];
    mean_term += d * d;
    trace_term += a.cov[size_t(i * n + i)] + b.cov[size_t(i * n + i)];
  }
  // tr (S1 S2)^{1/2} = sum sqrt(eig(R S2 R)), R = S1^{1/2}: R S2 R = R^{-1} (S1 S2) R has the
  // eigenvalues of S1 S2 (by continuity also for a singular R), and is symmetric PSD
  // (symmetrised against rounding before Jacobi)
  std::vector<double> r = sqrt_psd(a.cov, n);
  std::vector<double> m = matmul_square(matmul_square(r, b.cov, n), r, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      m[size_t(i * n + j)] = m[size_t(j * n + i)] = 0.5 * (m[size_t(i * n + j)] + m[size_t(j * n + i)]);
  double trace_sqrt = 0;
  for (double lambda : symmetric_eigen(std::move(m), n).values) trace_sqrt += std::sqrt(std::max(lambda, 0.0));
  return mean_term + trace_term - 2 * trace_sqrt;
}

}  // namespace tg::models
