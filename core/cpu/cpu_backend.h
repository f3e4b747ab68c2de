// The CPU backend: OpenMP loops over the shared per-element math, CBLAS (or a portable blocked
// kernel) for GEMM. Each group of kernels lives in its own file in this folder.
#pragma once
#include <omp.h>

#include <algorithm>

#include "core/backend.h"

namespace tg::cpu {

// Loops touching at most this many elements run on one thread. Waking OpenMP workers costs about
// a microsecond while they spin, but 50-80 us once they sleep (OMP_WAIT_POLICY=passive, which the
// benches use on these shared cores): as long as a 100k-element exp takes on one core (45 us).
// Measured on the VAE step (batch 128): 2^15 gives 3.0 ms spinning / 5.0 ms passive, 2^17 3.25 / 3.9.
constexpr int64_t kParallelGrain = 1 << 17;

// Runs body(begin, end) over [0, n): in one call on this thread when `work` (the elements the
// loop touches) is at most kParallelGrain, otherwise in contiguous chunks, one per OpenMP thread.
// The test comes before OpenMP is entered because a `parallel if (false)` region still costs a
// libgomp call and a futex, about 0.2 us: more than a whole tiny kernel.
// The one-thread call goes through a function of its own, as the OpenMP region's body does: inlined
// into a kernel's dtype/op dispatch, GCC's vectoriser gives up on the `omp simd` loop inside.
template <class Body>
[[gnu::noinline]] void run_on_this_thread(Body& body, int64_t n) {
  body(int64_t(0), n);
}

template <class Body>
void parallel_for(int64_t n, int64_t work, Body&& body) {
  if (n <= 1 || work <= kParallelGrain) {
    if (n > 0) run_on_this_thread(body, n);
    return;
  }
#pragma omp parallel
  {
    int64_t threads = omp_get_num_threads(), chunk = (n + threads - 1) / threads;
    int64_t begin = std::min(n, omp_get_thread_num() * chunk), end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

class CpuBackend final : public Backend {
 public:
  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  MemoryStats memory_stats() const override;  // in 64-byte rounded sizes
  void reset_peak_memory_stats() override;
  void empty_cache() override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;

  void fill(DType t, void* out, int64_t n, double value) override;
  void cast(DType out_t, void* out, DType in_t, const void* in, int64_t n) override;
  void unary(UnaryOp op, DType t, void* out, const void* in, int64_t n, double p0, double p1) override;
  void binary(BinaryOp op, DType t, void* out, const void* a, const void* b, const BroadcastPlan& plan) override;
  void where(DType t, void* out, DType cond_t, const void* cond, const void* a, const void* b,
             const BroadcastPlan& plan) override;
  void copy_strided(DType t, void* out, const void* in, const CopyPlan& plan) override;

  void reduce(ReduceOp op, DType t, void* out, const void* in, int64_t outer, int64_t n, int64_t inner) override;
  void argreduce(bool is_max, DType t, int64_t* out, const void* in, int64_t outer, int64_t n,
                 int64_t inner) override;
  void softmax(DType t, void* out, const void* in, int64_t rows, int64_t n, bool log) override;

  void gemm(DType t, const GemmArgs& args) override;

  void attention_forward(DType t, void* o, void* lse, const void* q, const void* k, const void* v,
                         const AttentionArgs& args) override;
  void attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k, const void* v,
                          const void* o, const void* lse, const void* dout, const AttentionArgs& args) override;
  bool has_attention_kernel(DType t, int64_t) const override { return t == DType::f32 || t == DType::f64; }
  bool has_attention_mask_kernel() const override { return true; }

  void unfold(DType t, void* cols, const void* x, const UnfoldArgs& args) override;
  void fold(DType t, void* x, const void* cols, const UnfoldArgs& args) override;

  void index_select(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
                    int64_t n_idx, int64_t inner) override;
  void index_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer, int64_t n_out,
                 int64_t n_idx, int64_t inner) override;
  void gather(DType t, void* out, const void* in, const int64_t* idx, int64_t outer, int64_t n_in,
              int64_t n_idx, int64_t inner) override;
  void scatter_add(DType t, void* out, const void* src, const int64_t* idx, int64_t outer, int64_t n_out,
                   int64_t n_idx, int64_t inner) override;
  int64_t first_out_of_range(const int64_t* idx, int64_t n, int64_t limit) override;

  void random_uniform(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double lo,
                      double hi) override;
  void random_normal(DType t, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                     double std) override;

  void adam_update(const std::vector<AdamTensor>& tensors) override;
  bool all_finite(DType t, const void* in, int64_t n) override;
};

CpuBackend& instance();

// Row-major GEMM without BLAS: the fallback when CBLAS is absent (cpu/gemm_blocked.cpp), and the
// naive triple loop tests compare against. Both compute C = alpha op(A) op(B) + beta C in f32.
void gemm_blocked_f32(const GemmArgs& g);
void gemm_reference_f32(const GemmArgs& g);
// C = alpha A op(B) + beta C for at most kSkinnyGemmRows rows of A (untransposed), f32, with B
// transposed (every row of B read once for all rows of A) or small (cpu/gemm_skinny.cpp): decoding's
// products. run_sgemm takes this path when is_skinny_gemm.
constexpr int64_t kSkinnyGemmRows = 16;
bool is_skinny_gemm(const GemmArgs& g);
void gemm_skinny_f32(const GemmArgs& g);
// f32/f64 GEMM on the calling thread, for kernels that call it from inside their own parallel
// region (tiled attention): no change to OpenBLAS's thread count, which is global state, and
// OpenBLAS's OpenMP build runs a call made inside a parallel region on the calling thread.
void gemm_on_this_thread(DType t, const GemmArgs& g);

// Attention the naive way, in f64 with the whole (Tq, Tk) score matrix: the oracle the tiled CPU
// and CUDA kernels are tested against (core/cpu/attention_reference.cpp). Layouts as in
// core/attention_args.h; the backward uses rowsum(P * dP) directly, not the forward's O.
void attention_forward_reference(double* o, double* lse, const double* q, const double* k, const double* v,
                                 const AttentionArgs& args);
void attention_backward_reference(double* dq, double* dk, double* dv, const double* q, const double* k,
                                  const double* v, const double* dout, const AttentionArgs& args);

}  // namespace tg::cpu
