// The CUDA backend: Backend (core/backend.h) on cuda:0, one stream for every kernel, copy and
// cuBLAS call, memory from the caching allocator. Each group of kernels lives in its own file in
// this folder, mirroring core/cpu/ (elementwise.cu, reduce.cu, index.cu, random.cu, optim.cu,
// gemm.cpp). Registered for DeviceType::cuda at startup when a GPU is present. Free of fmt.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "core/backend.h"

namespace tg::cuda {

class CudaBackend final : public Backend {
 public:
  CudaBackend();
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  MemoryStats memory_stats() const override;  // the caching allocator's, in its size classes
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
  bool has_attention_kernel(DType t, int64_t head_size) const override;

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
  bool all_finite_many(const std::vector<FiniteBuffer>& buffers) override;  // one flag, one read

  cudaStream_t stream() const { return stream_; }

 private:
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
};

// The process's CUDA backend, created on first use (throws tg::Error without a GPU).
CudaBackend& instance();

}  // namespace tg::cuda
