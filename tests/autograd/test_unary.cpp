// Unary elementwise math (the rest of autograd/ops/elementwise.h): closed-form values including
// the extremes where a naive formula overflows, PyTorch values on random inputs, gradcheck and
// second-order gradcheck in f64. Non-smooth ops are checked on inputs away from their kinks.
#include <cmath>

#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using tg::test::leaf_values;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
Tensor t64(const std::vector<double>& v) { return tensor(v, {}, f64); }
// Values at least 0.2 from the kinks at 0 (relu, abs, leaky_relu) and at -0.5 / 0.7 (clamp).
In away_from_kinks() { return {leaf_values({-1.3, -0.25, 0.2, 0.95, 1.7, -2.1, 0.45, -0.75}, {2, 4})}; }
}  // namespace

TG_OP_TEST(Neg, Value, "exact and PyTorch") {
  CHECK_CLOSE(-tensor({1, -2, 0}), {-1, 2, 0});
  CHECK_TORCH("neg", [](auto& x) { return neg(x[0]); });
}
TG_OP_TEST(Neg, Gradcheck, "") {
  In in{leaf({2, 3}, 1)};
  CHECK_GRADCHECK([](auto& x) { return neg(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(neg(x[0]), x[0]); }, in);
}

TG_OP_TEST(Exp, Value, "exact and PyTorch") {
  CHECK_CLOSE(exp(t64({0, 1, -1})), {1, M_E, 1 / M_E}, 1e-12, 1e-12);
  CHECK_TORCH("exp", [](auto& x) { return exp(x[0]); });
}
TG_OP_TEST(Exp, Gradcheck, "first and second order") {
  In in{leaf({5}, 5)};
  CHECK_GRADCHECK([](auto& x) { return exp(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return exp(x[0]); }, in);
}

TG_OP_TEST(Log, Value, "exact and PyTorch") {
  CHECK_CLOSE(log(t64({1, M_E, 0.5})), {0, 1, -M_LN2}, 1e-15, 1e-15);
  CHECK_TORCH("log", [](auto& x) { return log(x[0]); });
}
TG_OP_TEST(Log, Gradcheck, "positive inputs") {
  In in{leaf({2, 3}, 2, 0.2, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return log(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return log(x[0]); }, in);
}

TG_OP_TEST(Log1p, Value, "keeps precision near 0; PyTorch") {
  CHECK_CLOSE(log1p(t64({0, M_E - 1, 1e-10})), {0, 1, 1e-10 - 5e-21}, 0, 1e-15);
  CHECK_TORCH("log1p", [](auto& x) { return log1p(x[0]); });
}
TG_OP_TEST(Log1p, Gradcheck, "inputs > -1") {
  In in{leaf({2, 3}, 3, 0.2, 0.5)};
  CHECK_GRADCHECK([](auto& x) { return log1p(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return log1p(x[0]); }, in);
}

TG_OP_TEST(Sqrt, Value, "exact and PyTorch") {
  CHECK_CLOSE(sqrt(t64({4, 0.25, 2})), {2, 0.5, M_SQRT2}, 0, 1e-15);
  CHECK_TORCH("sqrt", [](auto& x) { return sqrt(x[0]); });
}
TG_OP_TEST(Sqrt, Gradcheck, "positive inputs") {
  In in{leaf({2, 3}, 4, 0.2, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return sqrt(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return sqrt(x[0]); }, in);
}

TG_OP_TEST(Abs, Value, "exact, gradient 0 at 0 (as PyTorch), PyTorch") {
  Tensor x = leaf_values({-2, 0, 3});
  Tensor y = abs(x);
  CHECK_CLOSE(y, {2, 0, 3});
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {-1, 0, 1});
  CHECK_TORCH("abs", [](auto& x) { return abs(x[0]); });
}
// Second order: d2|x|/dx2 = 0 away from 0, which gradgradcheck confirms numerically.
TG_OP_TEST(Abs, Gradcheck, "away from 0") {
  CHECK_GRADCHECK([](auto& x) { return abs(x[0]); }, away_from_kinks());
  CHECK_GRADGRADCHECK([](auto& x) { return mul(abs(x[0]), x[0]); }, away_from_kinks());
}

TG_OP_TEST(Tanh, Value, "exact and PyTorch") {
  CHECK_CLOSE(tanh(t64({0, std::atanh(0.5), -30})), {0, 0.5, -1}, 1e-15, 1e-15);
  CHECK_TORCH("tanh", [](auto& x) { return tanh(x[0]); });
}
TG_OP_TEST(Tanh, Gradcheck, "") {
  In in{leaf({2, 3}, 6)};
  CHECK_GRADCHECK([](auto& x) { return tanh(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return tanh(x[0]); }, in);
}

TG_OP_TEST(Sigmoid, Value, "no overflow at the extremes; PyTorch") {
  // sigmoid(-800) = e^-800 underflows to 0 without passing through inf/inf
  CHECK_CLOSE(sigmoid(t64({0, 800, -800, -30})), {0.5, 1, 0, std::exp(-30) / (1 + std::exp(-30))}, 1e-300, 1e-15);
  CHECK_CLOSE(sigmoid(tensor({100, -100})), {1, 0}, 1e-30, 1e-6);  // f32: e^100 would overflow
  CHECK_TORCH("sigmoid", [](auto& x) { return sigmoid(x[0]); });
}
TG_OP_TEST(Sigmoid, Gradcheck, "") {
  In in{leaf({2, 3}, 7, 3.0)};
  CHECK_GRADCHECK([](auto& x) { return sigmoid(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return sigmoid(x[0]); }, in);
}

TG_OP_TEST(Relu, Value, "exact and PyTorch") {
  CHECK_CLOSE(relu(tensor({-1, 0, 2.5})), {0, 0, 2.5});
  CHECK_TORCH("relu", [](auto& x) { return relu(x[0]); });
}
// relu'' is 0 almost everywhere; the second-order check still runs (on x * relu(x), whose
// second derivative is 2 [x > 0]) and would catch a backward that is not differentiable.
TG_OP_TEST(Relu, Gradcheck, "away from 0") {
  CHECK_GRADCHECK([](auto& x) { return relu(x[0]); }, away_from_kinks());
  CHECK_GRADGRADCHECK([](auto& x) { return mul(relu(x[0]), x[0]); }, away_from_kinks());
}

TG_OP_TEST(LeakyRelu, Value, "exact and PyTorch") {
  CHECK_CLOSE(leaky_relu(tensor({-2, 0, 3}), 0.1), {-0.2, 0, 3});
  CHECK_CLOSE(leaky_relu(tensor({-100})), {-1});  // default slope 0.01
  CHECK_TORCH("leaky_relu", [](auto& x) { return leaky_relu(x[0], 0.1); });
}
TG_OP_TEST(LeakyRelu, Gradcheck, "away from 0") {
  CHECK_GRADCHECK([](auto& x) { return leaky_relu(x[0], 0.2); }, away_from_kinks());
  CHECK_GRADGRADCHECK([](auto& x) { return mul(leaky_relu(x[0], 0.2), x[0]); }, away_from_kinks());
}

TG_OP_TEST(Gelu, Value, "closed form x Phi(x) and PyTorch") {
  // Phi(1) = (1 + erf(1/sqrt2)) / 2
  CHECK_CLOSE(gelu(t64({0, 1, -1, 10})), {0, 0.5 * (1 + std::erf(M_SQRT1_2)), -0.5 * (1 - std::erf(M_SQRT1_2)), 10},
              1e-15, 1e-15);
  CHECK_TORCH("gelu", [](auto& x) { return gelu(x[0]); });
}
TG_OP_TEST(Gelu, Gradcheck, "") {
  In in{leaf({2, 3}, 8, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return gelu(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return gelu(x[0]); }, in);
}

TG_OP_TEST(Erf, Value, "exact and PyTorch") {
  CHECK_CLOSE(erf(t64({0, 1, -1, 6})), {0, 0.8427007929497149, -0.8427007929497149, 1}, 1e-15, 1e-15);
  CHECK_TORCH("erf", [](auto& x) { return erf(x[0]); });
}
TG_OP_TEST(Erf, Gradcheck, "") {
  In in{leaf({2, 3}, 9)};
  CHECK_GRADCHECK([](auto& x) { return erf(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return erf(x[0]); }, in);
}

TG_OP_TEST(Softplus, Value, "log 2 at 0, no overflow at the extremes; PyTorch") {
  CHECK_CLOSE(softplus(t64({0, 800, -800, -50})), {M_LN2, 800, 0, std::exp(-50.0)}, 1e-300, 1e-15);
  CHECK_CLOSE(softplus(tensor({100})), {100});  // f32: e^100 would overflow
  CHECK_TORCH("softplus", [](auto& x) { return softplus(x[0]); });
}
TG_OP_TEST(Softplus, Gradcheck, "") {
  In in{leaf({2, 3}, 10, 3.0)};
  CHECK_GRADCHECK([](auto& x) { return softplus(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return softplus(x[0]); }, in);
}

TG_OP_TEST(Clamp, Value, "exact, gradient passes at the bounds; PyTorch") {
  Tensor x = leaf_values({-2, -0.5, 0, 0.7, 3});
  Tensor y = clamp(x, -0.5, 0.7);
  CHECK_CLOSE(y, {-0.5, -0.5, 0, 0.7, 0.7});
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {0, 1, 1, 1, 0});  // PyTorch: lo <= x <= hi passes the gradient
  CHECK_THROWS_AS(clamp(x, 1.0, 0.0), Error);
  CHECK_TORCH("clamp", [](auto& x) { return clamp(x[0], -0.5, 0.7); });
}
TG_OP_TEST(Clamp, Gradcheck, "away from the bounds") {
  CHECK_GRADCHECK([](auto& x) { return clamp(x[0], -0.5, 0.7); }, away_from_kinks());
  CHECK_GRADGRADCHECK([](auto& x) { return mul(clamp(x[0], -0.5, 0.7), x[0]); }, away_from_kinks());
}

TG_OP_TEST(ClampMin, Value, "max(x, lo), gradient passes at the bound; PyTorch") {
  Tensor x = leaf_values({-2, -0.5, 0, 3});
  Tensor y = clamp_min(x, -0.5);
  CHECK_CLOSE(y, {-0.5, -0.5, 0, 3});
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {0, 1, 1, 1});  // torch.clamp_min passes the gradient where x >= lo
  CHECK_ERROR(clamp_min(x, NAN), "clamp_min", "NaN");
  CHECK_TORCH("clamp_min", [](auto& x) { return clamp_min(x[0], -0.3); });
}
TG_OP_TEST(ClampMin, Gradcheck, "away from the bound") {
  In in{leaf({3, 4}, 21)};
  CHECK_GRADCHECK([](auto& x) { return clamp_min(x[0], 0.05); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return square(clamp_min(x[0], 0.05)); }, in);
}

TG_OP_TEST(ClampMax, Value, "min(x, hi), gradient passes at the bound; PyTorch") {
  Tensor x = leaf_values({-2, 3, 0.5, 1});
  Tensor y = clamp_max(x, 1);
  CHECK_CLOSE(y, {-2, 1, 0.5, 1});
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {1, 0, 1, 1});
  CHECK_ERROR(clamp_max(x, NAN), "clamp_max", "NaN");
  CHECK_TORCH("clamp_max", [](auto& x) { return clamp_max(x[0], 0.4); });
}
TG_OP_TEST(ClampMax, Gradcheck, "away from the bound") {
  In in{leaf({3, 4}, 22)};
  CHECK_GRADCHECK([](auto& x) { return clamp_max(x[0], 0.05); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return square(clamp_max(x[0], 0.05)); }, in);
}

TG_OP_TEST(Reciprocal, Value, "exact and PyTorch") {
  CHECK_CLOSE(reciprocal(tensor({2, -4, 0.5})), {0.5, -0.25, 2});
  CHECK_CLOSE(2.0 / tensor({4, -1}), {0.5, -2});
  CHECK_TORCH("reciprocal", [](auto& x) { return reciprocal(x[0]); });
}
TG_OP_TEST(Reciprocal, Gradcheck, "away from 0") {
  In in{leaf({2, 3}, 11, 0.2, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return reciprocal(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return reciprocal(x[0]); }, in);
}

TG_OP_TEST(Square, Value, "exact and PyTorch") {
  CHECK_CLOSE(square(tensor({-3, 0.5})), {9, 0.25});
  CHECK_TORCH("square", [](auto& x) { return square(x[0]); });
}
TG_OP_TEST(Square, Gradcheck, "") {
  In in{leaf({2, 3}, 12)};
  CHECK_GRADCHECK([](auto& x) { return square(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return square(x[0]); }, in);
}
