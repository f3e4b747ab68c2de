// The Fréchet distance between two Gaussians fitted to feature rows (FID's formula, on this
// project's own classifier features for Fashion-MNIST):
//   FD = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^{1/2}),
// with tr((S1 S2)^{1/2}) = sum_i sqrt(lambda_i) over the eigenvalues of the symmetric PSD matrix
// S1^{1/2} S2 S1^{1/2} (similar to S1 S2), found by a cyclic Jacobi eigendecomposition written here.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace tg::models {

// A Gaussian fit of D-dimensional features: the mean and the unbiased (N - 1) covariance, in f64.
struct GaussianFit {
  int64_t dim = 0;
  std::vector<double> mean;  // (D,)
  std::vector<double> cov;   // (D, D), row-major
};

// Fits the rows of `features` (N, D), N >= 2, of any floating dtype on any device.
GaussianFit fit_gaussian(const Tensor& features);

struct SymmetricEigen {
  std::vector<double> values;   // (n,), ascending
  std::vector<double> vectors;  // (n, n) row-major, column j is the unit eigenvector of values[j]
};

// Eigendecomposition A = V diag(values) V^T of a symmetric n x n matrix (row-major) by cyclic
// Jacobi rotations, swept until the off-diagonal mass is below 1e-30 of the total (or 100 sweeps).
SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n);

double frechet_distance(const GaussianFit& a, const GaussianFit& b);

}  // namespace tg::models
