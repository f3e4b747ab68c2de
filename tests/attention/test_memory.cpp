// Tiled attention keeps its working memory O(T): measured with the device allocator's statistics
// (tg::memory_stats: core/cpu/memory.cpp, cuda/allocator.cpp), not with a timing. The working
// memory is the peak of bytes in use during forward and backward, above the inputs, minus the
// tensors any implementation returns (O and the three gradients). Naive attention would need a
// (T, T) score matrix per head on top.
#include <omp.h>

#include "core/backend.h"
#include "test_util.h"

using namespace tg;

namespace {

// Working bytes of one causal forward and backward at (1, H, T, D), f32.
size_t working_bytes(int64_t H, int64_t T, int64_t D) {
  Generator gen(1);
  Tensor q = randn({1, H, T, D}, gen), k = randn({1, H, T, D}, gen), v = randn({1, H, T, D}, gen);
  Tensor dout = randn({1, H, T, D}, gen);
  for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
  const size_t before = memory_stats(q.device()).bytes_in_use;
  reset_peak_memory_stats(q.device());
  {
    Tensor o = scaled_dot_product_attention(q, k, v, true);
    o.backward(dout);
  }
  const size_t peak = memory_stats(q.device()).peak_bytes_in_use, returned = 4 * q.nbytes();  // O, dQ, dK, dV
  return peak - before - returned;
}

}  // namespace

TEST_CASE("attention's working memory at T = 4096 is O(T), far below one score matrix") {
  // On the CPU the dQ buffers grow with the thread count, so the bounds are for two threads.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(2);
  const int64_t H = 2, D = 64, T = 4096;
  const size_t at_2048 = working_bytes(H, 2048, D), at_4096 = working_bytes(H, T, D);
  omp_set_num_threads(threads);
  const size_t row_bytes = size_t(T * D) * sizeof(float);  // one (T, D) f32 matrix: 1 MiB
  const size_t scores = size_t(H * T * T) * sizeof(float);  // 128 MiB
  MESSAGE("working memory on 2 threads: ", at_2048, " bytes at T = 2048, ", at_4096, " at T = 4096; naive scores "
          "alone: ", scores);
  // What the CPU kernel holds: L (H T floats), D_i (T), one (T, D) dQ buffer for the second
  // thread, three (64, 64) tiles per thread; the CUDA kernels hold L and D_i. At most three (T, D)
  // matrices:
  CHECK(at_4096 <= 3 * row_bytes);
  CHECK(at_4096 * 32 < scores);
  // Doubling T at most doubles it (plus the fixed tiles): linear, not quadratic.
  CHECK(at_4096 <= 2 * at_2048 + (256u << 10));
}
