// The tiled attention kernel (through tg::scaled_dot_product_attention and its backward) against
// the naive f64 reference (core/cpu/attention_reference.cpp): the output and all three gradients,
// for sequence lengths that are and are not multiples of the 64-row tile, causal and not, head
// sizes 16 to 128, queries shorter than keys (a KV cache) and longer (non-causal), f32 and f64,
// on one thread (small problems) and on all of them.
#include <cmath>

#include "autograd/node.h"
#include "core/cpu/cpu_backend.h"
#include "test_util.h"

using namespace tg;

namespace {

struct Case {
  int64_t B, H, Tq, Tk, D;
  bool causal;
};

std::string describe_case(const Case& c) {
  return fmt::format("B {} H {} Tq {} Tk {} D {} {}", c.B, c.H, c.Tq, c.Tk, c.D, c.causal ? "causal" : "full");
}

// Runs the op forward and backward (dL/dO a fixed random tensor) and compares O, dQ, dK and dV with
// the reference on the same values. f32 tolerances: the tiled kernel sums in another order and with
// a 2-ulp exp, so values agree to a few f32 ulps of the largest terms, never to 1e-12.
void check_against_reference(const Case& c, DType dtype, double atol, double rtol, uint64_t seed = 1) {
  INFO(describe_case(c), " ", dtype_name(dtype));
  Generator gen(seed);
  TensorOptions opts{.dtype = dtype};
  Tensor q = randn({c.B, c.H, c.Tq, c.D}, gen, opts), k = randn({c.B, c.H, c.Tk, c.D}, gen, opts);
  Tensor v = randn({c.B, c.H, c.Tk, c.D}, gen, opts), dout = randn({c.B, c.H, c.Tq, c.D}, gen, opts);
  for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
  Tensor o = scaled_dot_product_attention(q, k, v, c.causal);
  o.backward(dout);

  AttentionArgs a{.B = c.B, .H = c.H, .Tq = c.Tq, .Tk = c.Tk, .D = c.D, .scale = 1 / std::sqrt(double(c.D)),
                  .causal = c.causal};
  std::vector<double> qd = q.to_vector<double>(), kd = k.to_vector<double>(), vd = v.to_vector<double>();
  std::vector<double> dod = dout.to_vector<double>();
  std::vector<double> eo(qd.size()), lse(size_t(c.B * c.H * c.Tq)), edq(qd.size()), edk(kd.size()), edv(vd.size());
  cpu::attention_forward_reference(eo.data(), lse.data(), qd.data(), kd.data(), vd.data(), a);
  cpu::attention_backward_reference(edq.data(), edk.data(), edv.data(), qd.data(), kd.data(), vd.data(), dod.data(), a);
  CHECK_CLOSE(o, eo, atol, rtol);
  CHECK_CLOSE(q.grad(), edq, atol, rtol);
  CHECK_CLOSE(k.grad(), edk, atol, rtol);
  CHECK_CLOSE(v.grad(), edv, atol, rtol);
}

constexpr double kAtol32 = 3e-5, kRtol32 = 3e-4;

}  // namespace

TEST_CASE("attention matches the reference for D in {16, 32, 64, 128}, causal and not, T off the tile") {
  for (int64_t D : {16, 32, 64, 128})
    for (bool causal : {false, true}) {
      check_against_reference({2, 2, 100, 100, D, causal}, DType::f32, kAtol32, kRtol32);
      check_against_reference({1, 3, 130, 130, D, causal}, DType::f32, kAtol32, kRtol32, 2);
    }
}

TEST_CASE("attention matches the reference on tile multiples, single rows and tiny problems") {
  for (bool causal : {false, true}) {
    check_against_reference({1, 2, 128, 128, 64, causal}, DType::f32, kAtol32, kRtol32);
    check_against_reference({1, 1, 1, 1, 16, causal}, DType::f32, kAtol32, kRtol32);
    check_against_reference({2, 1, 5, 5, 3, causal}, DType::f32, kAtol32, kRtol32);  // one thread
    check_against_reference({1, 1, 65, 65, 8, causal}, DType::f32, kAtol32, kRtol32);
  }
}

TEST_CASE("attention with queries shorter than keys: a KV cache, causal with offset Tk - Tq") {
  for (bool causal : {false, true}) {
    check_against_reference({2, 2, 37, 150, 32, causal}, DType::f32, kAtol32, kRtol32);
    check_against_reference({1, 4, 1, 129, 64, causal}, DType::f32, kAtol32, kRtol32);  // one decoding step
    check_against_reference({1, 2, 64, 128, 16, causal}, DType::f32, kAtol32, kRtol32);
    check_against_reference({1, 2, 70, 71, 16, causal}, DType::f32, kAtol32, kRtol32);
  }
}

TEST_CASE("non-causal attention with more queries than keys") {
  check_against_reference({2, 2, 150, 20, 16, false}, DType::f32, kAtol32, kRtol32);
  check_against_reference({1, 1, 3, 1, 4, false}, DType::f32, kAtol32, kRtol32);
}

TEST_CASE("attention in f64 matches the reference to rounding") {
  for (bool causal : {false, true}) {
    check_against_reference({2, 2, 100, 100, 32, causal}, DType::f64, 1e-12, 1e-10);
    check_against_reference({1, 2, 30, 90, 16, causal}, DType::f64, 1e-12, 1e-10);
  }
}

TEST_CASE("attention gradchecks across tile boundaries") {
  // 70 queries and 75 keys: two tiles each way, the second one partial and (causal) partly masked.
  std::vector<Tensor> in{test::leaf({1, 1, 70, 2}, 1), test::leaf({1, 1, 75, 2}, 2), test::leaf({1, 1, 75, 2}, 3)};
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], true); }, in);
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], false, 0.3); }, in);
}

// A dtype the device has no kernel for (f16 and bf16 on the CPU) runs as matmul/softmax/matmul:
// same values as f32 on the same rounded inputs, to the half type's precision, and gradients.
TEST_CASE("f16 and bf16 attention match f32, through the kernel or as ops where there is none") {
  Generator gen(4);
  for (DType dt : {DType::f16, DType::bf16}) {
    INFO("dtype ", dtype_name(dt));
    Tensor q = randn({1, 2, 40, 16}, gen).to(dt), k = randn({1, 2, 50, 16}, gen).to(dt);
    Tensor v = randn({1, 2, 50, 16}, gen).to(dt);
    Tensor q32 = q.to(DType::f32).requires_grad_();
    q.requires_grad_();
    Tensor out = scaled_dot_product_attention(q, k, v, true);
    const bool kernel = backend(q.device()).has_attention_kernel(dt, 16);
    CHECK((out.grad_fn()->op == Op::ScaledDotProductAttention) == kernel);
    Tensor expected = scaled_dot_product_attention(q32, k.to(DType::f32), v.to(DType::f32), true);
    const double eps = dt == DType::f16 ? std::ldexp(1.0, -11) : std::ldexp(1.0, -8);  // unit roundoff
    CHECK_CLOSE(out, expected, 8 * eps, 8 * eps);
    sum(out).backward();
    sum(expected).backward();
    CHECK(q.grad().dtype() == dt);
    CHECK_CLOSE(q.grad(), q32.grad(), 8 * eps, 8 * eps);
  }
}

TEST_CASE("attention stays finite on scores far beyond exp's f32 range") {
  // Every key is the same vector, so each query weights them equally whatever its scores, and O is
  // the mean of v; the scores are in the hundreds, where exp without the running max overflows.
  Generator gen(5);
  Tensor q = mul(randn({1, 1, 80, 16}, gen), 100.0);
  Tensor k = expand(randn({1, 1, 1, 16}, gen), {1, 1, 90, 16});
  Tensor v = randn({1, 1, 90, 16}, gen);
  Tensor mean_v = expand(mean(v, {2}, true), {1, 1, 80, 16});
  CHECK_CLOSE(scaled_dot_product_attention(q, k, v), mean_v, 1e-5, 1e-4);
}
