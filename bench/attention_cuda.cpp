// GPU attention throughput: tg::scaled_dot_product_attention on cuda:0 (cuda/attention.cu), f16,
// B = 2, H = 16, T = 4096, not causal, D = 64 and 128, in TFLOP/s. The forward does two products of
// T x T x D per head, 4 B H T^2 D flops; the backward five (S recomputed, dV, dP, dQ, dK),
// 10 B H T^2 D, the count FlashAttention's papers use. The backward time is forward + backward
// minus the forward. bench/cuda_compare.py runs torch's scaled_dot_product_attention beside it.
//   build/bench_attention_cuda [--reps N] [--out DIR]        (built only with the CUDA backend)
#include "bench/bench_cuda.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_attention_cuda: f16 attention, T=4096, TFLOP/s");
  bench::exit_without_cuda("bench_attention_cuda");
  constexpr int64_t B = 2, H = 16, T = 4096;
  int reps = flags.reps > 0 ? flags.reps : 10;
  std::vector<std::pair<std::string, double>> metrics;
  for (int64_t D : {64, 128}) {
    tg::Generator gen(0);
    tg::TensorOptions opts{.dtype = tg::DType::f16, .device = tg::Device::cuda};
    tg::Tensor q = tg::randn({B, H, T, D}, gen, opts), k = tg::randn({B, H, T, D}, gen, opts);
    tg::Tensor v = tg::randn({B, H, T, D}, gen, opts), dout = tg::randn({B, H, T, D}, gen, opts);
    double fwd_ms = bench::cuda_ms_per_call(reps, [&] {
      tg::NoGradGuard no_grad;
      tg::scaled_dot_product_attention(q, k, v);
    });
    for (tg::Tensor* t : {&q, &k, &v}) t->requires_grad_();
    double step_ms = bench::cuda_ms_per_call(reps, [&] {
      for (tg::Tensor* t : {&q, &k, &v}) t->zero_grad();
      tg::scaled_dot_product_attention(q, k, v).backward(dout);
    });
    const double flops = double(B * H) * double(T) * double(T) * double(D);
    metrics.push_back({fmt::format("attention_f16_d{}_fwd_tflops", D), 4 * flops / (fwd_ms * 1e-3) * 1e-12});
    metrics.push_back({fmt::format("attention_f16_d{}_bwd_tflops", D), 10 * flops / ((step_ms - fwd_ms) * 1e-3) * 1e-12});
  }
  bench::write_metrics(flags.out, metrics);
  return 0;
}
