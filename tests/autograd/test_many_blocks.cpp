// Shapes past the CUDA launch limits, on every device: more than 2^20 reduction outputs and
// softmax rows (cuda/reduce.cu gives each block several), and attention over more than 65,535
// (batch, head) pairs (cuda/attention.cu numbers blocks along grid x, whose limit is 2^31 - 1),
// and the reductions cuda/reduce.cu plans differently (long rows in two passes, many columns one
// thread each). Cheap on the CPU; what they guard is the @cuda run.
#include <algorithm>
#include <cmath>

#include "test_util.h"

using namespace tg;

namespace {
constexpr int64_t kRows = (int64_t(1) << 20) + 37;  // past 2^20 blocks, not a multiple of anything
constexpr size_t kN = size_t(kRows);
}  // namespace

TEST_CASE("sum and max over the last axis with more than 2^20 outputs") {
  // x[i] = (i mod 7, i mod 7 + 1): sum 2 (i mod 7) + 1, max i mod 7 + 1.
  std::vector<double> x(2 * kN), sums(kN), maxes(kN);
  for (int64_t i = 0; i < kRows; ++i) {
    double a = double(i % 7);
    x[size_t(2 * i)] = a, x[size_t(2 * i + 1)] = a + 1;
    sums[size_t(i)] = 2 * a + 1, maxes[size_t(i)] = a + 1;
  }
  Tensor t = tensor(x, {kRows, 2});
  CHECK_CLOSE(sum(t, {1}), sums, 0, 0);
  CHECK_CLOSE(amax(t, {1}), maxes, 0, 0);
}

TEST_CASE("softmax over more than 2^20 rows") {
  // Row i is (0, i mod 5): its second probability is 1 / (1 + e^-(i mod 5)).
  std::vector<double> x(2 * kN), second(kN);
  for (int64_t i = 0; i < kRows; ++i) {
    x[size_t(2 * i + 1)] = double(i % 5);
    second[size_t(i)] = 1 / (1 + std::exp(-double(i % 5)));
  }
  Tensor p = softmax(tensor(x, {kRows, 2}), -1);
  CHECK_CLOSE(slice(p, 1, 1, 2).reshape({kRows}), second, 1e-6, 1e-6);
}

TEST_CASE("attention over more than 65,535 heads") {
  // One key per head: softmax over a single score is exactly 1, so O = V, dV = dO and dQ = dK = 0.
  const int64_t H = 65536 + 3, D = 16;
  Generator gen(8);
  Tensor q = randn({1, H, 1, D}, gen), k = randn({1, H, 1, D}, gen), v = randn({1, H, 1, D}, gen);
  Tensor dout = randn({1, H, 1, D}, gen);
  for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
  Tensor o = scaled_dot_product_attention(q, k, v, true);
  o.backward(dout);
  CHECK_CLOSE(o, v, 1e-6, 1e-6);
  CHECK_CLOSE(v.grad(), dout, 1e-6, 1e-6);
  // dS = P (dP - rowsum(dO o O)) is 0 up to the rounding of two equal f32 dot products of 16 terms
  CHECK_CLOSE(q.grad(), std::vector<double>(size_t(H * D), 0.0), 1e-5, 0);
  CHECK_CLOSE(k.grad(), std::vector<double>(size_t(H * D), 0.0), 1e-5, 0);
}

TEST_CASE("long-row and column reductions (the two-pass and per-column plans of cuda/reduce.cu)") {
  // A whole-tensor reduction of 3 x 2^20 + 5 elements x_i = (i mod 7) - 3: few outputs over a long
  // row, so CUDA reduces it in two passes. Integer values: every partial sum is exact in double.
  const int64_t n = 3 * (int64_t(1) << 20) + 5;
  std::vector<double> x(static_cast<size_t>(n));
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += x[size_t(i)] = double(i % 7) - 3;
  Tensor t = tensor(x);
  CHECK_CLOSE(sum(t), {total}, 0, 0);
  CHECK_CLOSE(max(t), {3}, 0, 0);
  CHECK_CLOSE(min(t), {-3}, 0, 0);
  // NaN wins max and min from whichever part of the row it lands in.
  x.back() = NAN;
  CHECK(std::isnan(max(tensor(x)).item<double>()));
  CHECK(std::isnan(min(tensor(x)).item<double>()));

  // Over the first axis of (40000, 3): 3 outputs, each a strided row of 40,000 (two passes again).
  std::vector<double> y(40000 * 3), col_sums(3, 0.0);
  for (size_t k = 0; k < y.size(); ++k) col_sums[k % 3] += y[k] = double(k % 11) - 5;
  CHECK_CLOSE(sum(tensor(y, {40000, 3}), {0}), col_sums, 0, 0);

  // Over the middle axis of (3, 5, 8192): 24,576 outputs with a contiguous inner axis, so CUDA
  // gives each thread one column; the sums, maxima and minima are checked against a scan here.
  const int64_t outer = 3, rows = 5, inner = 8192;
  std::vector<double> z(size_t(outer * rows * inner)), zs(size_t(outer * inner), 0.0), zmax(zs.size(), -1e9),
      zmin(zs.size(), 1e9);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < rows; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        double v = double((o * 31 + j * 7 + i) % 13) - 6;
        z[size_t((o * rows + j) * inner + i)] = v;
        size_t out = size_t(o * inner + i);
        zs[out] += v, zmax[out] = std::max(zmax[out], v), zmin[out] = std::min(zmin[out], v);
      }
  Tensor zt = tensor(z, {outer, rows, inner});
  CHECK_CLOSE(sum(zt, {1}), zs, 0, 0);
  CHECK_CLOSE(amax(zt, {1}), zmax, 0, 0);
  CHECK_CLOSE(amin(zt, {1}), zmin, 0, 0);
}
