// Bad inputs to scaled_dot_product_attention raise tg::Error naming the op and the shapes, dtypes
// or devices involved; nothing reaches a kernel.
#include "test_util.h"

using namespace tg;

TEST_CASE("attention rejects inputs that do not fit together") {
  const std::string dev = test::device_name();
  Tensor q = zeros({2, 3, 5, 8}), k = zeros({2, 3, 7, 8}), v = zeros({2, 3, 7, 8});
  CHECK_ERROR(scaled_dot_product_attention(zeros({3, 5, 8}), k, v), "scaled_dot_product_attention",
              "must be (B, H, T, D)", "f32 (3, 5, 8) " + dev);
  CHECK_ERROR(scaled_dot_product_attention(q, k, zeros({2, 3, 6, 8})), "scaled_dot_product_attention",
              "f32 (2, 3, 7, 8) " + dev, "f32 (2, 3, 6, 8) " + dev, "same shape");
  CHECK_ERROR(scaled_dot_product_attention(q, zeros({2, 3, 7, 4}), zeros({2, 3, 7, 4})), "scaled_dot_product_attention",
              "f32 (2, 3, 5, 8) " + dev, "f32 (2, 3, 7, 4) " + dev, "head size");
  CHECK_ERROR(scaled_dot_product_attention(q, zeros({1, 3, 7, 8}), zeros({1, 3, 7, 8})), "f32 (1, 3, 7, 8) " + dev,
              "batch, heads");
  CHECK_ERROR(scaled_dot_product_attention(q, zeros({2, 4, 7, 8}), zeros({2, 4, 7, 8})), "f32 (2, 4, 7, 8) " + dev);
  CHECK_ERROR(scaled_dot_product_attention(q, zeros({2, 3, 0, 8}), zeros({2, 3, 0, 8})), "no keys",
              "f32 (2, 3, 0, 8) " + dev);
  CHECK_ERROR(scaled_dot_product_attention(q, k, v, false, NAN), "scaled_dot_product_attention", "scale");
  Tensor empty_heads = zeros({2, 3, 5, 0});
  CHECK_ERROR(scaled_dot_product_attention(empty_heads, empty_heads, empty_heads), "head size D is 0",
              "f32 (2, 3, 5, 0) " + dev);
}

TEST_CASE("causal attention needs Tq <= Tk; non-causal does not") {
  const std::string dev = test::device_name();
  Tensor q = zeros({1, 2, 9, 4}), k = zeros({1, 2, 4, 4});
  CHECK_ERROR(scaled_dot_product_attention(q, k, k, true), "scaled_dot_product_attention", "Tq <= Tk",
              "f32 (1, 2, 9, 4) " + dev, "f32 (1, 2, 4, 4) " + dev);
  CHECK(scaled_dot_product_attention(q, k, k).shape() == Shape{1, 2, 9, 4});
}

TEST_CASE("attention rejects mixed dtypes, integer inputs and mixed devices") {
  const std::string dev = test::device_name();
  Tensor q = zeros({1, 1, 3, 4});
  CHECK_ERROR(scaled_dot_product_attention(q, q.to(DType::f64), q), "scaled_dot_product_attention",
              "f32 (1, 1, 3, 4) " + dev, "f64 (1, 1, 3, 4) " + dev);
  Tensor i = zeros({1, 1, 3, 4}, {.dtype = DType::i64});
  CHECK_ERROR(scaled_dot_product_attention(i, i, i), "scaled_dot_product_attention", "floating",
              "i64 (1, 1, 3, 4) " + dev);
  test::LoopbackCuda cuda;
  Tensor on_cpu = zeros({1, 1, 3, 4}, {.device = Device::cpu});
  CHECK_ERROR(scaled_dot_product_attention(on_cpu, on_cpu.to(Device::cuda), on_cpu), "scaled_dot_product_attention",
              "different devices", "cuda");
}

// On a CPU-only machine the second device is LoopbackCuda (the same kernels, so equal to the last
// bit); with a GPU it is the GPU, where D = 4 runs as ops (no kernel for it), equal to f32 rounding.
TEST_CASE("attention on a second device matches the CPU and keeps its gradients there") {
  test::LoopbackCuda cuda;
  Generator gen(1);
  constexpr TensorOptions cpu{.device = Device::cpu};
  Tensor q = randn({1, 2, 5, 4}, gen, cpu), k = randn({1, 2, 6, 4}, gen, cpu), v = randn({1, 2, 6, 4}, gen, cpu);
  Tensor on_cpu = scaled_dot_product_attention(q, k, v, true);
  Tensor qc = q.to(Device::cuda).detach(), kc = k.to(Device::cuda).detach(), vc = v.to(Device::cuda).detach();
  qc.requires_grad_();
  Tensor out = scaled_dot_product_attention(qc, kc, vc, true);
  CHECK(out.device() == Device::cuda);
  CHECK_CLOSE(out.to(Device::cpu), on_cpu, 1e-6, 1e-5);
  sum(out).backward();
  CHECK(qc.grad().device() == Device::cuda);
}
