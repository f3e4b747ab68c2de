// Elementwise ops: exact values on small cases, PyTorch-checked values, broadcasting,
// gradcheck and second-order gradcheck in f64.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {
TensorOptions f64{.dtype = DType::f64};
}

TG_OP_TEST(Add, Value, "broadcasts (2,3) + (3,)") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor({10, 20, 30});
  CHECK_CLOSE(a + b, {11, 22, 33, 14, 25, 36});
  CHECK((a + b).shape() == Shape{2, 3});
}

TG_OP_TEST(Add, Gradcheck, "with broadcasting both ways") {
  CHECK_GRADCHECK([](auto& x) { return add(x[0], x[1]); }, (std::vector<Tensor>{leaf({2, 1, 3}, 1), leaf({4, 1}, 2)}));
  CHECK_GRADGRADCHECK([](auto& x) { return mul(add(x[0], x[1]), x[0]); }, (std::vector<Tensor>{leaf({2, 3}, 1), leaf({3}, 2)}));
}

TG_OP_TEST(Mul, Value, "exact") { CHECK_CLOSE(tensor({1, -2, 3}) * tensor({4, 5, -6}), {4, -10, -18}); }
TG_OP_TEST(Mul, Gradcheck, "broadcast") {
  std::vector<Tensor> in{leaf({3, 4}, 3), leaf({1, 4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return mul(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(x[0], x[1]); }, in);
}

TEST_CASE("mismatched shapes raise naming the op and both shapes") {
  Tensor a = zeros({2, 3}), b = zeros({4});
  CHECK_THROWS_WITH_AS(add(a, b), "Add: shapes (2, 3) and (4,) cannot be broadcast together", Error);
  CHECK_THROWS_AS(mul(zeros({2}), zeros({2}, f64)), Error);
}

TG_OP_TEST(Exp, Value, "exact") { CHECK_CLOSE(exp(tensor({0, 1, -1}, {}, f64)), {1, M_E, 1 / M_E}, 1e-12, 1e-12); }
TG_OP_TEST(Exp, Gradcheck, "first and second order") {
  std::vector<Tensor> in{leaf({5}, 5)};
  CHECK_GRADCHECK([](auto& x) { return exp(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return exp(x[0]); }, in);
}

TEST_CASE("backward accumulates into leaves and twice without retain_graph raises") {
  Tensor x = tensor({2.0}, {}, f64);
  x.requires_grad_();
  Tensor y = mul(mul(x, x), x);  // x^3, dy/dx = 3x^2 = 12
  y.backward(Tensor(), /*retain_graph=*/true);
  CHECK(x.grad().item<double>() == doctest::Approx(12.0));
  y.backward();
  CHECK(x.grad().item<double>() == doctest::Approx(24.0));
  CHECK_THROWS_AS(y.backward(), Error);
}

TEST_CASE("second derivative through create_graph") {
  Tensor x = tensor({1.5}, {}, f64);
  x.requires_grad_();
  Tensor y = mul(exp(x), x);  // y' = e^x (1 + x), y'' = e^x (2 + x)
  Tensor dy = grad({y}, {x}, {.create_graph = true})[0];
  Tensor d2y = grad({dy}, {x})[0];
  CHECK(dy.item<double>() == doctest::Approx(std::exp(1.5) * 2.5));
  CHECK(d2y.item<double>() == doctest::Approx(std::exp(1.5) * 3.5));
}
