// The Fréchet distance: Jacobi's eigendecomposition reconstructs its matrix, FD has its closed
// form for diagonal covariances, is ~0 between a set and itself, and matches numpy.cov +
// scipy.linalg.sqrtm (tests/reference/make_fd_reference.py) on full-rank and singular 16-d cases.
#include <cmath>

#include "models/frechet_distance.h"
#include "reference/fd_reference.h"
#include "test_util.h"

using namespace tg;

namespace {

models::GaussianFit fit_of(const std::vector<double>& rows, int64_t d) {
  return models::fit_gaussian(tensor(rows, {int64_t(rows.size()) / d, d}, {.dtype = DType::f64}));
}

}  // namespace

TEST_CASE("frechet distance: Jacobi gives A = V diag(lambda) V^T with orthonormal V, eigenvalues ascending") {
  // a symmetric 5x5 with known spectrum: Q diag(-2, 0, 0.5, 3, 7) Q^T for a Householder Q
  const int64_t n = 5;
  std::vector<double> u = {0.3, -0.5, 0.1, 0.7, 0.2}, lambda = {-2, 0, 0.5, 3, 7}, a(25, 0.0);
  double uu = 0;
  for (double x : u) uu += x * x;
  auto q = [&](int64_t i, int64_t j) { return (i == j ? 1.0 : 0.0) - 2 * u[size_t(i)] * u[size_t(j)] / uu; };
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < n; ++k) a[size_t(i * n + j)] += q(i, k) * lambda[size_t(k)] * q(j, k);
  models::SymmetricEigen e = models::symmetric_eigen(a, n);
  CHECK(test::compare(e.values, lambda, 1e-12, 0) == "");
  std::vector<double> back(25, 0.0), gram(25, 0.0), identity(25, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    identity[size_t(i * n + i)] = 1;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < n; ++k) {
        back[size_t(i * n + j)] += e.vectors[size_t(i * n + k)] * e.values[size_t(k)] * e.vectors[size_t(j * n + k)];
        gram[size_t(i * n + j)] += e.vectors[size_t(k * n + i)] * e.vectors[size_t(k * n + j)];
      }
  }
  CHECK(test::compare(back, a, 1e-12, 0) == "");
  CHECK(test::compare(gram, identity, 1e-12, 0) == "");
}

TEST_CASE("frechet distance: diagonal covariances give |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2") {
  models::GaussianFit p{3, {0, 1, 2}, {4, 0, 0, 0, 1, 0, 0, 0, 9}};
  models::GaussianFit q{3, {1, 1, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 0.25}};
  // (1 + 0 + 4) + (2 - 1)^2 + 0 + (3 - 0.5)^2 = 5 + 1 + 6.25
  CHECK(models::frechet_distance(p, q) == doctest::Approx(12.25).epsilon(1e-12));
  CHECK(models::frechet_distance(q, p) == doctest::Approx(12.25).epsilon(1e-12));
  // a zero variance (a singular covariance): its square root is 0, clamped, not NaN
  models::GaussianFit r{3, {0, 1, 2}, {4, 0, 0, 0, 0, 0, 0, 0, 9}};
  CHECK(models::frechet_distance(p, r) == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("frechet distance: numpy's covariance, ~0 between a set and itself, scipy.linalg.sqrtm's values") {
  const int64_t d = 16;
  // The singular case is less exact: its zero eigenvalues come out as +-1e-12 |S| or so, and
  // their square roots (~1e-6 |S|^{1/2}) enter the trace term; so do scipy's (measured: FD(x, x)
  // = -4.6e-7, FD(x, y) 2.4e-7 from scipy's; the full-rank case 1.3e-11 and 8.5e-13).
  for (auto [name, x, y, cov_x, value, tol] :
       {std::tuple{"full (N = 40)", &fd_ref::fd_full_x, &fd_ref::fd_full_y, &fd_ref::fd_full_cov_x,
                   fd_ref::fd_full_value[0], 1e-9},
        std::tuple{"singular (N = 12)", &fd_ref::fd_singular_x, &fd_ref::fd_singular_y, &fd_ref::fd_singular_cov_x,
                   fd_ref::fd_singular_value[0], 1e-5}}) {
    INFO("case ", std::string(name));
    models::GaussianFit fx = fit_of(*x, d), fy = fit_of(*y, d);
    CHECK(test::compare(fx.cov, *cov_x, 1e-12, 1e-12) == "");
    CHECK(std::abs(models::frechet_distance(fx, fx)) < tol);
    CHECK(models::frechet_distance(fx, fy) == doctest::Approx(value).epsilon(tol));
    CHECK(models::frechet_distance(fy, fx) == doctest::Approx(value).epsilon(tol));
  }
  // float features fit the same Gaussian to float precision
  models::GaussianFit f32 = models::fit_gaussian(tensor(fd_ref::fd_full_x, {40, d}));
  CHECK(test::compare(f32.cov, fd_ref::fd_full_cov_x, 1e-5, 1e-5) == "");
}

TEST_CASE("frechet distance: bad inputs name the function and the shapes") {
  CHECK(test::error_report([] { models::fit_gaussian(zeros({1, 4})); }, {"fit_gaussian", "N >= 2", "(1, 4)"}) == "");
  CHECK(test::error_report([] { models::fit_gaussian(zeros({3, 2}, {.dtype = DType::i64})); },
                           {"fit_gaussian", "floating"}) == "");
  models::GaussianFit p{2, {0, 0}, {1, 0, 0, 1}}, q{3, {0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}};
  CHECK(test::error_report([&] { models::frechet_distance(p, q); }, {"frechet_distance", "2 and 3"}) == "");
}
