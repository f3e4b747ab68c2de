// Checked CUDA calls. TG_CUDA_CHECK(cudaMalloc(...)) raises tg::Error naming the call, the file
// and CUDA's message. Free of fmt so .cu files can include it; the raising lives in check.cpp.
#pragma once

namespace tg::cuda {

[[noreturn]] void raise_cuda_error(int code, const char* message, const char* call, const char* file, int line);

}  // namespace tg::cuda

#define TG_CUDA_CHECK(call)                                                                     \
  do {                                                                                          \
    cudaError_t tg_err_ = (call);                                                               \
    if (tg_err_ != cudaSuccess)                                                                 \
      ::tg::cuda::raise_cuda_error(int(tg_err_), cudaGetErrorString(tg_err_), #call, __FILE__, __LINE__); \
  } while (0)
