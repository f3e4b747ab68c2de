// Per-op cost of the tape: a chain of 1,000 (x * 1.0001 + 0.0001) on a 4-element f32 tensor,
// forward and backward through sum(). The kernels do nothing, so this times tensor
// allocation, node recording and the backward engine (2,001 nodes each way).
//   build/bench_overhead [--reps N] [--out DIR]     (bench/compare.py runs it against PyTorch)
#include "bench/bench_util.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_overhead: tape overhead of a 2,000-op chain");
  constexpr int kChain = 1000;
  tg::Tensor x = tg::tensor({0.1, 0.2, 0.3, 0.4});
  x.requires_grad_();
  double ms = bench::median_ms(20, flags.reps > 0 ? flags.reps : 200, [&] {
    x.zero_grad();
    tg::Tensor y = x;
    for (int i = 0; i < kChain; ++i) y = y * 1.0001 + 0.0001;
    tg::sum(y).backward();
  });
  // d/dx of sum(chain(x)) = 1.0001^1000 for every element
  double expect = std::pow(1.0001, kChain), got = x.grad().to_vector<double>()[0];
  TG_CHECK(std::abs(got - expect) < 1e-3, "bench_overhead: wrong gradient {} (expected {})", got, expect);
  bench::write_metrics(flags.out, {{"overhead_ms", ms}, {"per_op_us", ms * 1000.0 / (2 * kChain + 1)}});
  return 0;
}
