// The per-(dtype, head size) launchers of the tiled attention kernels, declared for
// cuda/attention.cu's dispatch and defined (explicitly instantiated) in cuda/attention_<dtype>.cu.
// T is float, tg::half or tg::bfloat16; D is 16, 32, 64 or 128. Free of fmt for nvcc.
#pragma once
#include <cuda_runtime_api.h>

#include "core/attention_args.h"

namespace tg::cuda::attention {

template <class T, int D>
void forward(void* o, float* lse, const void* q, const void* k, const void* v, const AttentionArgs& a,
             cudaStream_t stream);

template <class T, int D>
void backward(void* dq, void* dk, void* dv, const void* q, const void* k, const void* v, const void* o,
              const float* lse, const void* dout, const AttentionArgs& a, cudaStream_t stream);

}  // namespace tg::cuda::attention
