// Softmax, losses and dropout (autograd/ops/nn_functional.h): closed-form values including
// inputs where a naive formula overflows, PyTorch values, gradcheck and second-order gradcheck
// in f64. Dropout is checked statistically with a fixed seed, and gradchecked with a generator
// re-created inside the function so every evaluation draws the same mask.
#include <algorithm>
#include <cmath>

#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
TensorOptions i64{.dtype = DType::i64};
}  // namespace

TG_OP_TEST(Softmax, Value, "closed form, large and -inf inputs, any axis; PyTorch") {
  CHECK_CLOSE(softmax(tensor({0, M_LN2, std::log(3.0)}, {}, f64)), {1.0 / 6, 2.0 / 6, 3.0 / 6}, 1e-15, 1e-14);
  CHECK_CLOSE(softmax(tensor({1000, 1000, -INFINITY})), {0.5, 0.5, 0});  // naive exp overflows
  Tensor x = tensor({0, std::log(3.0), 0, 0}, {2, 2});
  CHECK_CLOSE(softmax(x, 0), {0.5, 0.75, 0.5, 0.25});  // down the columns
  CHECK_CLOSE(softmax(x, -1), {0.25, 0.75, 0.5, 0.5});  // along the rows
  CHECK_TORCH("softmax_last", [](auto& x) { return softmax(x[0]); });
  CHECK_TORCH("softmax_axis0", [](auto& x) { return softmax(x[0], 0); });
}
TG_OP_TEST(Softmax, Gradcheck, "last axis and a middle axis") {
  In in{leaf({2, 3, 4}, 1, 2.0)};
  CHECK_GRADCHECK([](auto& x) { return softmax(x[0]); }, in);
  CHECK_GRADCHECK([](auto& x) { return softmax(x[0], 1); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return softmax(x[0], -2); }, in);
}

TG_OP_TEST(LogSoftmax, Value, "closed form, stable; PyTorch") {
  CHECK_CLOSE(log_softmax(tensor({0, 0, 0, 0}, {}, f64)), std::vector<double>(4, -std::log(4.0)), 1e-15, 1e-15);
  CHECK_CLOSE(log_softmax(tensor({1000, 0})), {0, -1000});  // naive: log(inf / inf)
  CHECK_TORCH("log_softmax_last", [](auto& x) { return log_softmax(x[0]); });
  CHECK_TORCH("log_softmax_axis1", [](auto& x) { return log_softmax(x[0], 1); });
}
TG_OP_TEST(LogSoftmax, Gradcheck, "") {
  In in{leaf({2, 3, 4}, 2, 2.0)};
  CHECK_GRADCHECK([](auto& x) { return log_softmax(x[0], 0); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return log_softmax(x[0]); }, in);
}

TG_OP_TEST(CrossEntropy, Value, "log C on zero logits, reductions, i32 targets; PyTorch") {
  Tensor logits = zeros({4, 5});
  Tensor target = tensor({0, 4, 2, 2}, {}, i64);
  CHECK_CLOSE(cross_entropy(logits, target), {std::log(5.0)});
  CHECK_CLOSE(cross_entropy(logits, target, Reduction::Sum), {4 * std::log(5.0)});
  CHECK(cross_entropy(logits, target, Reduction::None).shape() == Shape{4});
  // a confident right answer costs ~e^-100, a confident wrong one ~100, without overflow
  Tensor sure = tensor({100, 0, 0, 100}, {2, 2});
  CHECK_CLOSE(cross_entropy(sure, tensor({0, 0}, {}, {.dtype = DType::i32}), Reduction::None), {0, 100});
  CHECK_TORCH("cross_entropy_mean", [](auto& x) { return cross_entropy(x[0], x[1]); });
  CHECK_TORCH("cross_entropy_sum", [](auto& x) { return cross_entropy(x[0], x[1], Reduction::Sum); });
  CHECK_TORCH("cross_entropy_none_spatial", [](auto& x) { return cross_entropy(x[0], x[1], Reduction::None); });
}
TG_OP_TEST(CrossEntropy, Gradcheck, "(N, C) and (N, C, d)") {
  Tensor t = tensor({2, 0, 2}, {}, i64), t2 = tensor({1, 0, 2, 2}, {2, 2}, i64);
  In in{leaf({3, 4}, 3)}, spatial{leaf({2, 3, 2}, 4)};
  CHECK_GRADCHECK([t](auto& x) { return cross_entropy(x[0], t); }, in);
  CHECK_GRADGRADCHECK([t](auto& x) { return cross_entropy(x[0], t, Reduction::None); }, in);
  CHECK_GRADCHECK([t2](auto& x) { return cross_entropy(x[0], t2, Reduction::Sum); }, spatial);
  CHECK_GRADGRADCHECK([t2](auto& x) { return cross_entropy(x[0], t2); }, spatial);
}

TG_OP_TEST(NllLoss, Value, "picks -log_probs[target]; PyTorch") {
  Tensor lp = tensor({-1, -2, -3, -4}, {2, 2});
  Tensor t = tensor({1, 0}, {}, i64);
  CHECK_CLOSE(nll_loss(lp, t), {2.5});
  CHECK_CLOSE(nll_loss(lp, t, Reduction::Sum), {5});
  CHECK_CLOSE(nll_loss(lp, t, Reduction::None), {2, 3});
  CHECK_TORCH("nll_loss_mean", [](auto& x) { return nll_loss(x[0], x[1]); });
  CHECK_TORCH("nll_loss_none_spatial", [](auto& x) { return nll_loss(x[0], x[1], Reduction::None); });
}
TG_OP_TEST(NllLoss, Gradcheck, "") {
  Tensor t = tensor({1, 1, 0}, {}, i64);
  In in{leaf({3, 2}, 5)};
  CHECK_GRADCHECK([t](auto& x) { return nll_loss(x[0], t); }, in);
  CHECK_GRADGRADCHECK([t](auto& x) { return nll_loss(square(x[0]), t, Reduction::Sum); }, in);
}

TG_OP_TEST(BinaryCrossEntropyWithLogits, Value, "log 2 at 0, stable at +-100; PyTorch") {
  Tensor y = binary_cross_entropy_with_logits(tensor({0, 0, 100, -100, 100}), tensor({0, 1, 1, 1, 0}), Reduction::None);
  CHECK_CLOSE(y, {M_LN2, M_LN2, 0, 100, 100});
  CHECK_TORCH("bce_logits_mean", [](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1]); });
  CHECK_TORCH("bce_logits_none", [](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1], Reduction::None); });
}
TG_OP_TEST(BinaryCrossEntropyWithLogits, Gradcheck, "in logits and in target") {
  Tensor target = tensor({0.2, 0.9, 0.5, 0, 1, 0.7}, {2, 3}, f64);
  target.requires_grad_();
  In in{leaf({2, 3}, 6, 2.0), target};
  CHECK_GRADCHECK([](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1], Reduction::None); }, in);
}

TG_OP_TEST(MseLoss, Value, "exact reductions; PyTorch") {
  Tensor a = tensor({1, 2}), b = tensor({3, 5});
  CHECK_CLOSE(mse_loss(a, b), {6.5});
  CHECK_CLOSE(mse_loss(a, b, Reduction::Sum), {13});
  CHECK_CLOSE(mse_loss(a, b, Reduction::None), {4, 9});
  CHECK_TORCH("mse_mean", [](auto& x) { return mse_loss(x[0], x[1]); });
  CHECK_TORCH("mse_sum", [](auto& x) { return mse_loss(x[0], x[1], Reduction::Sum); });
}
TG_OP_TEST(MseLoss, Gradcheck, "") {
  In in{leaf({2, 3}, 7), leaf({2, 3}, 8)};
  CHECK_GRADCHECK([](auto& x) { return mse_loss(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mse_loss(x[0], x[1], Reduction::None); }, in);
}

// With n = 20000 and keep probability q = 0.7 the kept fraction has standard error
// sqrt(q (1 - q) / n) = 0.0032; the test allows 4 standard errors.
TG_OP_TEST(Dropout, Value, "kept fraction, 1/(1-p) scaling, eval identity, reproducible") {
  const int64_t n = 20000;
  const double p = 0.3, se = std::sqrt(p * (1 - p) / n);
  Tensor x = ones({n});
  x.requires_grad_();
  Generator gen(42);
  Tensor y = dropout(x, p, /*training=*/true, gen);
  std::vector<float> v = y.to_vector<float>();
  int64_t kept = 0;
  bool scaled = true;
  for (float e : v) {
    if (e != 0) ++kept;
    scaled = scaled && (e == 0 || std::fabs(e - 1 / (1 - p)) < 1e-6);
  }
  CHECK(std::fabs(double(kept) / n - (1 - p)) < 4 * se);
  CHECK(scaled);
  sum(y).backward();  // the gradient is the same mask and scale
  CHECK_CLOSE(x.grad(), std::vector<double>(v.begin(), v.end()));
  // the same seed reproduces the mask; the next draw from a generator is a different one
  Generator again(42);
  CHECK_CLOSE(dropout(x, p, true, again), std::vector<double>(v.begin(), v.end()), 0, 0);
  CHECK(tg::test::compare(dropout(x, p, true, again), std::vector<double>(v.begin(), v.end()), 0, 0) != "");
  CHECK(dropout(x, p, /*training=*/false, gen).same(x));
  CHECK(dropout(x, 0.0, true, gen).same(x));
  CHECK_CLOSE(dropout(x, 1.0, true, gen), std::vector<double>(size_t(n), 0.0));
  CHECK_THROWS_AS(dropout(x, 1.5, true, gen), Error);
}
TG_OP_TEST(Dropout, Gradcheck, "fixed mask: generator re-created per call") {
  In in{leaf({3, 4}, 9)};
  auto fn = [](auto& x) {
    Generator gen(7);
    return dropout(x[0], 0.4, true, gen);
  };
  std::vector<float> mask = fn(in).template to_vector<float>();
  CHECK(std::count(mask.begin(), mask.end(), 0.0f) > 0);  // some dropped, some kept
  CHECK(std::count(mask.begin(), mask.end(), 0.0f) < 12);
  CHECK_GRADCHECK(fn, in);
  CHECK_GRADGRADCHECK([fn](auto& x) { return mul(fn(x), x[0]); }, in);
}
