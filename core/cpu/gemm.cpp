// CPU GEMM dispatch: f32/f64 through CBLAS when built with it (the blocked kernel otherwise),
// f16/bf16 by widening to f32, multiplying with sgemm, and rounding the result back.
#include <algorithm>
#include <vector>

#include "core/cpu/cpu_backend.h"
#include "core/error.h"

#ifdef TG_HAVE_CBLAS
#include <cblas.h>
#endif
#ifdef TG_HAVE_OPENBLAS_THREADS
extern "C" void openblas_set_num_threads(int threads);
extern "C" int openblas_get_num_threads(void);
#endif

namespace tg::cpu {
namespace {

// OpenBLAS splits even a 128x400x20 product over its threads; waking them costs more than the
// whole product on one core (28 us there, 230-420 us on two sleeping/loaded threads, measured).
// Products up to this many multiply-adds run on the calling thread.
constexpr int64_t kBlasSerialWork = int64_t(1) << 21;

// Sets OpenBLAS to one thread for its lifetime when the product is small, then restores it.
class SmallGemmOnOneThread {
 public:
  explicit SmallGemmOnOneThread(const GemmArgs& g) {
#ifdef TG_HAVE_OPENBLAS_THREADS
    if (g.m * g.n * g.k <= kBlasSerialWork && (saved_ = openblas_get_num_threads()) > 1) openblas_set_num_threads(1);
#endif
  }
  ~SmallGemmOnOneThread() {
#ifdef TG_HAVE_OPENBLAS_THREADS
    if (saved_ > 1) openblas_set_num_threads(saved_);
#endif
  }
  SmallGemmOnOneThread(const SmallGemmOnOneThread&) = delete;
  SmallGemmOnOneThread& operator=(const SmallGemmOnOneThread&) = delete;

 private:
  int saved_ = 0;
};

// The products as they are, with whatever threads OpenBLAS has (sgemm/dgemm below choose them).
void run_sgemm(const GemmArgs& g) {
  if (is_skinny_gemm(g)) return gemm_skinny_f32(g);
#ifdef TG_HAVE_CBLAS
  for (int64_t b = 0; b < g.batch; ++b)
    cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans,
                int(g.m), int(g.n), int(g.k), g.alpha, static_cast<const float*>(g.a) + b * g.stride_a, int(g.lda),
                static_cast<const float*>(g.b) + b * g.stride_b, int(g.ldb), g.beta,
                static_cast<float*>(g.c) + b * g.stride_c, int(g.ldc));
#else
  gemm_blocked_f32(g);
#endif
}

// f64 without BLAS: the straightforward loop (used for gradcheck-sized problems only).
void run_dgemm(const GemmArgs& g) {
#ifdef TG_HAVE_CBLAS
  for (int64_t b = 0; b < g.batch; ++b)
    cblas_dgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans,
                int(g.m), int(g.n), int(g.k), g.alpha, static_cast<const double*>(g.a) + b * g.stride_a,
                int(g.lda), static_cast<const double*>(g.b) + b * g.stride_b, int(g.ldb), g.beta,
                static_cast<double*>(g.c) + b * g.stride_c, int(g.ldc));
#else
  for (int64_t b = 0; b < g.batch; ++b) {
    auto* A = static_cast<const double*>(g.a) + b * g.stride_a;
    auto* B = static_cast<const double*>(g.b) + b * g.stride_b;
    auto* C = static_cast<double*>(g.c) + b * g.stride_c;
    parallel_for(g.m, g.m * g.n * g.k, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        for (int64_t j = 0; j < g.n; ++j) {
          double acc = 0;
          for (int64_t p = 0; p < g.k; ++p)
            acc += (g.trans_a ? A[p * g.lda + i] : A[i * g.lda + p]) * (g.trans_b ? B[j * g.ldb + p] : B[p * g.ldb + j]);
          C[i * g.ldc + j] = g.alpha * acc + (g.beta == 0 ? 0.0 : g.beta * C[i * g.ldc + j]);
        }
    });
  }
#endif
}

void sgemm(const GemmArgs& g) {
  SmallGemmOnOneThread threads(g);
  run_sgemm(g);
}

void dgemm(const GemmArgs& g) {
  SmallGemmOnOneThread threads(g);
  run_dgemm(g);
}

// Half inputs: sgemm on f32 copies, so products accumulate in f32, and C is rounded once at the
// end. B (the weight, in a linear layer) is widened once per batch; op(A) and C go through in tiles
// of kHalfTileRows rows, so their f32 scratch stays at kHalfTileRows * (k + n) floats however tall
// A is (a batch of activations).
constexpr int64_t kHalfTileRows = 256;

template <class H>
void half_gemm(const GemmArgs& g) {
  int64_t rows_b = g.trans_b ? g.n : g.k, tile = std::min(g.m, kHalfTileRows);
  std::vector<float> b(size_t(rows_b * g.ldb)), a(size_t(tile * g.k)), c(size_t(tile * g.n));
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const H* A = static_cast<const H*>(g.a) + bi * g.stride_a;
    const H* B = static_cast<const H*>(g.b) + bi * g.stride_b;
    H* C = static_cast<H*>(g.c) + bi * g.stride_c;
    for (size_t i = 0; i < b.size(); ++i) b[i] = float(B[i]);
    for (int64_t i0 = 0; i0 < g.m; i0 += kHalfTileRows) {
      int64_t rows = std::min(kHalfTileRows, g.m - i0);
      // a = rows i0 .. i0 + rows of op(A), row-major (rows, k); c likewise (rows, n)
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t p = 0; p < g.k; ++p)
          a[size_t(r * g.k + p)] = float(g.trans_a ? A[p * g.lda + i0 + r] : A[(i0 + r) * g.lda + p]);
      if (g.beta != 0)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < g.n; ++j) c[size_t(r * g.n + j)] = float(C[(i0 + r) * g.ldc + j]);
      GemmArgs f = g;
      f.trans_a = false;
      f.m = rows;
      f.a = a.data();
      f.lda = g.k;
      f.b = b.data();
      f.c = c.data();
      f.ldc = g.n;
      f.batch = 1;
      sgemm(f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < g.n; ++j) C[(i0 + r) * g.ldc + j] = H(c[size_t(r * g.n + j)]);
    }
  }
}

}  // namespace

void CpuBackend::gemm(DType t, const GemmArgs& g) {
  if (g.m == 0 || g.n == 0) return;
  switch (t) {
    case DType::f32: return sgemm(g);
    case DType::f64: return dgemm(g);
    case DType::f16: return half_gemm<half>(g);
    case DType::bf16: return half_gemm<bfloat16>(g);
    default: fail("matmul: no CPU GEMM for dtype {}; cast to a floating type", dtype_name(t));
  }
}

void gemm_on_this_thread(DType t, const GemmArgs& g) {
  if (g.m == 0 || g.n == 0) return;
  switch (t) {
    case DType::f32: return run_sgemm(g);
    case DType::f64: return run_dgemm(g);
    default: fail("gemm_on_this_thread: f32 or f64 only, got {}", dtype_name(t));
  }
}

}  // namespace tg::cpu
