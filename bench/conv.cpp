// The DCGAN's convolutions on 28x28 Fashion-MNIST-sized images at batch 64 (f32), forward and
// backward layer by layer, and one whole DCGAN training step (a D step and a G step, Adam).
// bench/conv_compare.py runs the same workloads in PyTorch and prints them side by side.
//   G: z (100) -> Linear -> (128, 7, 7) -> BN ReLU -> ConvT 128->64 k4 s2 p1 (7 -> 14) -> BN ReLU
//      -> ConvT 64->1 k4 s2 p1 (14 -> 28) -> tanh
//   D: Conv 1->64 k4 s2 p1 (28 -> 14) -> LeakyReLU(0.2) -> Conv 64->128 k4 s2 p1 (14 -> 7)
//      -> LeakyReLU(0.2) -> Linear 6272 -> 1 (a logit)
//   build/bench_conv [--reps N] [--out DIR]
#include <cmath>
#include <functional>

#include "bench/bench_util.h"
#include "tapegrad.h"

using namespace tg;

namespace {

constexpr int64_t B = 64, Z = 100;

// One layer's forward and backward: y = layer(x), then backward with a fixed upstream gradient
// into x, the weight and the bias (their grads dropped first, as zero_grad(set_to_none=True)).
double time_layer(int reps, const Shape& x_shape, const std::function<Tensor(const Tensor&)>& layer,
                  const std::vector<Tensor>& params, Generator& gen) {
  Tensor x = randn(x_shape, gen).requires_grad_();
  Tensor dy = randn(layer(x).shape(), gen);
  return bench::median_ms(3, reps, [&] {
    x.zero_grad();
    for (Tensor p : params) p.zero_grad();
    layer(x).backward(dy);
  });
}

std::shared_ptr<nn::Sequential> generator(Generator& gen) {
  auto g = std::make_shared<nn::Sequential>();
  g->push_back(std::make_shared<nn::Linear>(Z, 128 * 7 * 7, true, gen));
  g->push_back(std::make_shared<nn::Unflatten>(1, Shape{128, 7, 7}));
  g->push_back(std::make_shared<nn::BatchNorm2d>(128));
  g->push_back(std::make_shared<nn::ReLU>());
  g->push_back(std::make_shared<nn::ConvTranspose2d>(128, 64, 4, 2, 1, 0, true, gen));
  g->push_back(std::make_shared<nn::BatchNorm2d>(64));
  g->push_back(std::make_shared<nn::ReLU>());
  g->push_back(std::make_shared<nn::ConvTranspose2d>(64, 1, 4, 2, 1, 0, true, gen));
  g->push_back(std::make_shared<nn::Tanh>());
  return g;
}

std::shared_ptr<nn::Sequential> discriminator(Generator& gen) {
  auto d = std::make_shared<nn::Sequential>();
  d->push_back(std::make_shared<nn::Conv2d>(1, 64, 4, 2, 1, true, gen));
  d->push_back(std::make_shared<nn::LeakyReLU>(0.2));
  d->push_back(std::make_shared<nn::Conv2d>(64, 128, 4, 2, 1, true, gen));
  d->push_back(std::make_shared<nn::LeakyReLU>(0.2));
  d->push_back(std::make_shared<nn::Flatten>());
  d->push_back(std::make_shared<nn::Linear>(128 * 7 * 7, 1, true, gen));
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_conv: DCGAN conv layers and train step, batch 64");
  const int reps = flags.reps > 0 ? flags.reps : 30;
  Generator gen(0);

  // the four convolutions, as (N, C, H, W) input, layer
  nn::Conv2d d1(1, 64, 4, 2, 1, true, gen), d2(64, 128, 4, 2, 1, true, gen);
  nn::ConvTranspose2d g1(128, 64, 4, 2, 1, 0, true, gen), g2(64, 1, 4, 2, 1, 0, true, gen);
  std::vector<std::pair<std::string, double>> metrics;
  metrics.emplace_back("d_conv1_ms", time_layer(reps, {B, 1, 28, 28}, [&](auto& x) { return d1(x); },
                                                 d1.parameters(), gen));
  metrics.emplace_back("d_conv2_ms", time_layer(reps, {B, 64, 14, 14}, [&](auto& x) { return d2(x); },
                                                 d2.parameters(), gen));
  metrics.emplace_back("g_convt1_ms", time_layer(reps, {B, 128, 7, 7}, [&](auto& x) { return g1(x); },
                                                  g1.parameters(), gen));
  metrics.emplace_back("g_convt2_ms", time_layer(reps, {B, 64, 14, 14}, [&](auto& x) { return g2(x); },
                                                  g2.parameters(), gen));

  // one DCGAN step: D on a real batch and a detached fake one, then G through D (non-saturating loss)
  auto G = generator(gen);
  auto D = discriminator(gen);
  nn::Adam opt_g(G->parameters(), {.lr = 2e-4, .beta1 = 0.5});
  nn::Adam opt_d(D->parameters(), {.lr = 2e-4, .beta1 = 0.5});
  Tensor real = add(mul(rand({B, 1, 28, 28}, gen), 2.0), -1.0);  // images in [-1, 1], as tanh gives
  Tensor ones_ = ones({B, 1}), zeros_ = zeros({B, 1});
  float loss_d = 0, loss_g = 0;
  auto step = [&] {
    Tensor z = randn({B, Z}, gen);
    Tensor fake = (*G)(z);
    Tensor ld = add(binary_cross_entropy_with_logits((*D)(real), ones_),
                    binary_cross_entropy_with_logits((*D)(fake.detach()), zeros_));
    opt_d.zero_grad();
    ld.backward();
    opt_d.step();
    Tensor lg = binary_cross_entropy_with_logits((*D)(fake), ones_);
    opt_g.zero_grad();
    lg.backward();
    opt_g.step();
    loss_d = ld.item(), loss_g = lg.item();
  };
  metrics.emplace_back("step_ms", bench::median_ms(3, reps, step));
  TG_CHECK(std::isfinite(loss_d) && std::isfinite(loss_g), "bench_conv: losses D {} G {}", loss_d, loss_g);
  metrics.emplace_back("loss_d_last", loss_d);
  metrics.emplace_back("loss_g_last", loss_g);
  bench::write_metrics(flags.out, metrics);
  return 0;
}
