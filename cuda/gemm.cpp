// CUDA GEMM through cuBLAS. cuBLAS is column-major; a row-major (m, n) matrix is the column-major
// (n, m) matrix with the same leading dimension, its transpose. So row-major C = op(A) op(B) is
// column-major C^T = op(B)^T op(A)^T: the call swaps the operands (and m with n) and keeps the
// transpose flags and leading dimensions as they are.
//   f32, f64: cublas{S,D}gemmStridedBatched (f32 without TF32, to match the CPU's precision).
//   f16, bf16: cublasGemmStridedBatchedEx, f32 accumulation (CUBLAS_COMPUTE_32F), tensor cores.
#include "core/error.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"

namespace tg::cuda {
namespace {

cublasOperation_t op(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }

}  // namespace

void CudaBackend::gemm(DType t, const GemmArgs& g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  TG_CHECK(g.m <= INT32_MAX && g.n <= INT32_MAX && g.k <= INT32_MAX && g.lda <= INT32_MAX && g.ldb <= INT32_MAX &&
               g.ldc <= INT32_MAX && g.batch <= INT32_MAX,
           "matmul: ({}, {}) x ({}, {}) batch {} is too large for cuBLAS's 32-bit sizes", g.m, g.k, g.k, g.n, g.batch);
  int m = int(g.m), n = int(g.n), k = int(g.k), batch = int(g.batch);
  int lda = int(g.lda), ldb = int(g.ldb), ldc = int(g.ldc);
  cublasOperation_t op_b = op(g.trans_b), op_a = op(g.trans_a);
  switch (t) {
    case DType::f32:
      TG_CUBLAS_CHECK(cublasSgemmStridedBatched(cublas_, op_b, op_a, n, m, k, &g.alpha, static_cast<const float*>(g.b),
                                                ldb, g.stride_b, static_cast<const float*>(g.a), lda, g.stride_a,
                                                &g.beta, static_cast<float*>(g.c), ldc, g.stride_c, batch));
      return;
    case DType::f64: {
      double alpha = g.alpha, beta = g.beta;
      TG_CUBLAS_CHECK(cublasDgemmStridedBatched(cublas_, op_b, op_a, n, m, k, &alpha,
                                                static_cast<const double*>(g.b), ldb, g.stride_b,
                                                static_cast<const double*>(g.a), lda, g.stride_a, &beta,
                                                static_cast<double*>(g.c), ldc, g.stride_c, batch));
      return;
    }
    case DType::f16:
    case DType::bf16: {
      cudaDataType_t type = t == DType::f16 ? CUDA_R_16F : CUDA_R_16BF;
      TG_CUBLAS_CHECK(cublasGemmStridedBatchedEx(cublas_, op_b, op_a, n, m, k, &g.alpha, g.b, type, ldb, g.stride_b,
                                                 g.a, type, lda, g.stride_a, &g.beta, g.c, type, ldc, g.stride_c,
                                                 batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      return;
    }
    default: fail("matmul: no CUDA GEMM for dtype {}; cast to a floating type", dtype_name(t));
  }
}

}  // namespace tg::cuda
