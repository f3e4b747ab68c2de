// CUDA against CPU, op family by op family: each case runs forward and backward on the same seeded
// inputs on both devices and compares the outputs and every input's gradient, printing the first
// mismatches and the max difference. f32 cases are tight; f16/bf16 run the same cases with the
// tolerances below. Also: Philox uniforms bit-identical, normals within a few ulp, Adam steps,
// the non-finite check and the out-of-range index error on the device.
// CTest runs it as parity@cuda on a GPU (skipped without one) and as parity@loopback on the host
// stand-in where there is none, which checks this harness (every tensor's device named, no host
// read of device memory), not CUDA. Tensors name their device: the runs set cuda as the default.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/backend.h"
#include "models/vae.h"
#include "test_util.h"

using namespace tg;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct ParityCase {
  std::string name;
  std::vector<Shape> shapes;
  Fn fn;
  Domain domain = Domain::Real;
};

struct Tolerance {
  double atol, rtol;
};

// f32: the backends differ only in summation order and in the last ulp or two of exp/log/erf/tanh
// (the C library and fast_math.h on the host, CUDA's libdevice on the GPU); sums of up to a few
// hundred such terms stay within these. f16 (10 mantissa bits, ulp 1e-3 at 1) and bf16 (7 bits,
// ulp 8e-3) round every intermediate tensor, so a one-ulp difference early in a chain can grow by
// a few ulp through backward; the bounds allow about ten ulp.
Tolerance tolerance(DType t) {
  switch (t) {
    case DType::f16: return {1e-2, 1e-2};
    case DType::bf16: return {6e-2, 6e-2};
    default: return {2e-5, 2e-4};
  }
}

// An i64 index tensor on `like`'s device.
Tensor index_on(const Tensor& like, const std::vector<double>& values, const Shape& shape = {}) {
  return tensor(values, shape, {.dtype = DType::i64, .device = like.device()});
}

// Inputs: standard normal from seed 100 + i, cast to `dtype`, as leaves.
std::vector<Tensor> make_inputs(const ParityCase& c, DType dtype, Device device) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    Generator gen(100 + i);
    Tensor x = randn(c.shapes[i], gen, {.device = Device::cpu});
    // |x| + 0.5 where the op needs positive (or > -1) inputs: log, sqrt, pow, division
    if (c.domain == Domain::Positive || c.domain == Domain::AboveMinusOne) x = add(abs(x), 0.5);
    x = x.to(dtype).to(device).detach();
    x.requires_grad_();
    xs.push_back(x);
  }
  return xs;
}

// Runs one case on both devices: the outputs must agree, then the gradients of sum(out * w) for a
// fixed random w (a plain sum would give every output the same upstream gradient, hiding
// permutation bugs in backward kernels).
void check_parity(const ParityCase& c, DType dtype) {
  std::string type = dtype_name(dtype);
  CAPTURE(c.name);
  CAPTURE(type);
  Tolerance tol = tolerance(dtype);
  std::vector<Tensor> cpu_in = make_inputs(c, dtype, Device::cpu), cuda_in = make_inputs(c, dtype, Device::cuda);
  Tensor cpu_out = c.fn(cpu_in), cuda_out = c.fn(cuda_in);
  REQUIRE(cuda_out.device() == Device::cuda);
  CHECK_CLOSE(cuda_out.to(Device::cpu), cpu_out, tol.atol, tol.rtol);
  if (!cpu_out.requires_grad()) return;

  Generator gen(7);
  Tensor w = randn(cpu_out.shape(), gen, {.device = Device::cpu}).to(cpu_out.dtype());
  sum(mul(cpu_out, w)).backward();
  sum(mul(cuda_out, w.to(Device::cuda))).backward();
  for (size_t i = 0; i < cpu_in.size(); ++i) {
    CAPTURE(i);
    Tensor g_cpu = cpu_in[i].grad(), g_cuda = cuda_in[i].grad();
    REQUIRE(g_cpu.defined() == g_cuda.defined());
    if (g_cpu.defined()) CHECK_CLOSE(g_cuda.to(Device::cpu), g_cpu, tol.atol, tol.rtol);
  }
}

// One case per kernel family of core/backend.h, each through the ops users call, so the backward
// rules (which run the same kernels on the device) are covered too.
std::vector<ParityCase> parity_cases() {
  using V = const std::vector<Tensor>&;
  std::vector<ParityCase> cases = {
      // where (the elementwise table's ops are added below, one case per entry)
      {"where gt", {{5, 6}, {5, 6}}, [](V x) { return where(gt(x[0], x[1]), x[0], mul(x[1], 2.0)); }},
      // casts (the round trip through the other floating types)
      {"cast", {{4, 9}}, [](V x) { return cast(cast(cast(x[0], DType::f64), DType::bf16), x[0].dtype()); }},
      // strided copies: transpose, permute, slice, cat, expand, stack
      {"transpose permute", {{2, 3, 4}}, [](V x) { return add(permute(x[0], {2, 0, 1}), transpose(x[0], 0, 2).reshape({4, 2, 3})); }},
      {"slice cat stack", {{4, 6}, {4, 6}},
       [](V x) { return stack({cat({slice(x[0], 1, 1, 4), slice(x[1], 1, 0, 2)}, 1), slice(x[1], 1, 1, 6)}, 0); }},
      {"expand", {{3, 1, 4}}, [](V x) { return expand(x[0], {3, 5, 4}); }},
      // reductions over each position of the axis (outer, n, inner), and long rows for the block reduction
      {"sum", {{3, 4, 5}}, [](V x) { return add(sum(x[0], {1}, true), sum(x[0], {0, 2}, true)); }},
      {"sum long row", {{2, 3000}}, [](V x) { return sum(x[0], {1}); }},
      {"mean var", {{6, 50}}, [](V x) { return add(mean(x[0], {0}), var(x[0], {0})); }},
      {"max min", {{3, 40, 5}}, [](V x) { return add(sum(amax(x[0], {1})), sum(amin(x[0], {2}))); }},
      {"max long row", {{3, 700}}, [](V x) { return amax(x[0], {1}); }},
      {"logsumexp", {{5, 33}}, [](V x) { return logsumexp(x[0], {1}); }},
      {"argmax", {{7, 9}}, [](V x) { return argmax(x[0], 1); }},
      {"argmin", {{7, 9}}, [](V x) { return argmin(x[0], 0); }},
      // GEMM: every transpose combination, a batch, and sizes off the tile multiples
      {"matmul", {{13, 17}, {17, 11}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul trans_a", {{17, 13}, {17, 11}}, [](V x) { return matmul(x[0], x[1], true, false); }},
      {"matmul trans_b", {{13, 17}, {11, 17}}, [](V x) { return matmul(x[0], x[1], false, true); }},
      {"matmul trans both", {{17, 13}, {11, 17}}, [](V x) { return matmul(x[0], x[1], true, true); }},
      {"matmul batched", {{3, 9, 20}, {3, 20, 7}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul broadcast batch", {{2, 3, 9, 20}, {20, 7}}, [](V x) { return matmul(x[0], x[1]); }},
      // softmax rows (short, block-sized and long) and log_softmax over a middle axis
      {"softmax", {{4, 7}}, [](V x) { return softmax(x[0]); }},
      {"softmax long row", {{3, 1000}}, [](V x) { return softmax(x[0]); }},
      {"log_softmax axis 1", {{3, 256, 4}}, [](V x) { return log_softmax(x[0], 1); }},
      // indexing with repeated indices, so the atomic adds of the backward collide
      {"index_select", {{5, 6}},
       [](V x) { return index_select(x[0], 0, index_on(x[0], {4, 0, 0, 2, 4, 4})); }},
      {"index_select inner axis", {{3, 5, 4}},
       [](V x) { return index_select(x[0], 1, index_on(x[0], {1, 1, 3})); }},
      {"index_add", {{5, 6}, {4, 6}},
       [](V x) { return index_add(x[0], 0, index_on(x[0], {1, 3, 1, 1}), x[1]); }},
      {"gather", {{4, 5}},
       [](V x) { return gather(x[0], 1, index_on(x[0], {0, 4, 4, 1, 2, 2, 3, 0}, {4, 2})); }},
      {"scatter_add", {{4, 5}, {4, 3}},
       [](V x) { return scatter_add(x[0], 1, index_on(x[0], {1, 1, 1, 0, 4, 0, 2, 3, 2, 4, 4, 4}, {4, 3}), x[1]); }},
      {"embedding", {{10, 8}}, [](V x) { return embedding(x[0], index_on(x[0], {3, 3, 9, 0, 3}, {5})); }},
      {"cross_entropy", {{6, 10}},
       [](V x) { return cross_entropy(x[0], index_on(x[0], {0, 9, 3, 3, 5, 1})); }},
      {"mse bce losses", {{6, 4}, {6, 4}},
       [](V x) { return add(mse_loss(x[0], x[1]), binary_cross_entropy_with_logits(x[0], sigmoid(x[1]).detach())); }},
      // dropout draws its mask from Philox: the same seed gives the same mask on both devices
      {"dropout", {{8, 33}}, [](V x) {
         Generator gen(5);
         return dropout(x[0], 0.3, true, gen);
       }},
      // unfold/fold (im2col/col2im): plain, strided + padded + dilated and non-square, and the
      // convolutions composed on them (fold sums up to kh kw entries per pixel on the device)
      {"unfold", {{2, 3, 7, 6}}, [](V x) { return unfold(x[0], {3, 3}, {1, 1}, {1, 1}); }},
      {"unfold strided dilated", {{2, 3, 9, 8}}, [](V x) { return unfold(x[0], {2, 3}, {2, 1}, {1, 2}, {2, 1}); }},
      {"fold", {{2, 27, 42}}, [](V x) { return fold(x[0], {7, 6}, {3, 3}, {1, 1}, {1, 1}); }},
      {"fold strided dilated", {{2, 18, 50}}, [](V x) { return fold(x[0], {9, 8}, {2, 3}, {2, 1}, {1, 2}, {2, 1}); }},
      {"conv2d k4 s2 p1", {{3, 4, 14, 14}, {5, 4, 4, 4}, {5}},
       [](V x) { return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1}); }},
      {"conv_transpose2d k4 s2 p1", {{3, 5, 7, 7}, {5, 4, 4, 4}, {4}},
       [](V x) { return conv_transpose2d(x[0], x[1], x[2], {2, 2}, {1, 1}); }},
  };
  // every entry of the elementwise op table (core/elementwise.h), with the parameters its
  // table-driven gradcheck uses; binary ones broadcast (3, 4, 5) against (4, 1)
#define TG_UNARY_CASE(Name, name, kind, accepts, math, saves, derivative, domain)                       \
  cases.push_back({"unary " #name " (" #Name ")", {{4, 9}}, [](V x) {                                  \
    test::TableParams p = test::table_params(UnaryOp::Name);                                           \
    return unary(UnaryOp::Name, x[0], p.p0, p.p1);                                                     \
  }, Domain::domain});
#define TG_BINARY_CASE(Name, name, ...) \
  cases.push_back({"binary " #name, {{3, 4, 5}, {4, 1}}, [](V x) { return binary(BinaryOp::Name, x[0], x[1]); }, Domain::Positive});
  TG_UNARY_TABLE(TG_UNARY_CASE)
  TG_BINARY_TABLE(TG_BINARY_CASE)
#undef TG_UNARY_CASE
#undef TG_BINARY_CASE
  return cases;
}

void check_all(DType dtype) {
  for (const ParityCase& c : parity_cases()) SUBCASE(c.name.c_str()) { check_parity(c, dtype); }
}

}  // namespace

TEST_CASE("cuda parity f32: every op family, forward and backward") { check_all(DType::f32); }
TEST_CASE("cuda parity f16") { check_all(DType::f16); }
TEST_CASE("cuda parity bf16") { check_all(DType::bf16); }

TEST_CASE("cuda parity f64 matmul and reductions (gradcheck's dtype)") {
  for (const ParityCase& c : parity_cases())
    if (c.name.rfind("matmul", 0) == 0 || c.name.rfind("sum", 0) == 0 || c.name == "softmax") check_parity(c, DType::f64);
}

TEST_CASE("cuda Philox uniforms are bit-identical to the CPU's") {
  for (DType t : {DType::f32, DType::f64}) {
    std::string type = dtype_name(t);
    CAPTURE(type);
    Generator cpu_gen(1234), cuda_gen(1234);
    // an odd-sized draw first: later ones start mid-stream
    (void)rand({3}, cpu_gen, {.dtype = t, .device = Device::cpu});
    (void)rand({3}, cuda_gen, {.dtype = t, .device = Device::cuda});
    Tensor a = rand({1001}, cpu_gen, {.dtype = t, .device = Device::cpu});
    Tensor b = rand({1001}, cuda_gen, {.dtype = t, .device = Device::cuda}).to(Device::cpu);
    std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
    int differ = 0;
    for (size_t i = 0; i < va.size(); ++i)
      if (std::memcmp(&va[i], &vb[i], sizeof(double)) != 0 && differ++ < 5)
        MESSAGE("element ", i, ": cpu ", va[i], ", cuda ", vb[i]);
    CHECK(differ == 0);
    CHECK(cpu_gen.offset() == cuda_gen.offset());
  }
}

TEST_CASE("cuda Philox normals and shifted uniforms match the CPU within a few ulp") {
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
    std::string type = dtype_name(t);
    CAPTURE(type);
    Generator cpu_gen(99), cuda_gen(99);
    Tensor a = randn({4097}, cpu_gen, {.dtype = t, .device = Device::cpu});
    Tensor b = randn({4097}, cuda_gen, {.dtype = t, .device = Device::cuda});
    // log/sin/cos differ by an ulp or two between glibc and CUDA; |x| < 6 here, so 1e-5 absolute
    // is ~10 f32 ulp; f16/bf16 round the same float, off by one ulp at most where it straddles.
    Tolerance tol = t == DType::f32 || t == DType::f64 ? Tolerance{1e-5, 1e-6} : tolerance(t);
    CHECK_CLOSE(b.to(Device::cpu), a, tol.atol, tol.rtol);
    Tensor u = empty({513}, {.dtype = t, .device = Device::cpu});
    Tensor v = empty({513}, {.dtype = t, .device = Device::cuda});
    uniform_(u, -3.0, 5.0, cpu_gen);
    uniform_(v, -3.0, 5.0, cuda_gen);
    CHECK_CLOSE(v.to(Device::cpu), u, 1e-6, t == DType::f32 || t == DType::f64 ? 1e-6 : tol.rtol);
  }
}

TEST_CASE("cuda Adam and AdamW steps match the CPU") {
  for (bool decoupled : {false, true}) {
    CAPTURE(decoupled);
    Generator gen(3);
    constexpr TensorOptions on_cpu{.device = Device::cpu};
    Tensor w0 = randn({37, 5}, gen, on_cpu), b0 = randn({5}, gen, on_cpu), x = randn({8, 37}, gen, on_cpu);
    nn::AdamOptions opts{.lr = 1e-2, .weight_decay = 0.1};
    // Three steps of a least-squares layer on `device`; returns the parameters.
    auto train = [&](Device device) {
      std::vector<Tensor> ps{w0.clone().to(device).detach(), b0.clone().to(device).detach()};
      for (Tensor& p : ps) p.requires_grad_();
      std::unique_ptr<nn::Adam> opt = decoupled ? std::make_unique<nn::AdamW>(ps, opts) : std::make_unique<nn::Adam>(ps, opts);
      Tensor input = x.to(device);
      for (int step = 0; step < 3; ++step) {
        opt->zero_grad();
        sum(square(add(matmul(input, ps[0]), ps[1]))).backward();
        opt->step();
      }
      return ps;
    };
    std::vector<Tensor> cpu = train(Device::cpu), cuda = train(Device::cuda);
    for (size_t i = 0; i < cpu.size(); ++i) CHECK_CLOSE(cuda[i].to(Device::cpu), cpu[i], 1e-5, 1e-4);
  }
}

TEST_CASE("cuda VAE training steps match the CPU (model, noise, loss, backward, Adam)") {
  // The reparameterization noise comes from the same Philox stream on both devices, so the two runs
  // follow the same trajectory; what differs is rounding (summation order, libm ulps), which Adam's
  // normalised steps keep at the 1e-4 level after a few steps.
  Generator data_gen(11);
  Tensor x = rand({16, 64}, data_gen, {.device = Device::cpu});
  auto train = [&](Device device) {
    Generator gen(2);
    models::Vae vae({.input = 64, .hidden = 32, .latent = 8}, gen);
    vae.to(device);
    nn::Adam opt(vae.parameters(), {.lr = 1e-3});
    Tensor input = x.to(device);
    std::vector<double> losses;
    for (int step = 0; step < 4; ++step) {
      Tensor loss = mean(vae.loss(input, gen).neg_elbo);
      opt.zero_grad();
      loss.backward();
      opt.step();
      losses.push_back(loss.item<double>());
    }
    std::vector<Tensor> params;
    for (const Tensor& p : vae.parameters()) params.push_back(p.to(Device::cpu));
    return std::pair{losses, params};
  };
  auto [cpu_losses, cpu_params] = train(Device::cpu);
  auto [cuda_losses, cuda_params] = train(Device::cuda);
  CHECK_CLOSE(cuda_losses, cpu_losses, 1e-4, 1e-5);
  REQUIRE(cuda_params.size() == cpu_params.size());
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    CAPTURE(i);
    CHECK_CLOSE(cuda_params[i], cpu_params[i], 1e-4, 1e-3);
  }
}

TEST_CASE("cuda all_finite and the out-of-range index error") {
  Backend& b = backend(Device::cuda);
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
    std::string type = dtype_name(t);
    CAPTURE(type);
    Tensor x = full({3000}, 1.5, {.dtype = t, .device = Device::cuda});
    CHECK(b.all_finite(t, x.data(), x.numel()));
    Tensor y = cat({x, full({1}, std::numeric_limits<double>::infinity(), {.dtype = t, .device = Device::cuda})}, 0);
    CHECK_FALSE(b.all_finite(t, y.data(), y.numel()));
    Tensor z = cat({full({1}, std::nan(""), {.dtype = t, .device = Device::cuda}), x}, 0);
    CHECK_FALSE(b.all_finite(t, z.data(), z.numel()));
  }
  Tensor w = zeros({4, 3}, {.device = Device::cuda});
  Tensor idx = index_on(w, {0, 3, 4, 1, -1});
  CHECK(b.first_out_of_range(static_cast<const int64_t*>(idx.data()), idx.numel(), 4) == 2);
  CHECK_ERROR(index_select(w, 0, idx), "index 4 at position 2 is out of range for size 4");
}
