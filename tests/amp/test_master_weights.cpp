// FP32 master weights: the copies and the cast model, the small update to a large weight that an
// f16-only update loses, parameters without gradients, the checks; and the memory half precision
// saves on parameters and gradients, read from the CPU allocator's counts.
#include "core/backend.h"
#include "test_util.h"

using namespace tg;
using nn::amp::LossScaler;
using nn::amp::MasterWeights;

TEST_CASE("MasterWeights keeps f32 copies and casts the model's parameters in place") {
  for (DType dt : {DType::f16, DType::bf16}) {
    INFO("dtype ", dtype_name(dt));
    Generator gen(1);
    nn::MLP mlp({3, 4, 2}, nn::Activation::Relu, true, gen);
    std::vector<Tensor> before;
    for (const Tensor& p : mlp.parameters()) before.push_back(p.clone());
    MasterWeights master(mlp, dt);
    REQUIRE(master.parameters().size() == before.size());
    for (size_t i = 0; i < before.size(); ++i) {
      const Tensor& m = master.parameters()[i];
      CHECK(m.dtype() == DType::f32);
      CHECK(m.is_leaf());
      CHECK(m.requires_grad());
      CHECK_CLOSE(m, before[i], 0, 0);                           // the exact f32 values
      CHECK_CLOSE(mlp.parameters()[i], before[i].to(dt), 0, 0);  // the model: the same, rounded
    }
    CHECK(mlp.layers[0]->weight.dtype() == dt);  // the layer's own handle sees the cast
    CHECK(master.dtype() == dt);
  }
}

// 1024 + 0.25 is not an f16 value (the spacing at 1024 is 1) and rounds back to 1024: an update in
// f16 never moves the weight. The f32 master takes every quarter, and the model sees the sum.
TEST_CASE("Master weights keep a small update to a large weight that an f16 update loses") {
  nn::Linear f16_only(1, 1, /*bias=*/false);
  f16_only.to(DType::f16);
  nn::copy_(f16_only.weight, full({1, 1}, 1024, {.dtype = DType::f16}));
  nn::SGD plain(f16_only.parameters(), {.lr = 1.0});

  nn::Linear lin(1, 1, /*bias=*/false);
  nn::copy_(lin.weight, full({1, 1}, 1024));
  MasterWeights master(lin, DType::f16);
  nn::SGD opt(master.parameters(), {.lr = 1.0});
  LossScaler scaler({.enabled = false});

  std::vector<double> expected_model = {1024, 1024, 1025, 1025, 1025, 1026, 1026, 1026};  // 1024.5 ties to even
  for (int step = 1; step <= 8; ++step) {
    CAPTURE(step);
    f16_only.weight.set_grad(full({1, 1}, -0.25, {.dtype = DType::f16}));
    plain.step();
    lin.weight.set_grad(full({1, 1}, -0.25, {.dtype = DType::f16}));
    CHECK(scaler.step(opt, master));
    CHECK(f16_only.weight.item<double>() == 1024);
    CHECK(master.parameters()[0].item<double>() == 1024 + 0.25 * step);
    CHECK(lin.weight.item<double>() == expected_model[size_t(step - 1)]);
  }
}

TEST_CASE("MasterWeights clears the master grad of a parameter the loss does not reach") {
  nn::Linear lin(2, 2);
  MasterWeights master(lin, DType::f16);
  nn::SGD opt(master.parameters(), {.lr = 1.0});
  LossScaler scaler;
  Tensor bias_before = master.parameters()[1].clone();
  lin.weight.set_grad(full({2, 2}, 32768.0, {.dtype = DType::f16}));  // bias has no grad
  Tensor(master.parameters()[1]).set_grad(ones({2}));                      // stale, from some earlier step
  CHECK(scaler.step(opt, master));
  CHECK_FALSE(master.parameters()[1].grad().defined());
  CHECK_CLOSE(master.parameters()[1], bias_before, 0, 0);
}

TEST_CASE("MasterWeights checks the model and the dtype") {
  const std::string dev = test::device_name();
  nn::Linear lin(2, 2);
  CHECK_ERROR(MasterWeights(lin, DType::f32), "MasterWeights", "f16 or bf16", "f32");
  lin.to(DType::f64);
  CHECK_ERROR(MasterWeights(lin, DType::f16), "MasterWeights", "parameter 'weight'", "f64 (2, 2) " + dev,
              "start in f32");
}

// Bytes the CPU allocator hands out for a model's parameters and gradients after one backward,
// with everything else (input, graph, output) freed. Sizes are multiples of 32 elements, so the
// allocator's 64-byte rounding adds nothing and the counts are exact.
static size_t parameter_and_grad_bytes(DType dt) {
  size_t before = memory_stats(Device::cpu).bytes_in_use;
  Generator gen(2);
  nn::MLP mlp({256, 128, 64}, nn::Activation::Relu, true, gen);
  mlp.to(dt);
  sum(mlp(randn({32, 256}, gen).to(dt))).backward();
  for (const Tensor& p : mlp.parameters()) REQUIRE(p.grad().dtype() == dt);
  return memory_stats(Device::cpu).bytes_in_use - before;
}

TEST_CASE("Parameters and gradients in f16 or bf16 take half the bytes of f32 (allocator counts)" * TG_CPU_ONLY) {
  const size_t params = 256 * 128 + 128 + 128 * 64 + 64;
  size_t f32 = parameter_and_grad_bytes(DType::f32);
  CHECK(f32 == 2 * params * 4);
  CHECK(parameter_and_grad_bytes(DType::f16) * 2 == f32);
  CHECK(parameter_and_grad_bytes(DType::bf16) * 2 == f32);
}

TEST_CASE("The CPU allocator counts bytes in use, the peak, and what it caches" * TG_CPU_ONLY) {
  reset_peak_memory_stats(Device::cpu);
  MemoryStats s0 = memory_stats(Device::cpu);
  CHECK(s0.peak_bytes_in_use == s0.bytes_in_use);
  {
    Tensor a = empty({1000});  // 4000 bytes, rounded up to 4032
    CHECK(memory_stats(Device::cpu).bytes_in_use == s0.bytes_in_use + 4032);
  }
  MemoryStats s1 = memory_stats(Device::cpu);
  CHECK(s1.bytes_in_use == s0.bytes_in_use);
  CHECK(s1.peak_bytes_in_use == s0.bytes_in_use + 4032);
  CHECK(s1.bytes_cached >= 4032);  // the block waits in its free list
  empty_cache(Device::cpu);
  CHECK(memory_stats(Device::cpu).bytes_cached == 0);
  CHECK(memory_stats(Device::cpu).bytes_in_use == s0.bytes_in_use);
}
