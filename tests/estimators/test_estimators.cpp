// gumbel_softmax, straight_through, score_function and the baselines: exact forward values,
// gradients equal to what the derivations in autograd/estimators.h say, Gumbel-max frequencies
// against softmax (chi-square), gradchecks, and errors on bad input.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {
constexpr TensorOptions kF64{.dtype = DType::f64};
}

TEST_CASE("gumbel_softmax: argmax frequencies match softmax(logits) (chi-square, p > 0.001)") {
  const int64_t n = 100000, k = 10;
  std::vector<double> theta = {0.5, -0.3, 1.2, 0.0, -1.0, 0.8, 0.3, -0.6, 1.0, -0.2};
  Tensor logits = expand(tensor(theta, {1, k}, kF64), {n, k});
  Generator gen(17);
  // tau does not change the argmax of (l + g) / tau, so any tau gives categorical samples.
  std::vector<int64_t> index = argmax(gumbel_softmax(logits, 0.7, false, gen), -1).to_vector<int64_t>();
  std::vector<double> p = softmax(tensor(theta, {}, kF64)).to_vector<double>(), count(k, 0.0);
  for (int64_t i : index) count[size_t(i)] += 1;
  double chi2 = 0;
  for (int64_t j = 0; j < k; ++j) chi2 += std::pow(count[j] - double(n) * p[j], 2) / (double(n) * p[j]);
  // The 0.999 quantile of chi-square with K - 1 = 9 degrees of freedom is 27.877.
  CAPTURE(chi2);
  CHECK(chi2 < 27.877);
  // Categorical::sample draws by the same Gumbel-max trick.
  Generator same(17);
  CHECK_CLOSE(Categorical::from_logits(logits).sample(same).to(DType::f64),
              std::vector<double>(index.begin(), index.end()), 0, 0);
}

TEST_CASE("gumbel_softmax: soft samples are points of the simplex, differentiable in the logits") {
  Generator gen(1);
  Tensor y = gumbel_softmax(leaf({4, 5}, 2), 0.5, false, gen);
  CHECK_CLOSE(sum(y, {-1}), std::vector<double>(4, 1.0), 1e-12, 1e-12);
  CHECK(min(y).item<double>() >= 0);
  std::vector<Tensor> in{leaf({3, 4}, 3)};
  CHECK_GRADCHECK([](const std::vector<Tensor>& l) {
    Generator fixed(9);  // the same Gumbel noise on every evaluation: y is a deterministic function of l
    return gumbel_softmax(l[0], 0.8, false, fixed);
  }, in);
}

TEST_CASE("gumbel_softmax: hard samples are exact one-hots with the soft sample's gradient") {
  Tensor l_soft = leaf({6, 5}, 4), l_hard = l_soft.detach().clone().requires_grad_();
  Generator gen_soft(21), gen_hard(21);  // the same noise for both
  Tensor soft = gumbel_softmax(l_soft, 0.5, false, gen_soft), hard = gumbel_softmax(l_hard, 0.5, true, gen_hard);
  // Forward: exactly one_hot(argmax soft) (no rounding residue from the straight-through sum).
  CHECK_CLOSE(hard, one_hot(argmax(soft, -1), 5, DType::f64), 0, 0);
  // Backward: for any upstream gradient w, dl = J_softmax^T w, the same for both.
  Tensor w = leaf({6, 5}, 5).detach();
  sum(mul(soft, w)).backward();
  sum(mul(hard, w)).backward();
  CHECK_CLOSE(l_hard.grad(), l_soft.grad(), 1e-15, 0);
}

TEST_CASE("gumbel_softmax: tau must be positive and logits floating point (..., K)") {
  Generator gen(0);
  Tensor l = zeros({2, 3}, kF64);
  CHECK_ERROR(gumbel_softmax(l, 0.0, false, gen), "gumbel_softmax", "tau", "0", "(2, 3)");
  CHECK_ERROR(gumbel_softmax(l, -1.0, true, gen), "gumbel_softmax", "tau", "-1");
  CHECK_ERROR(gumbel_softmax(l, NAN, true, gen), "gumbel_softmax", "tau");
  CHECK_ERROR(gumbel_softmax(zeros({2, 3}, {.dtype = DType::i64}), 1.0, false, gen), "gumbel_softmax", "i64");
  CHECK_ERROR(gumbel_softmax(scalar_tensor(0.0, kF64), 1.0, false, gen), "gumbel_softmax", "(..., K)");
}

TEST_CASE("straight_through: forward is q bit for bit, the gradient reaches x unchanged, q gets none") {
  Tensor x = leaf({7}, 8), q = leaf({7}, 9, 10.0);
  Tensor out = straight_through(x, q);
  CHECK_CLOSE(out, q.detach(), 0, 0);
  Tensor w = tensor({1, -2, 3, 0.5, -0.25, 7, 1e-3}, {}, kF64);
  sum(mul(out, w)).backward();
  CHECK_CLOSE(x.grad(), w, 0, 0);
  CHECK(!q.grad().defined());
  CHECK_ERROR(straight_through(x, leaf({6}, 1)), "straight_through", "(7,)", "(6,)");
  CHECK_ERROR(straight_through(x, q.detach().to(DType::f32)), "straight_through", "f64", "f32");
}

TEST_CASE("score_function: value log p (f - b), gradient (f - b) d log p, nothing into f or b") {
  Tensor log_p = leaf({3}, 1), f = leaf({3}, 2), b = leaf({1}, 3);
  Tensor s = score_function(log_p, f, b);
  std::vector<double> lp = log_p.to_vector<double>(), fv = f.to_vector<double>();
  double bv = b.item<double>();
  CHECK_CLOSE(s, {lp[0] * (fv[0] - bv), lp[1] * (fv[1] - bv), lp[2] * (fv[2] - bv)}, 1e-15, 1e-15);
  sum(s).backward();
  CHECK_CLOSE(log_p.grad(), {fv[0] - bv, fv[1] - bv, fv[2] - bv}, 1e-15, 1e-15);
  CHECK(!f.grad().defined());
  CHECK(!b.grad().defined());
  // Without a baseline the advantage is f itself; the surrogate is differentiable in log p.
  std::vector<Tensor> in{leaf({4}, 4)};
  Tensor f_const = tensor({1, 2, 3, 4}, {}, kF64);
  CHECK_GRADCHECK([f_const](const std::vector<Tensor>& x) { return score_function(x[0], f_const); }, in);
  CHECK_ERROR(score_function(log_p, zeros({4}, kF64)), "score_function", "(3,)", "(4,)");
  CHECK_ERROR(score_function(log_p, zeros({3})), "score_function", "f64", "f32");
}

TEST_CASE("leave_one_out_baseline: each sample's baseline is the mean of the others") {
  Tensor f = tensor({1, 2, 3, 10, 20, 30}, {2, 3}, kF64);  // K = 3 samples along axis 1
  CHECK_CLOSE(leave_one_out_baseline(f, 1), {2.5, 2, 1.5, 25, 20, 15}, 1e-15, 0);
  CHECK_CLOSE(leave_one_out_baseline(f, 0), {10, 20, 30, 1, 2, 3}, 1e-15, 0);
  CHECK(!leave_one_out_baseline(leaf({2, 3}, 1), 1).requires_grad());
  CHECK_ERROR(leave_one_out_baseline(zeros({4, 1}, kF64), 1), "leave_one_out_baseline", "K >= 2", "(4, 1)");
}

TEST_CASE("MovingAverageBaseline: starts at the first mean, then b = decay b + (1 - decay) mean") {
  MovingAverageBaseline ema(0.75);
  CHECK(ema.value() == 0);
  ema.update(4.0);
  CHECK(ema.value() == 4.0);
  ema.update(8.0);
  CHECK(ema.value() == doctest::Approx(0.75 * 4 + 0.25 * 8).epsilon(1e-15));
  CHECK_ERROR(MovingAverageBaseline(1.0), "MovingAverageBaseline", "decay", "1");
  CHECK_ERROR(MovingAverageBaseline(-0.1), "MovingAverageBaseline", "decay");
}
