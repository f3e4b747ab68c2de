// CPU GEMM (core/cpu/gemm*.cpp): the blocked and skinny f32 kernels against the naive reference on odd
// sizes, sizes past the block edges, every transpose flag, padded leading dimensions, alpha/beta
// and batches; and f16/bf16 matmul against f32 on the same (rounded) inputs.
#include <algorithm>
#include <cmath>

#include "core/cpu/cpu_backend.h"
#include "test_util.h"

using namespace tg;

namespace {

struct Problem {
  int64_t m, n, k;
};

std::vector<float> random_floats(size_t n, uint64_t seed) {
  Generator gen(seed);
  return randn({int64_t(n)}, gen).to_vector<float>();
}

// Rounding bound: each C entry is a k-term dot product; any summation order is within
// gamma = (k + 2) u of the exact sum of |terms| (u = 2^-24), doubled for the reference's own
// rounding, so |kernel - reference| <= 2 (k + 2) u (|alpha| |A||B| + |beta| |C0|) entrywise.
// Runs `kernel` on problem p (a batch of 2, leading dimensions 3 wider than the rows need) and
// returns the entries outside that bound; `checked` counts the entries compared.
int mismatches(void (*kernel)(const GemmArgs&), Problem p, bool ta, bool tb, float beta, int& checked) {
  CAPTURE(p.m);
  CAPTURE(p.n);
  CAPTURE(p.k);
  CAPTURE(ta);
  CAPTURE(tb);
  CAPTURE(beta);
  const int64_t batch = 2, pad = 3;
  int64_t rows_a = ta ? p.k : p.m, cols_a = ta ? p.m : p.k;
  int64_t rows_b = tb ? p.n : p.k, cols_b = tb ? p.k : p.n;
  GemmArgs g;
  g.trans_a = ta;
  g.trans_b = tb;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.lda = cols_a + pad;
  g.ldb = cols_b + pad;
  g.ldc = p.n + pad;
  g.alpha = -0.75f;
  g.beta = beta;
  g.batch = batch;
  g.stride_a = rows_a * g.lda;
  g.stride_b = rows_b * g.ldb;
  g.stride_c = p.m * g.ldc;
  std::vector<float> a = random_floats(size_t(batch * g.stride_a), 1);
  std::vector<float> b = random_floats(size_t(batch * g.stride_b), 2);
  std::vector<float> c0 = random_floats(size_t(batch * g.stride_c), 3);
  std::vector<float> c_kernel = c0, c_ref = c0;
  g.a = a.data();
  g.b = b.data();
  g.c = c_kernel.data();
  kernel(g);
  g.c = c_ref.data();
  cpu::gemm_reference_f32(g);
  // |A| |B| for the bound
  std::vector<float> abs_a(a.size()), abs_b(b.size()), abs_ab(c0.size(), 0.0f);
  for (size_t i = 0; i < a.size(); ++i) abs_a[i] = std::fabs(a[i]);
  for (size_t i = 0; i < b.size(); ++i) abs_b[i] = std::fabs(b[i]);
  GemmArgs ga = g;
  ga.a = abs_a.data();
  ga.b = abs_b.data();
  ga.c = abs_ab.data();
  ga.alpha = 1;
  ga.beta = 0;
  cpu::gemm_reference_f32(ga);
  int bad = 0;
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < g.ldc; ++j) {
        size_t at = size_t(bi * g.stride_c + i * g.ldc + j);
        if (j >= p.n) {  // the padding columns of C are never written
          bad += c_kernel[at] != c0[at];
          continue;
        }
        double bound =
            2.0 * double(p.k + 2) * std::ldexp(1.0, -24) * (0.75 * abs_ab[at] + std::fabs(beta) * std::fabs(c0[at]));
        if (std::fabs(double(c_kernel[at]) - double(c_ref[at])) > bound + 1e-30) {
          if (bad++ < 4)
            MESSAGE("C[", bi, ", ", i, ", ", j, "] kernel ", c_kernel[at], " reference ", c_ref[at], " bound ", bound);
        }
        ++checked;
      }
  return bad;
}

}  // namespace

TEST_CASE("gemm_blocked_f32 matches gemm_reference_f32" * TG_CPU_ONLY) {
  const Problem problems[] = {{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {2, 600, 3}, {5, 7, 300}, {33, 65, 129}};
  int checked = 0;
  for (Problem p : problems)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.0f, 1.5f}) CHECK(mismatches(cpu::gemm_blocked_f32, p, ta, tb, beta, checked) == 0);
  CHECK(checked > 60000);  // every entry of every problem above
}

// The decoding path: 1 to 16 rows of A, B transposed (row blocks of 1-6 rows, tiles of 1, 2 or 4
// rows of B, k with and without a tail past the 8-lane steps) or not (32-column strips and a tail).
TEST_CASE("gemm_skinny_f32 matches gemm_reference_f32" * TG_CPU_ONLY) {
  int checked = 0;
  for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 9, 12, 16})
    for (Problem p : {Problem{m, 1, 3}, Problem{m, 7, 8}, Problem{m, 37, 29}, Problem{m, 70, 256}})
      for (bool tb : {false, true})
        for (float beta : {0.0f, 1.5f}) {
          GemmArgs g{.trans_b = tb, .m = p.m, .n = p.n, .k = p.k};
          REQUIRE(cpu::is_skinny_gemm(g));
          CHECK(mismatches(cpu::gemm_skinny_f32, p, false, tb, beta, checked) == 0);
        }
  CHECK(checked > 50000);
  CHECK_FALSE(cpu::is_skinny_gemm(GemmArgs{.trans_b = true, .m = 17, .n = 8, .k = 8}));
  CHECK_FALSE(cpu::is_skinny_gemm(GemmArgs{.trans_a = true, .trans_b = true, .m = 1, .n = 8, .k = 8}));
  CHECK_FALSE(cpu::is_skinny_gemm(GemmArgs{.m = 1, .n = 1024, .k = 1024}));  // a large untransposed B
}

// A token's outputs must not depend on how many tokens share the pass (speculative decoding checks
// its drafts with one multi-token pass against the target's one-token passes): each row of a
// 1..16-row product equals, bit for bit, the same row multiplied alone.
TEST_CASE("gemm_skinny_f32 gives each row the same bits whatever the number of rows" * TG_CPU_ONLY) {
  const int64_t n = 37, k = 45;
  std::vector<float> a = random_floats(size_t(16 * k), 4), b = random_floats(size_t(n * k), 5);
  for (bool tb : {false, true}) {
    CAPTURE(tb);
    std::vector<float> alone(size_t(16 * n));
    for (int64_t i = 0; i < 16; ++i)
      cpu::gemm_skinny_f32({.trans_b = tb, .m = 1, .n = n, .k = k, .a = a.data() + i * k, .lda = k, .b = b.data(),
                            .ldb = tb ? k : n, .c = alone.data() + i * n, .ldc = n});
    for (int64_t m = 2; m <= 16; ++m) {
      CAPTURE(m);
      std::vector<float> together(size_t(m * n));
      cpu::gemm_skinny_f32({.trans_b = tb, .m = m, .n = n, .k = k, .a = a.data(), .lda = k, .b = b.data(),
                            .ldb = tb ? k : n, .c = together.data(), .ldc = n});
      CHECK(std::equal(together.begin(), together.end(), alone.begin()));
    }
  }
}

// Half-precision matmul on the CPU widens to f32, multiplies with f32 accumulation and rounds
// the result once: against f32 on the same rounded inputs, each entry is off by at most half an
// ulp of the output format (2^-11 relative for f16, 2^-8 for bf16) plus f32 accumulation noise.
TEST_CASE("f16 and bf16 matmul agree with f32 on the same inputs") {
  struct Half {
    DType dtype;
    double rel;
  };
  for (Half h : {Half{DType::f16, std::ldexp(1.0, -11)}, Half{DType::bf16, std::ldexp(1.0, -8)}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        INFO("dtype ", dtype_name(h.dtype));
        CAPTURE(ta);
        CAPTURE(tb);
        Generator gen(31);
        Shape sa = ta ? Shape{2, 1, 9, 5} : Shape{2, 1, 5, 9}, sb = tb ? Shape{3, 7, 9} : Shape{3, 9, 7};
        Tensor a = randn(sa, gen).to(h.dtype), b = randn(sb, gen).to(h.dtype);
        Tensor lo = matmul(a, b, ta, tb);
        CHECK(lo.dtype() == h.dtype);
        CHECK(lo.shape() == Shape{2, 3, 5, 7});
        Tensor ref = matmul(a.to(DType::f32), b.to(DType::f32), ta, tb);
        CHECK_CLOSE(lo, ref, 1e-5, h.rel);
      }
}
