// The tiled attention kernels (cuda/attention_kernels.cuh) instantiated for f16 inputs, head
// sizes 16, 32, 64 and 128: one dtype per translation unit keeps each nvcc run short and lets a
// parallel build compile the three at once.
#include "cuda/attention_kernels.cuh"

namespace tg::cuda::attention {

template void forward<tg::half, 16>(void*, float*, const void*, const void*, const void*, const AttentionArgs&,
                                    cudaStream_t);
template void backward<tg::half, 16>(void*, void*, void*, const void*, const void*, const void*, const void*,
                                     const float*, const void*, const AttentionArgs&, cudaStream_t);
template void forward<tg::half, 32>(void*, float*, const void*, const void*, const void*, const AttentionArgs&,
                                    cudaStream_t);
template void backward<tg::half, 32>(void*, void*, void*, const void*, const void*, const void*, const void*,
                                     const float*, const void*, const AttentionArgs&, cudaStream_t);
template void forward<tg::half, 64>(void*, float*, const void*, const void*, const void*, const AttentionArgs&,
                                    cudaStream_t);
template void backward<tg::half, 64>(void*, void*, void*, const void*, const void*, const void*, const void*,
                                     const float*, const void*, const AttentionArgs&, cudaStream_t);
template void forward<tg::half, 128>(void*, float*, const void*, const void*, const void*, const AttentionArgs&,
                                     cudaStream_t);
template void backward<tg::half, 128>(void*, void*, void*, const void*, const void*, const void*, const void*,
                                      const float*, const void*, const AttentionArgs&, cudaStream_t);

}  // namespace tg::cuda::attention
