// One VAE training step on cuda:0, in ms: the model of examples/vae_fmnist (784-400-20-400-784,
// batch 128, Adam lr 1e-3; forward with the reparameterized sample, backward, update) on synthetic
// pixels in [0, 1], so the GPU machine needs no dataset. bench/cuda_compare.py times the same
// step in PyTorch eager CUDA and prints both (scripts/device-check.sh runs both).
//   build/bench_vae_step_cuda [--reps N] [--out DIR]        (built only with the CUDA backend)
#include "bench/bench_cuda.h"
#include "models/vae.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_vae_step_cuda: VAE train step (batch 128) on CUDA, ms");
  bench::exit_without_cuda("bench_vae_step_cuda");
  int reps = flags.reps > 0 ? flags.reps : 50;
  tg::Generator gen(0);
  tg::models::Vae vae({}, gen);
  vae.to(tg::Device::cuda);
  tg::nn::Adam opt(vae.parameters(), {.lr = 1e-3});
  tg::Tensor x = tg::rand({128, 784}, gen, {.device = tg::Device::cuda});
  // Steps queued back to back, one wait at the end (bench_cuda.h): what a training loop that reads
  // the loss only now and then sees (the example reads it every step, one synchronisation more).
  double ms = bench::cuda_ms_per_call(reps, [&] {
    tg::Tensor loss = tg::mean(vae.loss(x, gen).neg_elbo);
    opt.zero_grad();
    loss.backward();
    opt.step();
  });
  bench::write_metrics(flags.out, {{"vae_step_ms", ms}});
  return 0;
}
