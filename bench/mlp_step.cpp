// One training step of a 784-400-10 MLP on a batch of 128 (f32): forward, cross-entropy,
// backward and Adam on every parameter, the loop of a small Fashion-MNIST classifier.
// bench/compare.py runs the same step in PyTorch (torch.optim.Adam).
//   build/bench_mlp_step [--reps N] [--out DIR]
#include <cmath>

#include "bench/bench_util.h"
#include "tapegrad.h"

namespace {

// Linear layer weights as PyTorch initialises them: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
tg::Tensor param(const tg::Shape& shape, int64_t fan_in, tg::Generator& gen) {
  double bound = 1.0 / std::sqrt(double(fan_in));
  tg::Tensor p = tg::rand(shape, gen);
  tg::NoGradGuard no_grad;
  p = tg::add(tg::mul(p, 2 * bound), -bound);
  p.requires_grad_();
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_mlp_step: MLP 784-400-10 train step, batch 128");
  constexpr int64_t B = 128, In = 784, H = 400, C = 10;
  tg::Generator gen(0);
  tg::Tensor x = tg::randn({B, In}, gen);
  tg::Tensor y = tg::randint(0, C, {B}, gen);
  tg::Tensor w1 = param({H, In}, In, gen), b1 = param({H}, In, gen);
  tg::Tensor w2 = param({C, H}, H, gen), b2 = param({C}, H, gen);
  tg::nn::Adam opt({w1, b1, w2, b2}, {.lr = 1e-3});

  auto step = [&] {
    tg::Tensor h = tg::relu(tg::matmul(x, w1, false, true) + b1);
    tg::Tensor loss = tg::cross_entropy(tg::matmul(h, w2, false, true) + b2, y);
    opt.zero_grad();  // as zero_grad(set_to_none=True)
    loss.backward();
    opt.step();
    return loss.item();
  };
  float first = step();
  double ms = bench::median_ms(10, flags.reps > 0 ? flags.reps : 100, step);
  float last = step();
  // the same batch every step: the loss must fall (a broken gradient or update would not)
  TG_CHECK(std::isfinite(last) && last < first, "bench_mlp_step: loss went from {} to {}", first, last);
  bench::write_metrics(flags.out, {{"step_ms", ms}, {"loss_first", first}, {"loss_last", last}});
  return 0;
}
