// Binary elementwise ops, their scalar forms, where, casts, device moves and comparisons:
// exact values on small cases (broadcasting both ways), PyTorch values on random inputs
// (torch_check.h), gradcheck and second-order gradcheck in f64. Unary math is in test_unary.cpp.
#include <cmath>

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using tg::test::leaf_values;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
}

TG_OP_TEST(Add, Value, "broadcasts (2,3) + (3,) and matches PyTorch") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor({10, 20, 30});
  CHECK_CLOSE(a + b, {11, 22, 33, 14, 25, 36});
  CHECK((a + b).shape() == Shape{2, 3});
  CHECK((tensor({1, 2}, {2, 1}) + tensor({10, 20, 30})).shape() == Shape{2, 3});  // both sides broadcast
  CHECK_TORCH("add_bcast", [](auto& x) { return add(x[0], x[1]); });
}
TG_OP_TEST(Add, Gradcheck, "with broadcasting both ways") {
  In in{leaf({2, 1, 3}, 1), leaf({4, 1}, 2)};
  CHECK_GRADCHECK([](auto& x) { return add(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(add(x[0], x[1]), x[0]); }, in);
}

TG_OP_TEST(Sub, Value, "exact and PyTorch") {
  CHECK_CLOSE(tensor({5, 7, 9, 1, 1, 1}, {2, 3}) - tensor({1, 2, 3}), {4, 5, 6, 0, -1, -2});
  CHECK_TORCH("sub_bcast", [](auto& x) { return sub(x[0], x[1]); });
}
TG_OP_TEST(Sub, Gradcheck, "broadcast") {
  In in{leaf({3, 4}, 3), leaf({4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return sub(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(sub(x[0], x[1]), x[1]); }, in);
}

TG_OP_TEST(Mul, Value, "exact and PyTorch") {
  CHECK_CLOSE(tensor({1, -2, 3}) * tensor({4, 5, -6}), {4, -10, -18});
  CHECK_TORCH("mul_bcast", [](auto& x) { return mul(x[0], x[1]); });
}
TG_OP_TEST(Mul, Gradcheck, "broadcast") {
  In in{leaf({3, 4}, 3), leaf({1, 4}, 4)};
  CHECK_GRADCHECK([](auto& x) { return mul(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(x[0], x[1]); }, in);
}

TG_OP_TEST(Div, Value, "exact and PyTorch") {
  CHECK_CLOSE(tensor({1, 3, -8, 6}, {2, 2}) / tensor({2, -4}), {0.5, -0.75, -4, -1.5});
  CHECK_TORCH("div_bcast", [](auto& x) { return div(x[0], x[1]); });
}
TG_OP_TEST(Div, Gradcheck, "broadcast, divisor away from zero") {
  In in{leaf({2, 3}, 5), leaf({3}, 6, 0.2, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return div(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return div(x[0], x[1]); }, in);
}

TG_OP_TEST(Pow, Value, "exact and PyTorch") {
  CHECK_CLOSE(pow(tensor({2, 9, 4}, {}, f64), tensor({3, 0.5, -1}, {}, f64)), {8, 3, 0.25}, 1e-15, 1e-15);
  CHECK_TORCH("pow_bcast", [](auto& x) { return pow(x[0], x[1]); });
}
TG_OP_TEST(Pow, Gradcheck, "positive base, broadcast exponent") {
  In in{leaf({2, 3}, 7, 0.2, 1.5), leaf({3}, 8)};
  CHECK_GRADCHECK([](auto& x) { return pow(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return pow(x[0], x[1]); }, in);
}

// maximum/minimum are not differentiable where a == b: the gradcheck inputs differ by at least
// 0.1 everywhere (far beyond the finite-difference step); ties get an exact test of the 1/2 split.
TG_OP_TEST(Maximum, Value, "exact, ties split the gradient, PyTorch") {
  Tensor a = leaf_values({1, 5, 3}), b = leaf_values({2, 4, 3});
  Tensor y = maximum(a, b);
  CHECK_CLOSE(y, {2, 5, 3});
  y.backward(tensor({1, 1, 1}, {}, f64));
  CHECK_CLOSE(a.grad(), {0, 1, 0.5});
  CHECK_CLOSE(b.grad(), {1, 0, 0.5});
  CHECK_TORCH("maximum_bcast", [](auto& x) { return maximum(x[0], x[1]); });
}
TG_OP_TEST(Maximum, Gradcheck, "away from ties") {
  In in{leaf_values({0.3, -1.2, 2.0, 0.7, -0.4, 1.1}, {2, 3}), leaf_values({0.1, -0.5, 1.5})};
  CHECK_GRADCHECK([](auto& x) { return maximum(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(maximum(x[0], x[1]), x[1]); }, in);
}

TG_OP_TEST(Minimum, Value, "exact, ties split the gradient, PyTorch") {
  Tensor a = leaf_values({1, 5, 3}), b = leaf_values({2, 4, 3});
  Tensor y = minimum(a, b);
  CHECK_CLOSE(y, {1, 4, 3});
  y.backward(tensor({1, 1, 1}, {}, f64));
  CHECK_CLOSE(a.grad(), {1, 0, 0.5});
  CHECK_CLOSE(b.grad(), {0, 1, 0.5});
  CHECK_TORCH("minimum_bcast", [](auto& x) { return minimum(x[0], x[1]); });
}
TG_OP_TEST(Minimum, Gradcheck, "away from ties") {
  In in{leaf_values({0.3, -1.2, 2.0, 0.7, -0.4, 1.1}, {2, 3}), leaf_values({0.1, -0.5, 1.5}, {1, 3})};
  CHECK_GRADCHECK([](auto& x) { return minimum(x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(minimum(x[0], x[1]), x[0]); }, in);
}

TG_OP_TEST(AddScalar, Value, "exact and PyTorch") {
  CHECK_CLOSE(add(tensor({1, -2}), 0.5), {1.5, -1.5});
  CHECK_CLOSE(3.0 - tensor({1, -2}), {2, 5});
  CHECK_TORCH("add_scalar", [](auto& x) { return add(x[0], 2.5); });
}
TG_OP_TEST(AddScalar, Gradcheck, "") {
  In in{leaf({2, 3}, 9)};
  CHECK_GRADCHECK([](auto& x) { return add(x[0], -1.25); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(add(x[0], -1.25), x[0]); }, in);
}

TG_OP_TEST(MulScalar, Value, "exact and PyTorch") {
  CHECK_CLOSE(mul(tensor({1, -2}), 3.0), {3, -6});
  CHECK_CLOSE(tensor({1, -2}) / 4.0, {0.25, -0.5});
  CHECK_TORCH("mul_scalar", [](auto& x) { return mul(x[0], -1.5); });
}
TG_OP_TEST(MulScalar, Gradcheck, "") {
  In in{leaf({2, 3}, 10)};
  CHECK_GRADCHECK([](auto& x) { return mul(x[0], -1.5); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(mul(x[0], -1.5), x[0]); }, in);
}

TG_OP_TEST(PowScalar, Value, "exact and PyTorch for p = 3, 2, 1/2") {
  CHECK_CLOSE(pow(tensor({2, -3}, {}, f64), 3.0), {8, -27}, 0, 1e-15);
  CHECK_CLOSE(pow(tensor({9, 0.25}, {}, f64), 0.5), {3, 0.5}, 0, 1e-15);
  CHECK_TORCH("pow_scalar_3", [](auto& x) { return pow(x[0], 3.0); });
  CHECK_TORCH("pow_scalar_2", [](auto& x) { return pow(x[0], 2.0); });
  CHECK_TORCH("pow_scalar_half", [](auto& x) { return pow(x[0], 0.5); });
}
TG_OP_TEST(PowScalar, Gradcheck, "integer and fractional exponents") {
  In in{leaf({2, 3}, 11)}, pos{leaf({2, 3}, 12, 0.2, 1.5)};
  CHECK_GRADCHECK([](auto& x) { return pow(x[0], 3.0); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return pow(x[0], 3.0); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return pow(x[0], 2.0); }, in);
  CHECK_GRADCHECK([](auto& x) { return pow(x[0], -1.5); }, pos);
  CHECK_GRADGRADCHECK([](auto& x) { return pow(x[0], 0.5); }, pos);
}

TG_OP_TEST(Where, Value, "cond, a and b broadcast together; PyTorch") {
  Tensor cond = tensor({1, 0}, {2, 1});
  CHECK_CLOSE(where(cond, tensor({1, 2, 3}), tensor({-1})), {1, 2, 3, -1, -1, -1});
  CHECK_CLOSE(where(tensor({0, 3}, {}, {.dtype = DType::i64}), tensor({1, 2}), tensor({5, 6})), {5, 2});
  CHECK_TORCH("where_bcast", [](auto& x) { return where(x[0], x[1], x[2]); });
}
TG_OP_TEST(Where, Gradcheck, "broadcast a and b, constant cond") {
  Tensor cond = tensor({1, 0, 0, 1, 1, 0}, {2, 3}, f64);
  In in{leaf({2, 1}, 13), leaf({3}, 14)};
  CHECK_GRADCHECK([cond](auto& x) { return where(cond, x[0], x[1]); }, in);
  CHECK_GRADGRADCHECK([cond](auto& x) { return mul(where(cond, x[0], x[1]), x[1]); }, in);
}

// f32 -> f16/bf16 is compared bit for bit with PyTorch on ties, subnormals and overflow.
TG_OP_TEST(Cast, Value, "rounding matches PyTorch exactly") {
  tg::test::Tolerance exact{0, 0};
  CHECK_TORCH_AT("cast_f64_f32", DType::f64, exact, [](auto& x) { return cast(x[0], DType::f32); });
  CHECK_TORCH_AT("cast_f32_f16", DType::f32, exact, [](auto& x) { return cast(x[0], DType::f16); });
  CHECK_TORCH_AT("cast_f32_bf16", DType::f32, exact, [](auto& x) { return cast(x[0], DType::bf16); });
  CHECK_TORCH_AT("cast_f32_i64", DType::f32, exact, [](auto& x) { return cast(x[0], DType::i64); });
  Tensor x = tensor({1.5, -2.25});
  CHECK(x.to(DType::f32).same(x));  // no-op cast returns the tensor itself
  CHECK(!x.clone().same(x));
  CHECK_THROWS_AS(cast(leaf({2}, 1), DType::i64), Error);  // an integer cannot carry the gradient
}
// Finite differences through an f32 round trip need a step well above f32 rounding: with
// eps = 1e-2 the rounding error of a linear function is ~1e-7 / 1e-2 = 1e-5 relative.
TG_OP_TEST(Cast, Gradcheck, "f64 clone, and a round trip through f32") {
  In in{leaf({2, 3}, 15)};
  CHECK_GRADCHECK([](auto& x) { return mul(x[0].clone(), x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(x[0].clone(), x[0]); }, in);
  auto through_f32 = [](const std::vector<Tensor>& x) { return cast(mul(cast(x[0], DType::f32), 3.0), DType::f64); };
  auto r = gradcheck(through_f32, in, {.eps = 1e-2, .atol = 1e-4, .rtol = 1e-4});
  CHECK_MESSAGE(r.ok, r.report);
}

// On the CPU, .to(cpu) is the identity (the tensor itself, as in PyTorch). The ToDevice node is
// exercised through test::LoopbackCuda, a stand-in device on host memory (or the real GPU).
TG_OP_TEST(ToDevice, Value, "cpu -> cpu is the tensor itself; a round trip copies values") {
  Tensor x = tensor({1.5, -2, 3}, {3}, {.dtype = DType::f64, .device = Device::cpu});
  CHECK(x.to(Device::cpu).same(x));
  Tensor copy = raw::to_device(x, Device::cpu);
  CHECK(copy.data() != x.data());
  CHECK_CLOSE(copy, {1.5, -2, 3});
  tg::test::LoopbackCuda device;
  Tensor there = x.to(Device::cuda);
  CHECK(there.device() == Device::cuda);
  Tensor back = there.to(Device::cpu);
  CHECK(back.device() == Device::cpu);
  CHECK_CLOSE(back, {1.5, -2, 3});
}
TG_OP_TEST(ToDevice, Gradcheck, "cpu -> device -> cpu") {
  In in{leaf({2, 3}, 16).detach().to(Device::cpu).requires_grad_()};
  auto on_cpu = [](auto& x) { return mul(x[0].to(Device::cpu), x[0]); };
  CHECK_GRADCHECK(on_cpu, in);
  tg::test::LoopbackCuda device;
  auto round_trip = [](auto& x) { return mul(square(x[0].to(Device::cuda)), 2.0).to(Device::cpu); };
  CHECK(round_trip(in).grad_fn()->op == Op::ToDevice);
  CHECK_GRADCHECK(round_trip, in);
  CHECK_GRADGRADCHECK(round_trip, in);
}

// Comparisons return 0/1 in the inputs' dtype; inputs are small integers so ties occur.
TG_OP_TEST(Eq, Value, "exact with ties, scalar form, i64, PyTorch") {
  CHECK_CLOSE(eq(tensor({1, 2, 3, 2}, {2, 2}), tensor({2, 2})), {0, 1, 0, 1});
  CHECK_CLOSE(eq(tensor({1, 2}), 2.0), {0, 1});
  Tensor i = eq(tensor({3, 4}, {}, {.dtype = DType::i64}), tensor({3, 5}, {}, {.dtype = DType::i64}));
  CHECK(i.dtype() == DType::i64);
  CHECK_CLOSE(i, {1, 0});
  CHECK(!eq(leaf({2}, 1), 0.0).requires_grad());
  CHECK_TORCH("eq_bcast", [](auto& x) { return eq(x[0], x[1]); });
}
TG_OP_TEST(Ne, Value, "exact and PyTorch") {
  CHECK_CLOSE(ne(tensor({1, 2, 3}), tensor({1, 0, 3})), {0, 1, 0});
  CHECK_CLOSE(ne(tensor({1, 2}), 2.0), {1, 0});
  CHECK_TORCH("ne_bcast", [](auto& x) { return ne(x[0], x[1]); });
}
TG_OP_TEST(Lt, Value, "exact and PyTorch") {
  CHECK_CLOSE(lt(tensor({1, 2, 3}), tensor({2, 2, 2})), {1, 0, 0});
  CHECK_CLOSE(lt(tensor({1, 2}), 2.0), {1, 0});
  CHECK_TORCH("lt_bcast", [](auto& x) { return lt(x[0], x[1]); });
}
TG_OP_TEST(Le, Value, "exact and PyTorch") {
  CHECK_CLOSE(le(tensor({1, 2, 3}), tensor({2, 2, 2})), {1, 1, 0});
  CHECK_CLOSE(le(tensor({1, 2}), 1.0), {1, 0});
  CHECK_TORCH("le_bcast", [](auto& x) { return le(x[0], x[1]); });
}
TG_OP_TEST(Gt, Value, "exact and PyTorch") {
  CHECK_CLOSE(gt(tensor({1, 2, 3}), tensor({2, 2, 2})), {0, 0, 1});
  CHECK_CLOSE(gt(tensor({1, 2}), 1.0), {0, 1});
  CHECK_TORCH("gt_bcast", [](auto& x) { return gt(x[0], x[1]); });
}
TG_OP_TEST(Ge, Value, "exact and PyTorch") {
  CHECK_CLOSE(ge(tensor({1, 2, 3}), tensor({2, 2, 2})), {0, 1, 1});
  CHECK_CLOSE(ge(tensor({1, 2}), 2.0), {0, 1});
  CHECK_TORCH("ge_bcast", [](auto& x) { return ge(x[0], x[1]); });
}
