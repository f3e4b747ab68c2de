// Tiled scaled-dot-product attention on the GPU (FlashAttention-2's algorithm, the equations at
// the top of cuda/attention.cu): f32, f16 and bf16 inputs, f32 accumulation, head sizes 16, 32,
// 64 and 128. CudaBackend::attention_forward/backward call them on the backend's stream;
// tests/cuda/test_attention.cpp calls them directly on device pointers against the CPU reference.
// Free of fmt for nvcc.
//   q, o, dq, dout: (B, H, Tq, D)   k, v, dk, dv: (B, H, Tk, D)   lse: (B, H, Tq) f32
#pragma once
#include <cuda_runtime_api.h>

#include "core/attention_args.h"
#include "core/dtype.h"

namespace tg::cuda {

// o and the row logsumexp lse from q, k and v (all device pointers), launched on `stream`, which
// must be the backend's (CudaBackend::stream()): the backward hands its scratch buffer back to the
// caching allocator right after launching, and the allocator's reuse is ordered by that stream.
void attention_forward(DType t, void* o, float* lse, const void* q, const void* k, const void* v,
                       const AttentionArgs& args, cudaStream_t stream);
// dq, dk and dv from the forward's inputs, its o and lse, and dout.
void attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k, const void* v,
                        const void* o, const float* lse, const void* dout, const AttentionArgs& args,
                        cudaStream_t stream);

}  // namespace tg::cuda
