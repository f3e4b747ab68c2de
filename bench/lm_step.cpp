// One training step of the byte-level GPT of examples/train_lm (models/gpt/gpt.h) at its default
// sizes: forward, cross-entropy, backward, gradient clipping at 1 and Adam, on a fixed random batch.
// bench/lm_compare.py runs the same step in PyTorch (bench/lm_torch.py, naive attention) in the
// same run, interleaved.
//   build/bench_lm_step [--reps N] [--out DIR]; TG_LM_MODEL=draft times the draft model instead.
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <string>

#include "bench/bench_util.h"
#include "models/gpt/gpt.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_lm_step: GPT train step, batch 8 x 256 bytes");
  const char* which = std::getenv("TG_LM_MODEL");
  const bool draft = which && std::string(which) == "draft";
  constexpr int64_t B = 8, T = 256;
  tg::models::GPTConfig c = draft ? tg::models::GPTConfig::draft() : tg::models::GPTConfig::target();
  c.context = T;
  tg::Generator gen(0);
  tg::models::GPT model(c, gen);
  tg::Tensor x = tg::randint(0, c.vocab, {B, T}, gen), y = tg::randint(0, c.vocab, {B, T}, gen);
  tg::nn::Adam opt(model.parameters(), {.lr = 1e-3});
  auto step = [&] {
    tg::Tensor loss = model.loss(x, y);
    opt.zero_grad();
    loss.backward();
    tg::nn::clip_grad_norm_(model.parameters(), 1.0);
    opt.step();
    return loss.item();
  };
  float first = step();
  // CPU time of the process over the timed steps, all threads: on a loaded machine it measures the
  // work of a step where wall time measures the share of the cores the process got.
  const int reps = flags.reps > 0 ? flags.reps : 10;
  const std::clock_t c0 = std::clock();
  double ms = bench::median_ms(2, reps, step);
  const double cpu_ms = 1e3 * double(std::clock() - c0) / CLOCKS_PER_SEC / (reps + 2);
  float last = step();
  // the same batch every step: the loss must fall
  TG_CHECK(std::isfinite(last) && last < first, "bench_lm_step: loss went from {} to {}", first, last);
  bench::write_metrics(flags.out, {{"step_ms", ms}, {"step_cpu_ms", cpu_ms}, {"loss_first", first}, {"loss_last", last},
                                   {"parameters", double(model.num_parameters())}});
  return 0;
}
