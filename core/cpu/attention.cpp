// Tiled scaled-dot-product attention on the CPU, FlashAttention-2's algorithm: the (Tq, Tk) score
// matrix is never formed, only (kRows, kCols) tiles of it in per-thread scratch, so the extra
// memory is O(T). Tile products go through CBLAS; exp is core/fast_math.h's vectorisable one.
// Sizes and layouts: core/attention_args.h. Oracle: attention_reference.cpp (tests/attention).
//
// S = scale Q K^T + M, with S_ij = -inf where causal and j > i + (Tk - Tq);  P = softmax_rows(S);  O = P V.
// M is the optional additive mask (0 where a key is kept, -inf where hidden, or any biases), read
// tile by tile like S itself. A query that sees no key at all gets O = 0 and L = -inf.
//
// Forward, for one tile Q_i of queries, over the key tiles K_j, V_j in order, with a running row
// max m (from -inf), row sum l (from 0) and unnormalised output Õ (from 0):
//   S_ij = scale Q_i K_j^T
//   m'   = max(m, rowmax S_ij)
//   P̃_ij = exp(S_ij - m')
//   l    = exp(m - m') l + rowsum P̃_ij
//   Õ    = exp(m - m') Õ + P̃_ij V_j,      then m = m'
// and at the end O_i = Õ / l and L_i = m + log l, each row's logsumexp: with O, all that is saved.
//
// Backward, given dO. D = rowsum(dO ∘ O) equals rowsum(P ∘ dP), since dP = dO V^T and O = P V.
// For each key tile j, over the query tiles i that see it:
//   P_ij   = exp(S_ij - L_i)           the exact probabilities, recomputed from L
//   dV_j  += P_ij^T dO_i
//   dP_ij  = dO_i V_j^T
//   dS_ij  = P_ij ∘ (dP_ij - D_i)       the softmax backward, row by row
//   dK_j  += scale dS_ij^T Q_i
//   dQ_i  += scale dS_ij K_j
//
// Threads. Forward: (batch, head, query tile) items, each owning its rows of O and L. Backward: one
// (batch, head) at a time, its key tiles dealt round-robin to the threads, each owning its rows of
// dK and dV. dQ_i gets a term from every key tile, so thread t adds into a (Tq, D) buffer of its own
// (thread 0 into dQ itself) and the buffers are summed at the end: (threads - 1) Tq D extra
// elements, no races, and for a given thread count the same result every run.
#include <cmath>
#include <limits>

#include "core/cpu/cpu_backend.h"
#include "core/error.h"
#include "core/fast_math.h"

namespace tg::cpu {
namespace {

constexpr int64_t kRows = 64;  // queries per tile
constexpr int64_t kCols = 64;  // keys per tile

inline float exp_of(float x) { return fast::exp(x); }
inline double exp_of(double x) { return std::exp(x); }

// Working memory from the backend's allocator, so that memory_stats() accounts for it.
template <class T>
class Scratch {
 public:
  explicit Scratch(int64_t n) : bytes_(size_t(n) * sizeof(T)), data_(static_cast<T*>(instance().allocate(bytes_))) {}
  ~Scratch() { instance().deallocate(data_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return data_; }

 private:
  size_t bytes_;
  T* data_;
};

// C (m, n) = op(A) op(B) + beta C, row-major with leading dimensions, on the calling thread.
template <class T>
void tile_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
               int64_t ldb, float beta, T* c, int64_t ldc) {
  GemmArgs g{.trans_a = trans_a, .trans_b = trans_b, .m = m, .n = n, .k = k, .a = a, .lda = lda, .b = b,
             .ldb = ldb, .c = c, .ldc = ldc, .alpha = 1.0f, .beta = beta};
  gemm_on_this_thread(dtype_of<T>::value, g);
}

// Threads for a kernel doing `work` multiply-adds: one below the usual grain.
int threads_for(const AttentionArgs& a) {
  int64_t work = a.B * a.H * a.Tq * a.Tk * a.D;
  return work > kParallelGrain ? omp_get_max_threads() : 1;
}

// The forward pass for query rows [row0, row0 + kRows) of one (batch, head): q, o (Tq, D), k, v
// (Tk, D), lse (Tq). s is a (kRows, kCols) scratch tile.
template <class T>
void forward_tile(T* o, T* lse, const T* q, const T* k, const T* v, const T* bias, const AttentionArgs& a, int64_t row0,
                  T* s) {
  const int64_t D = a.D, rows = std::min(kRows, a.Tq - row0);
  const int64_t keys = a.visible_keys(row0 + rows - 1);  // the last row sees the most
  const T scale = T(a.scale), neg_inf = -std::numeric_limits<T>::infinity();
  T m[kRows], l[kRows];
  T* oi = o + row0 * D;
  for (int64_t r = 0; r < rows; ++r) m[r] = neg_inf, l[r] = 0;
  std::fill(oi, oi + rows * D, T(0));
  for (int64_t col0 = 0; col0 < keys; col0 += kCols) {
    const int64_t cols = std::min(kCols, keys - col0);
    tile_gemm<T>(false, true, rows, cols, D, q + row0 * D, D, k + col0 * D, D, 0, s, kCols);  // Q_i K_j^T
    for (int64_t r = 0; r < rows; ++r) {
      T* sr = s + r * kCols;
      const int64_t visible = a.visible_keys(row0 + r) - col0;
      T row_max = m[r];
      if (bias) {
        const T* mr = bias + (row0 + r) * a.Tk + col0;
#pragma omp simd reduction(max : row_max)
        for (int64_t c = 0; c < cols; ++c) {
          sr[c] = c < visible ? sr[c] * scale + mr[c] : neg_inf;
          row_max = std::max(row_max, sr[c]);
        }
      } else {
#pragma omp simd reduction(max : row_max)
        for (int64_t c = 0; c < cols; ++c) {
          sr[c] = c < visible ? sr[c] * scale : neg_inf;
          row_max = std::max(row_max, sr[c]);
        }
      }
      if (row_max == neg_inf) {  // the mask hides every key so far: nothing to add yet
        std::fill(sr, sr + cols, T(0));
        continue;
      }
      const T rescale = exp_of(m[r] - row_max);
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t c = 0; c < cols; ++c) {
        sr[c] = exp_of(sr[c] - row_max);
        sum += sr[c];
      }
      l[r] = rescale * l[r] + sum;
      m[r] = row_max;
      if (rescale != T(1))
        for (int64_t d = 0; d < D; ++d) oi[r * D + d] *= rescale;
    }
    tile_gemm<T>(false, false, rows, D, cols, s, kCols, v + col0 * D, D, 1, oi, D);  // Õ += P̃ V_j
  }
  for (int64_t r = 0; r < rows; ++r) {
    const T inv = l[r] > T(0) ? T(1) / l[r] : T(0);  // 0: a row that sees no key
    for (int64_t d = 0; d < D; ++d) oi[r * D + d] *= inv;
    lse[row0 + r] = m[r] + std::log(l[r]);
  }
}

template <class T>
void forward(T* o, T* lse, const T* q, const T* k, const T* v, const AttentionArgs& a) {
  const int64_t tiles = (a.Tq + kRows - 1) / kRows, items = a.B * a.H * tiles;
#pragma omp parallel num_threads(threads_for(a))
  {
    Scratch<T> s(kRows * kCols);
    // Causal tiles further down see more keys: hand those out first so the threads finish together.
#pragma omp for schedule(dynamic)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t bh = item / tiles, tile = tiles - 1 - item % tiles;
      const T* bias = a.bias ? static_cast<const T*>(a.bias) + a.bias_offset(bh) : nullptr;
      forward_tile(o + bh * a.Tq * a.D, lse + bh * a.Tq, q + bh * a.Tq * a.D, k + bh * a.kv_head_stride(),
                   v + bh * a.kv_head_stride(), bias, a, tile * kRows, s.get());
    }
  }
}

// Everything one (batch, head) of the backward reads; pointers already offset to that head.
template <class T>
struct HeadGrads {
  T *dk, *dv;
  const T *q, *k, *v, *dout, *lse, *delta;
  const T* bias;  // the head's (Tq, Tk) mask, or null
};

// dK_j and dV_j for keys [col0, col0 + kCols), and key tile j's terms of dQ added into dq (Tq, D).
// p and dp are (kRows, kCols) scratch tiles.
template <class T>
void backward_key_tile(T* dq, const HeadGrads<T>& h, const AttentionArgs& a, int64_t col0, T* p, T* dp) {
  const int64_t D = a.D, cols = std::min(kCols, a.Tk - col0);
  const T scale = T(a.scale);
  T* dk = h.dk + col0 * D;
  T* dv = h.dv + col0 * D;
  std::fill(dk, dk + cols * D, T(0));
  std::fill(dv, dv + cols * D, T(0));
  // Causal: query i sees key col0 once i + offset >= col0.
  const int64_t first_row = a.causal ? std::max<int64_t>(0, col0 - a.causal_offset()) : 0;
  for (int64_t row0 = first_row / kRows * kRows; row0 < a.Tq; row0 += kRows) {
    const int64_t rows = std::min(kRows, a.Tq - row0);
    const T* qi = h.q + row0 * D;
    const T* doi = h.dout + row0 * D;
    tile_gemm<T>(false, true, rows, cols, D, qi, D, h.k + col0 * D, D, 0, p, kCols);  // Q_i K_j^T
    for (int64_t r = 0; r < rows; ++r) {
      T* pr = p + r * kCols;
      const int64_t visible = a.visible_keys(row0 + r) - col0;
      const T L = h.lse[row0 + r];
      if (L == -std::numeric_limits<T>::infinity()) {  // a row that sees no key has P = 0
        std::fill(pr, pr + cols, T(0));
      } else if (h.bias) {
        const T* mr = h.bias + (row0 + r) * a.Tk + col0;
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) pr[c] = c < visible ? exp_of(pr[c] * scale + mr[c] - L) : T(0);
      } else {
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) pr[c] = c < visible ? exp_of(pr[c] * scale - L) : T(0);
      }
    }
    tile_gemm<T>(true, false, cols, D, rows, p, kCols, doi, D, 1, dv, D);               // dV_j += P^T dO_i
    tile_gemm<T>(false, true, rows, cols, D, doi, D, h.v + col0 * D, D, 0, dp, kCols);  // dP = dO_i V_j^T
    for (int64_t r = 0; r < rows; ++r) {
      const T* pr = p + r * kCols;
      T* dsr = dp + r * kCols;
      const T Di = h.delta[row0 + r];
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) dsr[c] = scale * pr[c] * (dsr[c] - Di);  // scale dS
    }
    tile_gemm<T>(true, false, cols, D, rows, dp, kCols, qi, D, 1, dk, D);                // dK_j += scale dS^T Q_i
    tile_gemm<T>(false, false, rows, D, cols, dp, kCols, h.k + col0 * D, D, 1, dq + row0 * D, D);  // dQ_i += scale dS K_j
  }
}

template <class T>
void backward(T* dq, T* dk, T* dv, const T* q, const T* k, const T* v, const T* o, const T* lse, const T* dout,
              const AttentionArgs& a) {
  const int64_t D = a.D, Tq = a.Tq, Tk = a.Tk, key_tiles = (Tk + kCols - 1) / kCols;
  const int threads = threads_for(a);
  Scratch<T> delta(Tq), dq_parts(std::max<int64_t>(1, (threads - 1) * Tq * D));
#pragma omp parallel num_threads(threads)
  {
    Scratch<T> p(kRows * kCols), dp(kRows * kCols);
    const int t = omp_get_thread_num(), team = omp_get_num_threads();
    for (int64_t bh = 0; bh < a.B * a.H; ++bh) {
      const T* o_h = o + bh * Tq * D;
      const T* dout_h = dout + bh * Tq * D;
      T* dq_h = dq + bh * Tq * D;
      T* mine = t == 0 ? dq_h : dq_parts.get() + (t - 1) * Tq * D;
#pragma omp for schedule(static)
      for (int64_t i = 0; i < Tq; ++i) {
        T dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += dout_h[i * D + d] * o_h[i * D + d];
        delta.get()[i] = dot;  // D_i = rowsum(dO ∘ O)
      }
      std::fill(mine, mine + Tq * D, T(0));
      HeadGrads<T> h{dk + bh * Tk * D, dv + bh * Tk * D, q + bh * Tq * D, k + bh * a.kv_head_stride(),
                     v + bh * a.kv_head_stride(),
                     dout_h, lse + bh * Tq, delta.get(),
                     a.bias ? static_cast<const T*>(a.bias) + a.bias_offset(bh) : nullptr};
      // Round-robin: with causal masking tile j has (key_tiles - j) query tiles of work, and
      // dealing tiles one at a time evens that out while keeping each thread's share fixed.
#pragma omp for schedule(static, 1)
      for (int64_t j = 0; j < key_tiles; ++j) backward_key_tile(mine, h, a, j * kCols, p.get(), dp.get());
#pragma omp for schedule(static)
      for (int64_t i = 0; i < Tq * D; ++i)
        for (int u = 1; u < team; ++u) dq_h[i] += dq_parts.get()[(u - 1) * Tq * D + i];
    }
  }
}

[[noreturn]] void fail_dtype(DType t) {
  fail("scaled_dot_product_attention: the CPU kernel takes f32 or f64 inputs, got {}; cast them first", dtype_name(t));
}

}  // namespace

void CpuBackend::attention_forward(DType t, void* o, void* lse, const void* q, const void* k, const void* v,
                                   const AttentionArgs& a) {
  if (a.B * a.H * a.Tq * a.D == 0) return;
  auto run = [&](auto zero) {
    using T = decltype(zero);
    forward(static_cast<T*>(o), static_cast<T*>(lse), static_cast<const T*>(q), static_cast<const T*>(k),
            static_cast<const T*>(v), a);
  };
  if (t == DType::f32) return run(0.0f);
  if (t == DType::f64) return run(0.0);
  fail_dtype(t);
}

void CpuBackend::attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k,
                                    const void* v, const void* o, const void* lse, const void* dout,
                                    const AttentionArgs& a) {
  if (a.B * a.H * a.Tk * a.D == 0) return;
  auto run = [&](auto zero) {
    using T = decltype(zero);
    backward(static_cast<T*>(dq), static_cast<T*>(dk), static_cast<T*>(dv), static_cast<const T*>(q),
             static_cast<const T*>(k), static_cast<const T*>(v), static_cast<const T*>(o), static_cast<const T*>(lse),
             static_cast<const T*>(dout), a);
  };
  if (t == DType::f32) return run(0.0f);
  if (t == DType::f64) return run(0.0);
  fail_dtype(t);
}

}  // namespace tg::cpu
