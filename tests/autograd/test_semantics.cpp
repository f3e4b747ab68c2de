// PyTorch's semantics at the edges of the elementwise ops: type promotion (tensor with tensor and
// tensor with number; expected dtypes are what torch 1.13 returns for the same calls), true
// division, NaN through relu/maximum/minimum/clamp, pow's gradients at a <= 0, and the
// parametrised forms gelu(approximate = tanh) and softplus(beta, threshold) against PyTorch values.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace tg;

namespace {
TensorOptions f64{.dtype = DType::f64};
TensorOptions i64{.dtype = DType::i64};
TensorOptions i32{.dtype = DType::i32};
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("promotion: an integer tensor with a floating number computes in f32, as in PyTorch") {
  Tensor n = tensor({1, 2, 3}, {}, i64);
  Tensor half = n * 0.5;
  CHECK(half.dtype() == DType::f32);
  CHECK_CLOSE(half, {0.5, 1, 1.5});
  CHECK_CLOSE(n / 2.0, {0.5, 1, 1.5});
  CHECK_CLOSE(n + 0.25, {1.25, 2.25, 3.25});
  CHECK((n + 0.25).dtype() == DType::f32);
  // an integral number keeps it integral; true division does not
  CHECK((n * 2).dtype() == DType::i64);
  CHECK_CLOSE(n * 2, {2, 4, 6});
  CHECK((n / 2).dtype() == DType::f32);
  CHECK_CLOSE(n / 2, {0.5, 1, 1.5});
  CHECK((n - 1).dtype() == DType::i64);
  // compared with a fraction, an integer tensor is compared in f32, not against the truncated number
  CHECK_CLOSE(gt(n, 1.5), {0, 1, 1});
  CHECK_CLOSE(eq(n, 2.0), {0, 1, 0});
  CHECK(eq(n, 2.0).dtype() == DType::i64);
}

TEST_CASE("promotion: two tensors of different dtypes meet where torch.result_type says") {
  Tensor f32v = ones({3}), f64v = ones({3}, f64), i64v = ones({3}, i64), i32v = ones({3}, i32);
  Tensor f16v = ones({3}, {.dtype = DType::f16}), bf16v = ones({3}, {.dtype = DType::bf16});
  CHECK((f32v + f64v).dtype() == DType::f64);
  CHECK((i64v + f32v).dtype() == DType::f32);
  CHECK((i32v + i64v).dtype() == DType::i64);
  CHECK((f16v + bf16v).dtype() == DType::f32);
  CHECK((f16v * f32v).dtype() == DType::f32);
  CHECK((i32v / i32v).dtype() == DType::f32);  // true division
  // a 0-d tensor decides only when its category is higher (torch: f32 (3,) + f64 0-d is f32)
  CHECK((f32v + scalar_tensor(1.0, f64)).dtype() == DType::f32);
  CHECK((i64v + scalar_tensor(1.5, f64)).dtype() == DType::f64);
  CHECK((f16v + scalar_tensor(1.0, f64)).dtype() == DType::f16);
  CHECK((i32v + scalar_tensor(1.0, {.dtype = DType::f16})).dtype() == DType::f16);
  CHECK((i32v + scalar_tensor(5, i64)).dtype() == DType::i32);
  CHECK(eq(i64v, f32v).dtype() == DType::f32);
  CHECK_CLOSE(where(gt(f32v, 0.0), i64v * 3, f64v), {3, 3, 3});
}

TEST_CASE("promotion: the gradient flows back to each input in its own dtype") {
  Tensor a = tensor({1, 2}, {}, {.requires_grad = true});
  Tensor b = tensor({3, 4}, {}, {.dtype = DType::f64, .requires_grad = true});
  sum(a * b).backward();
  CHECK(a.grad().dtype() == DType::f32);
  CHECK(b.grad().dtype() == DType::f64);
  CHECK_CLOSE(a.grad(), {3, 4});
  CHECK_CLOSE(b.grad(), {1, 2});
}

TEST_CASE("true division: x / s rounds once, unlike x * (1 / s)") {
  // 0.3f / 3 and 0.3f * (1/3.f) differ in the last bit of f32
  Tensor x = tensor({0.3f, 1.0f, 7.0f});
  std::vector<float> q = (x / 3.0).to_vector<float>();
  CHECK(q[0] == 0.3f / 3.0f);
  CHECK(q[1] == 1.0f / 3.0f);
  CHECK(q[2] == 7.0f / 3.0f);
  CHECK((0.3f / 3.0f) != 0.3f * (1.0f / 3.0f));
}

TEST_CASE("NaN propagates through relu, clamp, maximum and minimum, as in PyTorch") {
  Tensor x = tensor({kNaN, -1, 2}, {}, f64);
  CHECK_CLOSE(relu(x), {kNaN, 0, 2});
  CHECK_CLOSE(clamp(x, -0.5, 0.5), {kNaN, -0.5, 0.5});
  Tensor y = tensor({0, kNaN, 3}, {}, f64);
  CHECK_CLOSE(maximum(x, y), {kNaN, kNaN, 3});
  CHECK_CLOSE(minimum(x, y), {kNaN, kNaN, 2});
  CHECK_CLOSE(maximum(y, x), {kNaN, kNaN, 3});
}

TEST_CASE("pow: gradients at a <= 0 follow PyTorch") {
  // torch: a = [-2, 0, 2], b = [2, 2, 0.5]: da = [-4, 0, 0.35355], db = [nan, 0, 0.98026]
  Tensor a = tensor({-2, 0, 2}, {}, {.dtype = DType::f64, .requires_grad = true});
  Tensor b = tensor({2, 2, 0.5}, {}, {.dtype = DType::f64, .requires_grad = true});
  sum(pow(a, b)).backward();
  CHECK_CLOSE(a.grad(), {-4, 0, 0.5 / std::sqrt(2.0)}, 1e-12, 1e-12);
  CHECK_CLOSE(b.grad(), {kNaN, 0, std::sqrt(2.0) * std::log(2.0)}, 1e-12, 1e-12);
  // a = 0 with b = 0 (slope 0 in a and in b), and b = -1 (-inf for both, as torch)
  Tensor a0 = tensor({0, 0}, {}, {.dtype = DType::f64, .requires_grad = true});
  Tensor b0 = tensor({0, -1}, {}, {.dtype = DType::f64, .requires_grad = true});
  sum(pow(a0, b0)).backward();
  CHECK_CLOSE(a0.grad(), {0, -INFINITY});
  CHECK_CLOSE(b0.grad(), {0, -INFINITY});
}

TG_OP_TEST(GeluTanh, Value, "gelu(approximate = tanh) against PyTorch, values and gradient") {
  Tensor x = tensor({-2.5, -0.7, 0, 0.3, 1.9}, {}, {.dtype = DType::f64, .requires_grad = true});
  Tensor y = gelu(x, GeluApproximate::tanh);
  CHECK_CLOSE(y, {-0.015084266089998577, -0.16942986529488321, 0.0, 0.18537092354275922, 1.8454512344553327},
              1e-15, 1e-14);
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {-0.03795157621266618, 0.023642781343896052, 0.5, 0.7322954516388018, 1.0967818080997944},
              1e-15, 1e-14);
}

TEST_CASE("softplus(beta, threshold) against PyTorch: beta x above the threshold gives x and slope 1") {
  Tensor x = tensor({-3, -0.4, 0.5, 1.4, 1.6, 4}, {}, {.dtype = DType::f64, .requires_grad = true});
  Tensor y = softplus(x, 2.0, 3.0);
  CHECK_CLOSE(y, {0.0012378425688652247, 0.18555033297388884, 0.6566308437591114, 1.4295164131439857, 1.6, 4.0},
              1e-15, 1e-14);
  sum(y).backward();
  CHECK_CLOSE(x.grad(), {0.0024726231566347748, 0.31002551887238755, 0.7310585786300049, 0.9426758241011313, 1, 1},
              1e-15, 1e-14);
  CHECK_ERROR(softplus(x, 0.0), "softplus", "beta");
}

TG_OP_TEST(DivScalar, Value, "exact") { CHECK_CLOSE(tensor({3, -6, 1}, {}, f64) / 4.0, {0.75, -1.5, 0.25}, 0, 0); }

TG_OP_TEST(Sign, Value, "exact, integers too") {
  CHECK_CLOSE(sign(tensor({-2, 0, 3.5})), {-1, 0, 1});
  Tensor s = sign(tensor({-7, 0, 9}, {}, i64));
  CHECK(s.dtype() == DType::i64);
  CHECK_CLOSE(s, {-1, 0, 1});
}

TEST_CASE("floating-only ops compute integer inputs in f32, as in PyTorch") {
  Tensor y = exp(tensor({0, 1}, {}, i64));
  CHECK(y.dtype() == DType::f32);
  CHECK_CLOSE(y, {1, M_E});
  CHECK(abs(tensor({-2}, {}, i64)).dtype() == DType::i64);
}
