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

TG_OP_TEST(Amax, Value, "exact, ties share the gradient, NaN propagates; PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(amax(x), {23});
  CHECK_CLOSE(amax(x, {1}), {8, 9, 10, 11, 20, 21, 22, 23});
  CHECK_CLOSE(amax(x, {0, -1}, true), {15, 19, 23});
  Tensor t = leaf_values({1, 3, 3, 0}, {2, 2});
  Tensor m = amax(t);
  CHECK_CLOSE(m, {3});
  m.backward();
  CHECK_CLOSE(t.grad(), {0, 0.5, 0.5, 0});  // split evenly, like torch.amax
  CHECK_THROWS_AS(amax(zeros({0})), Error);
  // torch.amax: a NaN anywhere in a slice makes its max NaN and its gradient NaN (count of hits 0)
  Tensor n = leaf_values({1, NAN, 3, 1, 5, 5}, {2, 3});
  Tensor nm = amax(n, {1});
  CHECK(std::isnan(nm.to_vector<double>()[0]));
  CHECK(nm.to_vector<double>()[1] == 5);
  sum(nm).backward();
  std::vector<double> g = n.grad().to_vector<double>();
  for (int i = 0; i < 3; ++i) CHECK(std::isnan(g[size_t(i)]));
  CHECK(g[3] == 0);
  CHECK(g[4] == 0.5);
  CHECK(g[5] == 0.5);
  CHECK(std::isnan(amax(tensor({NAN, 2.0})).item<double>()));  // NaN first: still wins
  CHECK(std::isnan(amax(tensor({2.0, NAN})).item<double>()));  // NaN last
  CHECK_TORCH("max_all", [](auto& x) { return amax(x[0]); });
  CHECK_TORCH("max_neg_axis", [](auto& x) { return amax(x[0], {-1}); });
  CHECK_TORCH("max_axes_keepdim", [](auto& x) { return amax(x[0], {0, 2}, true); });
  CHECK_TORCH("amax_axes", [](auto& x) { return amax(x[0], {0, 2}); });
}
TG_OP_TEST(Amax, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 3)};  // standard normal draws: no two within 1e-6 of each other
  CHECK_GRADCHECK([](auto& x) { return amax(x[0], {1}); }, in);
  CHECK_GRADCHECK([](auto& x) { return amax(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return amax(square(x[0]), {0, 2}, true); }, in);
}

TG_OP_TEST(Amin, Value, "exact, ties share the gradient, NaN propagates; PyTorch") {
  Tensor x = iota234();
  CHECK_CLOSE(amin(x), {0.0});
  CHECK_CLOSE(amin(x, {2}), {0, 4, 8, 12, 16, 20});
  Tensor t = leaf_values({2, 0, 5, 0, 0, 1}, {2, 3});
  Tensor m = amin(t, {0, 1});
  m.backward();
  CHECK_CLOSE(t.grad(), {0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0});
  CHECK(std::isnan(amin(tensor({3.0, NAN, -1.0}), {0}).item<double>()));
  CHECK_TORCH("min_all", [](auto& x) { return amin(x[0]); });
  CHECK_TORCH("min_axis", [](auto& x) { return amin(x[0], {1}); });
  CHECK_TORCH("min_axes_keepdim", [](auto& x) { return amin(x[0], {-1, 0}, true); });
  CHECK_TORCH("amin_axes_keepdim", [](auto& x) { return amin(x[0], {-1}, true); });
}
TG_OP_TEST(Amin, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return amin(x[0], {-1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return amin(mul(x[0], x[0]), {1}); }, in);
}

TG_OP_TEST(Max, Value, "all elements (ties split), along an axis with indices (first on ties, NaN wins); PyTorch") {
  Tensor t = leaf_values({1, 3, 3, 0}, {2, 2});
  Tensor m = max(t);
  CHECK(m.shape() == Shape{});
  CHECK_CLOSE(m, {3});
  m.backward();
  CHECK_CLOSE(t.grad(), {0, 0.5, 0.5, 0});  // torch.max(x) splits evenly too
  CHECK(std::isnan(max(tensor({1.0, NAN, 3.0})).item<double>()));
  // values and indices: the gradient goes to the index only (torch.max(x, dim))
  Tensor x = leaf_values({1, 5, 5, 2, 7, 0}, {2, 3});
  ValuesIndices r = max(x, 1);
  CHECK(r.values.shape() == Shape{2});
  CHECK(r.indices.dtype() == DType::i64);
  CHECK_CLOSE(r.values, {5, 7});
  CHECK_CLOSE(r.indices, {1, 1});
  sum(r.values).backward();
  CHECK_CLOSE(x.grad(), {0, 1, 0, 0, 1, 0});
  ValuesIndices k = max(x, 0, /*keepdim=*/true);
  CHECK(k.values.shape() == Shape{1, 3});
  CHECK(k.indices.shape() == Shape{1, 3});
  CHECK_CLOSE(k.indices, {1, 1, 0});
  ValuesIndices nan_row = max(tensor({1, NAN, 3, 1, 5, 5}, {2, 3}), -1);  // torch: (nan, 5), (1, 1)
  CHECK(std::isnan(nan_row.values.to_vector<double>()[0]));
  CHECK_CLOSE(nan_row.indices, {1, 1});
  ValuesIndices scalar = max(scalar_tensor(4.0), 0);  // a 0-d tensor is its own max
  CHECK(scalar.values.shape() == Shape{});
  CHECK_CLOSE(scalar.indices, {0.0});
  CHECK_ERROR(max(zeros({2, 0}), 1), "max", "(2, 0)");
  CHECK_ERROR(max(zeros({2, 3}), 2), "max", "axis 2");
  CHECK_TORCH("max_dim", [](auto& x) { return max(x[0], 1).values; });
  CHECK_TORCH("max_dim_keepdim_neg", [](auto& x) { return max(x[0], -1, true).values; });
}
TG_OP_TEST(Max, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 3)};
  CHECK_GRADCHECK([](auto& x) { return max(x[0]); }, in);
  CHECK_GRADCHECK([](auto& x) { return max(x[0], 1).values; }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return max(square(x[0]), -1, true).values; }, in);
}

TG_OP_TEST(Min, Value, "all elements, along an axis with indices; PyTorch") {
  CHECK_CLOSE(min(iota234()), {0.0});
  ValuesIndices r = min(tensor({4, 2, 2, -1, 2, 3}, {3, 2}), 0);  // columns (4, 2, 2) and (2, -1, 3)
  CHECK_CLOSE(r.values, {2, -1});
  CHECK_CLOSE(r.indices, {1, 1});  // the first of the tied 2s
  CHECK_TORCH("min_dim", [](auto& x) { return min(x[0], 0).values; });
}
TG_OP_TEST(Min, Gradcheck, "no ties") {
  In in{leaf({2, 3, 4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return min(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return min(mul(x[0], x[0]), 1).values; }, in);
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
  // no degree of freedom left: 0/0 = NaN, as torch.tensor([1.]).var(); the gradient is NaN too
  Tensor one = leaf_values({1.0}, {1});
  Tensor v1 = var(one);
  CHECK(std::isnan(v1.item<double>()));
  v1.backward();
  CHECK(std::isnan(one.grad().item<double>()));
  CHECK(std::isnan(var(tensor({1, 2}, {1, 2}), {0}).to_vector<double>()[1]));
  CHECK(std::isnan(var(zeros({0})).item<double>()));
  CHECK_CLOSE(var(tensor({1, 3}, {2}), {}, 2), {INFINITY}, 0, 0);  // 2 / max(2 - 2, 0), as torch
  CHECK_ERROR(var(tensor({1, 3}, {2}), {}, -1), "var", "correction -1");
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
  // over all elements: the flat index as a 0-d i64 (torch.argmax(x))
  Tensor flat = argmax(tensor({1, 5, 7, 2, 7, 0}, {2, 3}));
  CHECK(flat.shape() == Shape{});
  CHECK(flat.dtype() == DType::i64);
  CHECK(flat.item<int64_t>() == 2);
  CHECK(argmax(tensor({1, NAN, 3, NAN}, {2, 2})).item<int64_t>() == 1);
  CHECK(argmin(tensor({4, -1, -1, 2}, {2, 2})).item<int64_t>() == 1);
  CHECK_ERROR(argmax(zeros({0, 3})), "argmax", "(0,)");
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
