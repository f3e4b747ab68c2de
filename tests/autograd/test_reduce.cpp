// Reductions (autograd/ops/reduce.h): exact small cases with axes lists, keepdim and negative
// axes, PyTorch values on random inputs, gradcheck and second-order gradcheck in f64.
// max/min are checked on inputs without ties (their gradient splits on ties; tested exactly).
#include <cmath>

#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using tg::test::leaf_values;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
// 0..23 as a (2, 3, 4) tensor: sums over any axes have simple closed forms.
Tensor iota234(DType dtype = DType::f32) { return arange(0, 24, 1, {.dtype = dtype}).reshape({2, 3, 4}); }
}  // namespace

TG_OP_TEST(Sum, Value, "axes, keepdim, negative axes; PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(sum(x), {276});
  CHECK(sum(x).shape() == Shape{});
  CHECK_CLOSE(sum(x, {1}), {12, 15, 18, 21, 48, 51, 54, 57});
  Tensor k = sum(x, {0, 2}, /*keepdim=*/true);
  CHECK(k.shape() == Shape{1, 3, 1});
  CHECK_CLOSE(k, {60, 92, 124});
  CHECK_CLOSE(sum(x, {-1}), {6, 22, 38, 54, 70, 86});
  CHECK(sum(x, {-1, 0}).shape() == Shape{3});  // axes in any order
  CHECK_CLOSE(sum(zeros({2, 0})), {0.0});
  Tensor ints = sum(arange(5).reshape({5, 1}), {0});  // integers sum exactly, in their own dtype
  CHECK(ints.dtype() == DType::i64);
  CHECK_CLOSE(ints, {10});
  CHECK_THROWS_AS(sum(x, {1, -2}), Error);  // the same axis twice
  CHECK_THROWS_AS(sum(x, {3}), Error);
  CHECK_TORCH("sum_all", [](auto& x) { return sum(x[0]); });
  CHECK_TORCH("sum_axes_keepdim", [](auto& x) { return sum(x[0], {0, 2}, true); });
  CHECK_TORCH("sum_neg_axis", [](auto& x) { return sum(x[0], {-1}); });
}
TG_OP_TEST(Sum, Gradcheck, "all, some, keepdim") {
  In in{leaf({2, 3, 4}, 1)};
  CHECK_GRADCHECK([](auto& x) { return sum(x[0]); }, in);
  CHECK_GRADCHECK([](auto& x) { return sum(x[0], {0, 2}, true); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return sum(square(x[0]), {-2}); }, in);
}

TG_OP_TEST(Mean, Value, "exact and PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(mean(x), {11.5});
  CHECK_CLOSE(mean(x, {0, 1}), {10, 11, 12, 13});
  CHECK(mean(x, {-1}, true).shape() == Shape{2, 3, 1});
  CHECK_THROWS_AS(mean(iota234(DType::i64)), Error);
  CHECK_TORCH("mean_axis", [](auto& x) { return mean(x[0], {1}); });
  CHECK_TORCH("mean_neg_axes_keepdim", [](auto& x) { return mean(x[0], {-1, -3}, true); });
}
TG_OP_TEST(Mean, Gradcheck, "") {
  In in{leaf({2, 3, 4}, 2)};
  CHECK_GRADCHECK([](auto& x) { return mean(x[0], {1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mean(square(x[0]), {0, -1}, true); }, in);
}

TG_OP_TEST(Max, Value, "exact, ties share the gradient, PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(max(x), {23});
  CHECK_CLOSE(max(x, {1}), {8, 9, 10, 11, 20, 21, 22, 23});
  CHECK_CLOSE(max(x, {0, -1}, true), {15, 19, 23});
  Tensor t = leaf_values({1, 3, 3, 0}, {2, 2});
  Tensor m = max(t);
  CHECK_CLOSE(m, {3});
  m.backward();
  CHECK_CLOSE(t.grad(), {0, 0.5, 0.5, 0});  // split evenly, like torch.amax
  CHECK_THROWS_AS(max(zeros({0})), Error);
  CHECK_TORCH("max_all", [](auto& x) { return max(x[0]); });
  CHECK_TORCH("max_neg_axis", [](auto& x) { return max(x[0], {-1}); });
  CHECK_TORCH("max_axes_keepdim", [](auto& x) { return max(x[0], {0, 2}, true); });
}
TG_OP_TEST(Max, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 3)};  // standard normal draws: no two within 1e-6 of each other
  CHECK_GRADCHECK([](auto& x) { return max(x[0], {1}); }, in);
  CHECK_GRADCHECK([](auto& x) { return max(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return max(square(x[0]), {0, 2}, true); }, in);
}

TG_OP_TEST(Min, Value, "exact, ties share the gradient, PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(min(x), {0.0});
  CHECK_CLOSE(min(x, {2}), {0, 4, 8, 12, 16, 20});
  Tensor t = leaf_values({2, 0, 5, 0, 0, 1}, {2, 3});
  Tensor m = min(t, {0, 1});
  m.backward();
  CHECK_CLOSE(t.grad(), {0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0});
  CHECK_TORCH("min_all", [](auto& x) { return min(x[0]); });
  CHECK_TORCH("min_axis", [](auto& x) { return min(x[0], {1}); });
  CHECK_TORCH("min_axes_keepdim", [](auto& x) { return min(x[0], {-1, 0}, true); });
}
TG_OP_TEST(Min, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return min(x[0], {-1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return min(mul(x[0], x[0]), {1}); }, in);
}

TG_OP_TEST(LogSumExp, Value, "stable for large and -inf inputs; PyTorch") {
  CHECK_CLOSE(logsumexp(tensor({0, 0, 0, 0}, {}, f64)), {std::log(4.0)}, 1e-15, 1e-15);
  CHECK_CLOSE(logsumexp(tensor({1000, 1000}, {}, f64)), {1000 + M_LN2}, 1e-12, 1e-15);  // naive: inf
  CHECK_CLOSE(logsumexp(tensor({-INFINITY, 0}, {}, f64)), {0.0}, 1e-15, 0);
  CHECK_CLOSE(logsumexp(tensor({-INFINITY, -INFINITY}, {}, f64)), {-INFINITY}, 0, 0);  // not NaN
  CHECK(logsumexp(iota234(), {1}, true).shape() == Shape{2, 1, 4});
  CHECK_TORCH("logsumexp_all", [](auto& x) { return logsumexp(x[0]); });
  CHECK_TORCH("logsumexp_axis", [](auto& x) { return logsumexp(x[0], {1}); });
  CHECK_TORCH("logsumexp_neg_keepdim", [](auto& x) { return logsumexp(x[0], {-1}, true); });
}
TG_OP_TEST(LogSumExp, Gradcheck, "") {
  In in{leaf({2, 3, 4}, 5, 2.0)};
  CHECK_GRADCHECK([](auto& x) { return logsumexp(x[0], {1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return logsumexp(x[0], {0, -1}, true); }, in);
}

TG_OP_TEST(Var, Value, "unbiased and population, closed form; PyTorch") {
  Tensor x = tensor({1, 2, 3, 4}, {}, f64);  // mean 2.5, sum of squares about it 5
  CHECK_CLOSE(var(x), {5.0 / 3}, 1e-15, 1e-15);
  CHECK_CLOSE(var(x, {}, 0), {1.25}, 1e-15, 1e-15);
  CHECK_CLOSE(var(iota234(DType::f64), {0}), {72, 72, 72, 72, 72, 72, 72, 72, 72, 72, 72, 72}, 1e-12, 1e-15);
  CHECK_THROWS_AS(var(tensor({1.0}, {1})), Error);  // one element leaves no degree of freedom
  CHECK_TORCH("var_all", [](auto& x) { return var(x[0]); });
  CHECK_TORCH("var_axes_pop", [](auto& x) { return var(x[0], {0, 2}, 0); });
  CHECK_TORCH("var_neg_keepdim", [](auto& x) { return var(x[0], {-1}, 1, true); });  // mean 100: centring matters
}
TG_OP_TEST(Var, Gradcheck, "") {
  In in{leaf({2, 3, 4}, 6)};
  CHECK_GRADCHECK([](auto& x) { return var(x[0], {1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return var(x[0], {0, 2}, 0, true); }, in);
}

TG_OP_TEST(Argmax, Value, "first index on ties, keepdim, negative axis; PyTorch") {
  Tensor x = tensor({1, 5, 5, 2, 7, 0}, {2, 3});
  Tensor a = argmax(x, 1);
  CHECK(a.dtype() == DType::i64);
  CHECK_CLOSE(a, {1, 1});  // the first of the tied 5s
  CHECK_CLOSE(argmax(x, 0), {1, 1, 0});
  CHECK(argmax(x, -1, true).shape() == Shape{2, 1});
  CHECK_CLOSE(argmax(tensor({1, NAN, 3}), 0), {1});  // NaN counts as the max, as in PyTorch
  CHECK_THROWS_AS(argmax(x, 2), Error);
  CHECK_TORCH("argmax_axis", [](auto& x) { return argmax(x[0], 1); });
  CHECK_TORCH("argmax_neg_keepdim", [](auto& x) { return argmax(x[0], -1, true); });
}
TG_OP_TEST(Argmin, Value, "first index on ties; PyTorch") {
  Tensor x = tensor({4, 0, 2, 0, 9, -1}, {2, 3});
  CHECK_CLOSE(argmin(x, 1), {1, 2});
  CHECK_CLOSE(argmin(tensor({3, 1, 1}), 0), {1});
  CHECK_TORCH("argmin_axis", [](auto& x) { return argmin(x[0], 0); });
  CHECK_TORCH("argmin_neg_keepdim", [](auto& x) { return argmin(x[0], -2, true); });
}
