// Raising CUDA failures as tg::Error (kept out of .cu files, which cannot include fmt).
#include "cuda/check.h"

#include "core/error.h"

namespace tg::cuda {

void raise_cuda_error(int code, const char* message, const char* call, const char* file, int line) {
  fail("CUDA error {} ({}) in {} at {}:{}", code, message, call, file, line);
}

}  // namespace tg::cuda
