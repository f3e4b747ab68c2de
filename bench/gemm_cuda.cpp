// GPU GEMM throughput: tg::matmul on cuda:0 (cuBLAS, f32 without TF32, f16/bf16 with f32
// accumulation) for square products of 4096 and 8192, in TFLOP/s. bench/cuda_compare.py runs
// torch.matmul on the same GPU and prints both side by side (scripts/device-check.sh runs both).
//   build/bench_gemm_cuda [--reps N] [--out DIR]        (built only with the CUDA backend)
#include "bench/bench_cuda.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_gemm_cuda: f32/f16/bf16 matmul at 4096 and 8192, TFLOP/s");
  bench::exit_without_cuda("bench_gemm_cuda");
  int reps = flags.reps > 0 ? flags.reps : 10;
  std::vector<std::pair<std::string, double>> metrics;
  for (tg::DType t : {tg::DType::f32, tg::DType::f16, tg::DType::bf16}) {
    for (int64_t n : {4096, 8192}) {
      tg::Generator gen(0);
      tg::Tensor a = tg::randn({n, n}, gen, {.dtype = t, .device = tg::Device::cuda});
      tg::Tensor b = tg::randn({n, n}, gen, {.dtype = t, .device = tg::Device::cuda});
      double ms = bench::cuda_ms_per_call(reps, [&] { tg::matmul(a, b); });
      double tflops = 2.0 * double(n) * double(n) * double(n) / (ms * 1e-3) * 1e-12;
      metrics.push_back({fmt::format("gemm_{}_{}_tflops", tg::dtype_name(t), n), tflops});
    }
  }
  bench::write_metrics(flags.out, metrics);
  return 0;
}
