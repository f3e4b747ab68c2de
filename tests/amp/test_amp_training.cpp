// A short training run built to underflow: linear regression whose loss carries a small weight
// (2^-20, as an auxiliary loss might), so that the gradient reaching the f16 predictions,
// 2^-20 * 2 (y - t) / 2048, is below half of f16's smallest subnormal (2^-25) and rounds to zero.
// FP32 trains; FP16 with dynamic loss scaling ends within 2% of FP32's loss; FP16 without scaling
// never moves; BF16, with f32's exponent range, needs no scaling.
#include <cmath>

#include "test_util.h"

using namespace tg;
using nn::amp::LossScaler;
using nn::amp::LossScalerOptions;
using nn::amp::MasterWeights;

namespace {

const double kLossWeight = std::ldexp(1.0, -20);
constexpr int kSteps = 150;

struct Regression {
  Tensor x, y;  // (512, 16) inputs, (512, 4) targets: a linear teacher plus noise of std 0.3
};

Regression make_data() {
  Generator gen(11);
  Tensor x = randn({512, 16}, gen);
  Tensor y = add(matmul(x, randn({16, 4}, gen)), mul(randn({512, 4}, gen), 0.3));
  return {x, y};
}

bool same_values(const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); }

struct Run {
  double loss;           // the final model's unweighted MSE on the training data, in its precision
  bool moved;            // whether the weight changed from its initial value
  int64_t skipped = 0;
  double final_scale = 1;
};

// Full-batch SGD for kSteps steps. SGD on w * loss with lr / w is SGD on the loss with lr, exactly
// in f32 (w is a power of two), so the weight only matters where a gradient is rounded to f16.
// `compute` is f32 (plain training) or f16/bf16 with master weights and a LossScaler(`scaling`).
Run train(DType compute, LossScalerOptions scaling) {
  Regression d = make_data();
  Generator gen(12);
  nn::Linear model(16, 4, /*bias=*/true, gen);
  Tensor w0 = model.weight.clone();
  nn::SGDOptions sgd{.lr = 0.5 / kLossWeight};
  auto loss_of = [&model, &d](const Tensor& x) { return mse_loss(model(x), d.y); };  // f32 for any model dtype
  if (compute == DType::f32) {
    nn::SGD opt(model.parameters(), sgd);
    for (int s = 0; s < kSteps; ++s) {
      model.zero_grad();
      mul(loss_of(d.x), kLossWeight).backward();
      opt.step();
    }
    NoGradGuard no_grad;
    return {loss_of(d.x).item<double>(), !same_values(model.weight, w0)};
  }
  MasterWeights master(model, compute);
  nn::SGD opt(master.parameters(), sgd);
  LossScaler scaler(scaling);
  Tensor x = d.x.to(compute);
  for (int s = 0; s < kSteps; ++s) {
    model.zero_grad();
    scaler.scale(mul(loss_of(x), kLossWeight)).backward();
    scaler.step(opt, master);
  }
  NoGradGuard no_grad;
  return {loss_of(x).item<double>(), !same_values(master.parameters()[0], w0), scaler.skipped_steps(),
          scaler.loss_scale()};
}

}  // namespace

TEST_CASE("FP16 with loss scaling trains to FP32's loss where FP16 without scaling underflows") {
  Run fp32 = train(DType::f32, {});
  // Starting at 2^44, far too large (the gradient reaching the predictions is 2^14 (y - t), past
  // 65504 for the first residuals): the first steps overflow and back the scale off.
  Run scaled = train(DType::f16, {.init_scale = std::ldexp(1.0, 44)});
  Run unscaled = train(DType::f16, {.enabled = false});
  Run bf16 = train(DType::bf16, {.enabled = false});
  MESSAGE("final MSE: fp32 ", fp32.loss, ", fp16 scaled ", scaled.loss, " (", scaled.skipped, " skipped, scale ",
          scaled.final_scale, "), fp16 unscaled ", unscaled.loss, ", bf16 ", bf16.loss);

  CHECK(fp32.loss < 0.1);  // the noise floor: 0.3^2 = 0.09, less what 17 fitted values explain
  CHECK(std::abs(scaled.loss - fp32.loss) <= 0.02 * fp32.loss);
  CHECK(scaled.skipped >= 1);
  CHECK(scaled.final_scale < std::ldexp(1.0, 44));
  CHECK_FALSE(unscaled.moved);  // every gradient rounded to zero
  CHECK(unscaled.loss > 10 * fp32.loss);
  CHECK(std::abs(bf16.loss - fp32.loss) <= 0.02 * fp32.loss);
}
