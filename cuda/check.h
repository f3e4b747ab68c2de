// Checked CUDA and cuBLAS calls. TG_CUDA_CHECK(cudaMalloc(...)) and TG_CUBLAS_CHECK(cublasSgemm(...))
// raise tg::Error naming the call, the file and the library's status string. Free of fmt so .cu
// files can include it; the raising lives in check.cpp.
#pragma once

namespace tg::cuda {

[[noreturn]] void raise_cuda_error(int code, const char* message, const char* call, const char* file, int line);
// `status` is a cublasStatus_t; its name and description are looked up in check.cpp.
[[noreturn]] void raise_cublas_error(int status, const char* call, const char* file, int line);

}  // namespace tg::cuda

// A failed call also leaves its error as the runtime's "last error"; reading it clears it, so a
// later cudaGetLastError() after a kernel launch does not report this failure a second time.
#define TG_CUDA_CHECK(call)                                                                     \
  do {                                                                                          \
    cudaError_t tg_err_ = (call);                                                               \
    if (tg_err_ != cudaSuccess) {                                                               \
      cudaGetLastError();                                                                       \
      ::tg::cuda::raise_cuda_error(int(tg_err_), cudaGetErrorString(tg_err_), #call, __FILE__, __LINE__); \
    }                                                                                           \
  } while (0)

#define TG_CUBLAS_CHECK(call)                                                  \
  do {                                                                         \
    cublasStatus_t tg_status_ = (call);                                        \
    if (tg_status_ != CUBLAS_STATUS_SUCCESS)                                   \
      ::tg::cuda::raise_cublas_error(int(tg_status_), #call, __FILE__, __LINE__); \
  } while (0)
