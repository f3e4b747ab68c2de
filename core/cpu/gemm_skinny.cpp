// C = alpha A op(B) + beta C for a few rows of A: a linear layer applied to a handful of tokens, as in
// batch-1 decoding and the verification pass of speculative decoding, and attention's P V there.
// op(B) = B^T (a weight): a general GEMM packs B into panels on every call, which for m = 1..8 costs
// as much as the products themselves (OpenBLAS 0.3.21 here: a 5-row pass of the 4.9M-parameter GPT
// took 3-4x a 1-row one). Here every row of B is read once and dotted with up to kRowBlock rows of A
// held in cache, so m rows cost little more than one while B streams from memory:
//   C[i, j] = alpha sum_p A[i, p] B[j, p] + beta C[i, j].
// op(B) = B, small (attention's V tile, 64 x 32): C's rows are sums of B's rows,
// C[i, :] += A[i, p] B[p, :], with none of OpenBLAS's fixed cost per call (buffers, packing).
// Each C entry is summed in the same order whatever m is, so a token's logits do not depend on how
// many tokens share its pass.
#include <algorithm>
#include <cstring>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {
namespace {

// Eight floats in one AVX2 register (GCC's vector extension: plain arithmetic on it is elementwise;
// without AVX it lowers to two SSE registers).
using Float8 = float __attribute__((vector_size(32)));
#ifdef __AVX512VL__
constexpr int kVectorRegisters = 32;  // AVX-512VL gives 256-bit code ymm16-31 too
#else
constexpr int kVectorRegisters = 16;
#endif
// At most this many rows of A per sweep over B: their row of A each plus one row of B and the
// accumulators must fit in the registers.
constexpr int64_t kRowBlock = kVectorRegisters == 32 ? 8 : 6;

// Rows of B per tile for R rows of A: the most (up to 4) whose R J accumulators, R rows of A and J
// rows of B fit in the vector registers.
constexpr int rows_of_b(int R) {
  int J = 4;
  while (J > 1 && R * J + R + J > kVectorRegisters) --J;
  return J;
}

Float8 load8(const float* p) {
  Float8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Keeps v in a register: built with AVX-512VL, GCC otherwise re-reads each 8 floats of A from memory
// in every FMA that uses it (an FMA with a memory operand), so the loads, not the FMAs, bound the
// loop. Measured on 40 MB of weights, 4 rows of A against 2 rows of B per tile: 3.0 ms without,
// 2.3 ms with.
void keep_in_register(Float8& v) {
#if defined(__x86_64__) && defined(__AVX__)  // one ymm register (without AVX, Float8 is two xmm ones)
  asm("" : "+v"(v));
#endif
}

// Rows [0, R) of A against J consecutive rows of B from j: one 8-lane partial sum per pair, so
// each load of A serves J rows of B and each load of B serves R rows of A.
template <int R, int J>
void dot_tile(const GemmArgs& g, const float* A, const float* B, float* C, int64_t j) {
  Float8 acc[R][J] = {};
  int64_t p = 0;
  for (; p + 8 <= g.k; p += 8) {
    // The next tile's rows of B (within B), a 64-byte line at a time: on 40 MB of weights with m = 4
    // this took 4.6 ms to 2.2 ms (the hardware prefetcher alone left the FMAs waiting on B).
    if (p % 16 == 0)
      for (int t = 0; t < J; ++t) __builtin_prefetch(B + std::min(j + J + t, g.n - 1) * g.ldb + p);
    Float8 b[J], a[R];
    for (int t = 0; t < J; ++t) keep_in_register(b[t] = load8(B + (j + t) * g.ldb + p));
    for (int r = 0; r < R; ++r) keep_in_register(a[r] = load8(A + r * g.lda + p));
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < J; ++t) acc[r][t] += a[r] * b[t];
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < J; ++t) {
      const Float8 v = acc[r][t];  // pairwise within the register: 4 + 4, 2 + 2, 1 + 1
      float sum = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
      for (int64_t q = p; q < g.k; ++q) sum += A[r * g.lda + q] * B[(j + t) * g.ldb + q];
      float& c = C[r * g.ldc + j + t];
      c = g.alpha * sum + (g.beta == 0 ? 0.0f : g.beta * c);
    }
}

// Rows [0, R) of A against rows [j0, j1) of B.
template <int R>
void dot_rows(const GemmArgs& g, const float* A, const float* B, float* C, int64_t j0, int64_t j1) {
  constexpr int J = rows_of_b(R);
  int64_t j = j0;
  for (; j + J <= j1; j += J) dot_tile<R, J>(g, A, B, C, j);
  for (; j < j1; ++j) dot_tile<R, 1>(g, A, B, C, j);
}

// Rows [0, rows) of A, at most kRowBlock, against rows [j0, j1) of B.
void dot_row_block(const GemmArgs& g, const float* A, int64_t rows, const float* B, float* C, int64_t j0,
                   int64_t j1) {
  switch (rows) {
    case 1: return dot_rows<1>(g, A, B, C, j0, j1);
    case 2: return dot_rows<2>(g, A, B, C, j0, j1);
    case 3: return dot_rows<3>(g, A, B, C, j0, j1);
    case 4: return dot_rows<4>(g, A, B, C, j0, j1);
    case 5: return dot_rows<5>(g, A, B, C, j0, j1);
    case 6: return dot_rows<6>(g, A, B, C, j0, j1);
    case 7: return dot_rows<7>(g, A, B, C, j0, j1);
    default: return dot_rows<8>(g, A, B, C, j0, j1);
  }
}

// Row i of C = alpha A[i, :] B + beta C[i, :] for B (k, n) untransposed: 32 columns at a time in
// four registers, each the running sum over p of A[i, p] B[p, cols].
void axpy_row(const GemmArgs& g, const float* a, const float* B, float* c) {
  auto finish = [&](int64_t j, float sum) { c[j] = g.alpha * sum + (g.beta == 0 ? 0.0f : g.beta * c[j]); };
  int64_t j = 0;
  for (; j + 32 <= g.n; j += 32) {
    Float8 acc[4] = {};
    for (int64_t p = 0; p < g.k; ++p)
      for (int v = 0; v < 4; ++v) acc[v] += a[p] * load8(B + p * g.ldb + j + 8 * v);
    for (int v = 0; v < 4; ++v)
      for (int l = 0; l < 8; ++l) finish(j + 8 * v + l, acc[v][l]);
  }
  for (; j < g.n; ++j) {
    float sum = 0;
    for (int64_t p = 0; p < g.k; ++p) sum += a[p] * B[p * g.ldb + j];
    finish(j, sum);
  }
}

}  // namespace

bool is_skinny_gemm(const GemmArgs& g) {
  constexpr int64_t kSmallB = 1 << 16;  // floats of an untransposed B read once per row of A: from L2
  return !g.trans_a && g.m <= kSkinnyGemmRows && (g.trans_b || g.k * g.n <= kSmallB);
}

void gemm_skinny_f32(const GemmArgs& g) {
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const auto* A = static_cast<const float*>(g.a) + bi * g.stride_a;
    const auto* B = static_cast<const float*>(g.b) + bi * g.stride_b;
    auto* C = static_cast<float*>(g.c) + bi * g.stride_c;
    if (!g.trans_b) {
      for (int64_t i = 0; i < g.m; ++i) axpy_row(g, A + i * g.lda, B, C + i * g.ldc);
      continue;
    }
    // threads split B's rows (C's columns), each reading its share of B once; only for products
    // past 2^21 multiply-adds, since waking threads costs 50-80 us (cpu_backend.h)
    parallel_for(g.n, g.m * g.n * g.k / 16, [&](int64_t j0, int64_t j1) {
      const int64_t blocks = (g.m + kRowBlock - 1) / kRowBlock, rb = (g.m + blocks - 1) / blocks;  // even blocks
      for (int64_t i = 0; i < g.m; i += rb)
        dot_row_block(g, A + i * g.lda, std::min(rb, g.m - i), B, C + i * g.ldc, j0, j1);
    });
  }
}

}  // namespace tg::cpu
