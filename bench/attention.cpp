// Causal attention, forward and backward, B = 1, H = 4, D = 64, f32, at T = 256 ... 16384: the median
// time of tg::scaled_dot_product_attention + backward, and its working memory from the CPU
// allocator's statistics (peak bytes in use during one forward and backward, above what was in use
// before, minus O and the three gradients, which every implementation returns).
// bench/attention_compare.py runs PyTorch's naive attention beside it.
//   build/bench_attention [--reps N] [--out DIR]
#include <cmath>

#include "bench/bench_util.h"
#include "core/backend.h"
#include "tapegrad.h"

namespace {

struct Inputs {
  tg::Tensor q, k, v, dout;
};

Inputs inputs(int64_t T) {
  constexpr int64_t B = 1, H = 4, D = 64;
  tg::Generator gen(0);
  Inputs in{tg::randn({B, H, T, D}, gen), tg::randn({B, H, T, D}, gen), tg::randn({B, H, T, D}, gen),
            tg::randn({B, H, T, D}, gen)};
  for (tg::Tensor* t : {&in.q, &in.k, &in.v}) t->requires_grad_();
  return in;
}

void step(Inputs& in) {
  for (tg::Tensor* t : {&in.q, &in.k, &in.v}) t->zero_grad();
  tg::scaled_dot_product_attention(in.q, in.k, in.v, /*causal=*/true).backward(in.dout);
}

double working_mib(Inputs& in) {
  for (tg::Tensor* t : {&in.q, &in.k, &in.v}) t->zero_grad();
  const size_t before = tg::memory_stats(tg::Device::cpu).bytes_in_use;
  tg::reset_peak_memory_stats(tg::Device::cpu);
  step(in);
  const size_t peak = tg::memory_stats(tg::Device::cpu).peak_bytes_in_use, returned = 4 * in.q.nbytes();
  return double(peak - before - returned) / (1 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags =
      bench::parse_flags(argc, argv, "bench_attention: causal attention fwd+bwd, B=1 H=4 D=64, T=256..16384");
  std::vector<std::pair<std::string, double>> metrics;
  for (int64_t T : {256, 1024, 2048, 8192, 16384}) {
    Inputs in = inputs(T);
    const int reps = flags.reps > 0 ? flags.reps : (T <= 2048 ? 10 : 3);
    const double ms = bench::median_ms(1, reps, [&] { step(in); });
    const double mib = working_mib(in);
    TG_CHECK(std::isfinite(tg::sum(in.q.grad()).item()), "bench_attention: non-finite dQ at T = {}", T);
    metrics.push_back({fmt::format("T{}_ms", T), ms});
    metrics.push_back({fmt::format("T{}_working_mib", T), mib});
  }
  bench::write_metrics(flags.out, metrics);
  return 0;
}
