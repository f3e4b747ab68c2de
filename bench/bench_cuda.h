// Shared by the GPU bench mains (bench/*_cuda.cpp): a plain exit on a machine without a GPU, and
// the timer: `reps` calls queued back to back on the backend's stream and one wait for the last,
// so the host's launch cost overlaps the GPU's work as in training (median of 5 such rounds).
#pragma once
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <cstdlib>

#include "bench/bench_util.h"
#include "core/backend.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"

namespace bench {

inline void exit_without_cuda(const char* bench) {
  if (tg::has_backend(tg::DeviceType::cuda)) return;
  fmt::print(stderr, "{}: no CUDA device on this machine\n", bench);
  std::exit(1);
}

// Milliseconds per call of fn() on the GPU.
template <class Fn>
double cuda_ms_per_call(int reps, Fn&& fn) {
  cudaStream_t stream = tg::cuda::instance().stream();
  return median_ms(1, 5, [&] {
           for (int r = 0; r < reps; ++r) fn();
           TG_CUDA_CHECK(cudaStreamSynchronize(stream));
         }) / reps;
}

}  // namespace bench
