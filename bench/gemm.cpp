// GEMM throughput: a 1024 x 1024 x 1024 f32 product through tg::matmul (which allocates its
// output, as every op does) against cblas_sgemm called directly on preallocated buffers in the
// same binary, so the ratio isolates what tapegrad adds on top of OpenBLAS.
//   build/bench_gemm [--reps N] [--out DIR]     (bench/compare.py adds torch.matmul)
#include "bench/bench_util.h"
#include "tapegrad.h"

#ifdef TG_HAVE_CBLAS
#include <cblas.h>
#endif

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_gemm: 1024^3 f32 matmul, GFLOP/s");
  constexpr int64_t N = 1024;
  tg::Generator gen(0);
  tg::Tensor a = tg::randn({N, N}, gen), b = tg::randn({N, N}, gen);
  int reps = flags.reps > 0 ? flags.reps : 30;
  double gflop = 2.0 * N * N * N * 1e-9;

  double ms = bench::median_ms(3, reps, [&] { tg::matmul(a, b); });
  std::vector<std::pair<std::string, double>> metrics{{"gemm_ms", ms}, {"gemm_gflops", gflop / (ms * 1e-3)}};
#ifdef TG_HAVE_CBLAS
  tg::Tensor c = tg::empty({N, N});
  double blas_ms = bench::median_ms(3, reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a.data_ptr<float>(), N,
                b.data_ptr<float>(), N, 0.0f, c.data_ptr<float>(), N);
  });
  metrics.push_back({"cblas_gflops", gflop / (blas_ms * 1e-3)});
  metrics.push_back({"ratio_vs_cblas", blas_ms / ms});
#endif
  bench::write_metrics(flags.out, metrics);
  return 0;
}
