// The dynamic loss scaler's state machine (torch.amp.GradScaler's rule): growth after the
// interval, overflow and NaN skip the step and back off, unscaling divides by S exactly, the
// scale's limits, and the checks on options and on the optimizer it is given.
#include <cmath>

#include "test_util.h"

using namespace tg;
using nn::amp::LossScaler;
using nn::amp::MasterWeights;

namespace {

// A Linear(2, 2) in f16 with its f32 masters and SGD(lr = 1) on them: p32 -= g / S per step.
struct TinyModel {
  Generator gen{5};
  nn::Linear lin{2, 2, /*bias=*/true, gen};
  MasterWeights master{lin, DType::f16};
  nn::SGD opt{master.parameters(), {.lr = 1.0}};

  // Sets the f16 gradients as backward would: weight's to `w` everywhere, bias's to `b`.
  void set_grads(double w, double b) {
    lin.weight.set_grad(full({2, 2}, w, {.dtype = DType::f16}));
    lin.bias.set_grad(full({2}, b, {.dtype = DType::f16}));
  }
};

}  // namespace

TEST_CASE("LossScaler starts with GradScaler's defaults") {
  LossScaler s;
  CHECK(s.loss_scale() == 65536.0);
  CHECK(s.options.growth_factor == 2.0);
  CHECK(s.options.backoff_factor == 0.5);
  CHECK(s.options.growth_interval == 2000);
  CHECK(s.skipped_steps() == 0);
  Tensor loss = scalar_tensor(0.75);
  CHECK(s.scale(loss).item<double>() == 0.75 * 65536);
}

TEST_CASE("LossScaler doubles the scale after 2000 finite steps in a row, not before") {
  LossScaler s;
  for (int i = 0; i < 1999; ++i) s.update(false);
  CHECK(s.loss_scale() == 65536.0);
  CHECK(s.growth_tracker() == 1999);
  s.update(false);
  CHECK(s.loss_scale() == 131072.0);
  CHECK(s.growth_tracker() == 0);
  // An overflow resets the count: 1999 finite steps after it do not grow the scale again.
  for (int i = 0; i < 1000; ++i) s.update(false);
  s.update(true);
  CHECK(s.loss_scale() == 65536.0);
  for (int i = 0; i < 1999; ++i) s.update(false);
  CHECK(s.loss_scale() == 65536.0);
  s.update(false);
  CHECK(s.loss_scale() == 131072.0);
  CHECK(s.skipped_steps() == 1);
}

TEST_CASE("LossScaler unscales by dividing by S: the master steps by the true gradient") {
  TinyModel m;
  LossScaler s;
  std::vector<float> w0 = m.master.parameters()[0].to_vector(), b0 = m.master.parameters()[1].to_vector();
  m.set_grads(0.5 * 65536, -0.25 * 65536);  // S times a gradient of 0.5 (weight) and -0.25 (bias)
  CHECK(s.step(m.opt, m.master));
  CHECK_CLOSE(m.master.parameters()[0].grad(), std::vector<double>(4, 0.5), 0, 0);
  std::vector<double> w1, b1;
  for (float v : w0) w1.push_back(double(v) - 0.5);
  for (float v : b0) b1.push_back(double(v) + 0.25);
  CHECK_CLOSE(m.master.parameters()[0], w1, 1e-7, 0);
  CHECK_CLOSE(m.master.parameters()[1], b1, 1e-7, 0);
  // The model holds the updated masters rounded to f16.
  CHECK_CLOSE(m.lin.weight, m.master.parameters()[0].to(DType::f16), 0, 0);
  CHECK(s.skipped_steps() == 0);
  CHECK(s.growth_tracker() == 1);
}

TEST_CASE("LossScaler skips the step and backs off on inf, then on NaN, and steps again after") {
  TinyModel m;
  LossScaler s;
  Tensor w_before = m.master.parameters()[0].clone(), model_before = m.lin.weight.clone();
  for (double bad : {double(INFINITY), double(NAN)}) {
    CAPTURE(bad);
    m.set_grads(1.0, bad);  // one non-finite entry in one tensor is enough
    CHECK_FALSE(s.step(m.opt, m.master));
    CHECK_CLOSE(m.master.parameters()[0], w_before, 0, 0);  // neither master nor model moved
    CHECK_CLOSE(m.lin.weight, model_before, 0, 0);
  }
  CHECK(s.skipped_steps() == 2);
  CHECK(s.loss_scale() == 16384.0);  // 2^16 halved twice
  m.set_grads(16384.0, 0.0);         // S times a gradient of 1
  CHECK(s.step(m.opt, m.master));
  CHECK_CLOSE(m.master.parameters()[0], w_before - 1.0, 1e-7, 0);
  CHECK(s.skipped_steps() == 2);
  CHECK(s.loss_scale() == 16384.0);
}

TEST_CASE("LossScaler keeps the scale a finite f32 and raises when it falls out of range") {
  LossScaler big({.init_scale = std::ldexp(1.0, 127), .growth_interval = 1});
  big.update(false);  // 2^128 is inf in f32: the scale stays
  CHECK(big.loss_scale() == std::ldexp(1.0, 127));

  LossScaler small({.init_scale = std::ldexp(1.0, -147)});
  small.update(true);
  small.update(true);  // 2^-149: f32's smallest subnormal
  CHECK(small.loss_scale() == std::ldexp(1.0, -149));
  CHECK_ERROR(small.update(true), "LossScaler", "fell below f32's range", "3 overflowing steps in a row");
}

TEST_CASE("A disabled LossScaler keeps S = 1 and always steps") {
  TinyModel m;
  LossScaler s({.enabled = false});
  CHECK(s.loss_scale() == 1.0);
  Tensor loss = scalar_tensor(3.0);
  CHECK(s.scale(loss).same(loss));
  m.set_grads(0.5, 0.5);
  Tensor before = m.master.parameters()[0].clone();
  CHECK(s.step(m.opt, m.master));
  CHECK_CLOSE(m.master.parameters()[0], before - 0.5, 1e-7, 0);
  CHECK(s.skipped_steps() == 0);
  CHECK_ERROR(s.update(true), "LossScaler.update", "disabled");
}

TEST_CASE("LossScaler checks its options and the optimizer it steps") {
  CHECK_ERROR(LossScaler({.init_scale = 0}), "init_scale", "positive");
  CHECK_ERROR(LossScaler({.init_scale = NAN}), "init_scale");
  CHECK_ERROR(LossScaler({.growth_factor = 1.0}), "growth_factor", "> 1");
  CHECK_ERROR(LossScaler({.backoff_factor = 1.0}), "backoff_factor", "(0, 1)");
  CHECK_ERROR(LossScaler({.growth_interval = 0}), "growth_interval", "at least 1");

  TinyModel m;
  LossScaler s;
  nn::SGD on_model(m.lin.parameters(), {.lr = 1.0});  // the f16 parameters: a common mistake
  m.set_grads(1.0, 1.0);
  CHECK_ERROR(s.step(on_model, m.master), "LossScaler.step", "master.parameters()");
  CHECK_ERROR(s.scale(scalar_tensor(1, {.dtype = DType::i64})), "LossScaler.scale", "floating point");
  // A half loss is scaled in f32: 3 * 2^16 is past f16's largest value, 65504.
  Tensor scaled = s.scale(scalar_tensor(3, {.dtype = DType::f16}));
  CHECK(scaled.dtype() == DType::f32);
  CHECK(scaled.item<double>() == 3.0 * 65536);
}
