// Raising CUDA and cuBLAS failures as tg::Error (kept out of .cu files, which cannot include fmt).
#include "cuda/check.h"

#include <cublas_v2.h>

#include "core/error.h"

namespace tg::cuda {

void raise_cuda_error(int code, const char* message, const char* call, const char* file, int line) {
  fail("CUDA error {} ({}) in {} at {}:{}", code, message, call, file, line);
}

void raise_cublas_error(int status, const char* call, const char* file, int line) {
  auto s = cublasStatus_t(status);
  fail("cuBLAS error {} ({}: {}) in {} at {}:{}", status, cublasGetStatusName(s), cublasGetStatusString(s), call,
       file, line);
}

}  // namespace tg::cuda
