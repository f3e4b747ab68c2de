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
  // a 0-d input is one row of one element: softmax 1, gradient 0 (torch.softmax(x, 0))
  Tensor s = tensor({2.0}, {1}, f64).reshape({});
  s.requires_grad_();
  Tensor y = softmax(s);
  CHECK(y.shape() == Shape{});
  CHECK_CLOSE(y, {1});
  y.backward();
  CHECK_CLOSE(s.grad(), {0.0});
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
  // far from zero in f32: x - m - log s keeps the bits that x - (m + log s) rounds away at 3000
  // (f32's spacing there is 2.4e-4), so f32 agrees with PyTorch's f64 to the default 1e-6 + 1e-5 rel
  CHECK_TORCH("log_softmax_far", [](auto& x) { return log_softmax(x[0]); });
  Tensor s = tensor({-3.0}, {1}, f64).reshape({});
  s.requires_grad_();
  Tensor y = log_softmax(s, -1);
  CHECK_CLOSE(y, {0.0});
  y.backward();
  CHECK_CLOSE(s.grad(), {0.0});
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

TEST_CASE("cross_entropy options: class weights, ignore_index, label_smoothing, probability targets; PyTorch") {
  // closed form: zero logits over C = 4 give log_probs -log 4 everywhere
  Tensor z = zeros({3, 4});
  Tensor w = tensor({1, 2, 3, 4});
  Tensor t = tensor({1, -100, 3}, {}, i64);
  // weighted mean: (2 log 4 + 4 log 4) / (2 + 4); the ignored row counts nowhere
  CHECK_CLOSE(cross_entropy(z, t, {.weight = w}), {std::log(4.0)});
  CHECK_CLOSE(cross_entropy(z, t, {.weight = w, .reduction = Reduction::None}), {2 * std::log(4.0), 0, 4 * std::log(4.0)});
  CHECK_CLOSE(cross_entropy(z, t, {.ignore_index = -100, .reduction = Reduction::Sum}), {2 * std::log(4.0)});
  // every target ignored: the mean is 0 / 0, as in PyTorch
  CHECK(std::isnan(cross_entropy(z, tensor({5, 5, 5}, {}, i64), {.ignore_index = 5}).item<double>()));
  // label smoothing on uniform log_probs changes nothing: both terms are log 4
  CHECK_CLOSE(cross_entropy(z, tensor({0, 1, 2}, {}, i64), {.label_smoothing = 0.3}), {std::log(4.0)});
  // probability targets: -sum_c p_c log_probs_c = log 4 for any p that sums to 1
  CHECK_CLOSE(cross_entropy(z, full({3, 4}, 0.25)), {std::log(4.0)});
  CHECK_ERROR(cross_entropy(z, tensor({1, -7, 3}, {}, i64)), "cross_entropy", "target -7", "position 1");
  CHECK_ERROR(cross_entropy(z, t, {.weight = tensor({1, 2, 3})}), "cross_entropy", "weight", "(3,)");
  CHECK_ERROR(cross_entropy(z, t, {.label_smoothing = 1.5}), "cross_entropy", "label_smoothing 1.5");
  CHECK_ERROR(cross_entropy(z, full({3, 4}, 0.25), {.ignore_index = 0}), "cross_entropy", "ignore_index 0");
  CHECK_ERROR(cross_entropy(z, full({3, 5}, 0.2)), "cross_entropy", "(3, 5)", "(3, 4)");
  auto wt = [](auto& x) { return x[2]; };
  CHECK_TORCH("ce_weight_mean", [&](auto& x) { return cross_entropy(x[0], x[1], {.weight = wt(x)}); });
  CHECK_TORCH("ce_weight_sum", [&](auto& x) {
    return cross_entropy(x[0], x[1], {.weight = wt(x), .reduction = Reduction::Sum});
  });
  CHECK_TORCH("ce_ignore_mean", [](auto& x) { return cross_entropy(x[0], x[1], {.ignore_index = -100}); });
  CHECK_TORCH("ce_ignore_in_range_none", [](auto& x) {
    return cross_entropy(x[0], x[1], {.ignore_index = 2, .reduction = Reduction::None});
  });
  CHECK_TORCH("ce_weight_ignore_spatial", [&](auto& x) {
    return cross_entropy(x[0], x[1], {.weight = wt(x), .ignore_index = -1});
  });
  CHECK_TORCH("ce_smoothing_mean", [](auto& x) { return cross_entropy(x[0], x[1], {.label_smoothing = 0.1}); });
  CHECK_TORCH("ce_smoothing_weight_ignore", [&](auto& x) {
    return cross_entropy(x[0], x[1], {.weight = wt(x), .label_smoothing = 0.2});
  });
  CHECK_TORCH("ce_smoothing_weight_sum", [&](auto& x) {
    return cross_entropy(x[0], x[1], {.weight = wt(x), .label_smoothing = 0.3, .reduction = Reduction::Sum});
  });
  CHECK_TORCH("ce_probs_mean", [](auto& x) { return cross_entropy(x[0], x[1]); });
  CHECK_TORCH("ce_probs_weight_smoothing_spatial", [&](auto& x) {
    return cross_entropy(x[0], x[1], {.weight = wt(x), .label_smoothing = 0.1});
  });
  CHECK_TORCH("ce_probs_none", [](auto& x) { return cross_entropy(x[0], x[1], Reduction::None); });
}

TEST_CASE("cross_entropy options: gradcheck with weights, ignored targets, smoothing, probability targets") {
  Tensor t = tensor({2, -100, 0, 3}, {}, i64), w = tensor({0.5, 1.5, 2, 1}, {}, f64);
  Tensor p = softmax(tensor({0.1, 2, -1, 0.5, 1, 1, 0, -2, 0.3, 0.2, 0.1, 0}, {3, 4}, f64));
  In in{leaf({4, 4}, 9)}, three{leaf({3, 4}, 10)};
  CHECK_GRADCHECK([=](auto& x) { return cross_entropy(x[0], t, {.weight = w, .label_smoothing = 0.2}); }, in);
  CHECK_GRADGRADCHECK([=](auto& x) { return cross_entropy(x[0], t, {.weight = w}); }, in);
  CHECK_GRADCHECK([=](auto& x) { return cross_entropy(x[0], p, {.weight = w, .label_smoothing = 0.1}); }, three);
  CHECK_GRADGRADCHECK([=](auto& x) { return cross_entropy(x[0], p, Reduction::None); }, three);
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
  // pos_weight p weights the positive term: at x = 0, y = 1 the loss is p log 2; weight scales it
  Tensor zero = zeros({1, 2}), one = full({1, 2}, 1.0);
  CHECK_CLOSE(binary_cross_entropy_with_logits(zero, one, {.pos_weight = tensor({3, 0.5}), .reduction = Reduction::None}),
              {3 * M_LN2, 0.5 * M_LN2});
  CHECK_CLOSE(binary_cross_entropy_with_logits(zero, zeros({1, 2}), {.weight = tensor({2, 4}), .pos_weight = tensor({3, 3})}),
              {3 * M_LN2});  // negatives ignore pos_weight; mean of 2 log 2 and 4 log 2
  CHECK_ERROR(binary_cross_entropy_with_logits(zero, one, {.pos_weight = tensor({1, 2, 3})}),
              "binary_cross_entropy_with_logits", "(3,)");
  CHECK_ERROR(binary_cross_entropy_with_logits(zero, one, {.pos_weight = zeros({2, 1, 2})}),
              "binary_cross_entropy_with_logits", "pos_weight", "(2, 1, 2)");
  CHECK_ERROR(binary_cross_entropy_with_logits(zero, one, {.weight = zeros({3, 2})}), "binary_cross_entropy_with_logits",
              "weight", "(3, 2)");
  CHECK_TORCH("bce_pos_weight_mean", [](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1], {.pos_weight = x[2]}); });
  CHECK_TORCH("bce_weight_pos_weight_sum", [](auto& x) {
    return binary_cross_entropy_with_logits(x[0], x[1], {.weight = x[2], .pos_weight = x[3], .reduction = Reduction::Sum});
  });
  CHECK_TORCH("bce_weight_none", [](auto& x) {
    return binary_cross_entropy_with_logits(x[0], x[1], {.weight = x[2], .reduction = Reduction::None});
  });
}
TG_OP_TEST(BinaryCrossEntropyWithLogits, Gradcheck, "in logits and in target") {
  Tensor target = tensor({0.2, 0.9, 0.5, 0, 1, 0.7}, {2, 3}, f64);
  target.requires_grad_();
  In in{leaf({2, 3}, 6, 2.0), target};
  CHECK_GRADCHECK([](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1], Reduction::None); }, in);
  Tensor pw = tensor({2, 0.5, 1.5}, {}, f64), w = tensor({0.3, 1.2}, {2, 1}, f64);
  CHECK_GRADCHECK([=](auto& x) { return binary_cross_entropy_with_logits(x[0], x[1], {.weight = w, .pos_weight = pw}); }, in);
  CHECK_GRADGRADCHECK([=](auto& x) {
    return binary_cross_entropy_with_logits(x[0], x[1], {.pos_weight = pw, .reduction = Reduction::Sum});
  }, in);
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
