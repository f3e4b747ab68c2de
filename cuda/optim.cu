// Fused Adam/AdamW on CUDA (the equations are in nn/optim.h), mirroring core/cpu/optim.cpp. The
// tensor list goes to the kernel by value in chunks of kAdamChunk (kernel parameters are limited
// to 4 KiB): one launch per chunk, blockIdx.y picks the tensor, a grid-stride loop covers it.
#include <algorithm>

#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace tg::cuda {
namespace {

constexpr int kAdamChunk = 32;  // 32 * sizeof(AdamTensor) = 2.3 KiB of parameters

struct AdamChunk {
  int count;
  AdamTensor tensors[kAdamChunk];
};

__global__ void adam_kernel(AdamChunk chunk) {
  const AdamTensor& t = chunk.tensors[blockIdx.y];
  const AdamStep& s = t.step;
  const float step = s.lr / s.bias_correction1, inv_sqrt_bc2 = 1.0f / sqrtf(s.bias_correction2);
  for (int64_t i = thread_index(); i < t.n; i += thread_count()) {
    float g = t.grad[i];
    float p = t.param[i];
    if (s.decoupled) p -= s.lr * s.weight_decay * p;
    else g += s.weight_decay * p;
    float m = s.beta1 * t.m[i] + (1 - s.beta1) * g;
    float v = s.beta2 * t.v[i] + (1 - s.beta2) * g * g;
    t.m[i] = m;
    t.v[i] = v;
    if (t.v_max) {  // AMSGrad: divide by the running max of v
      v = fmaxf(t.v_max[i], v);
      t.v_max[i] = v;
    }
    t.param[i] = p - step * m / (sqrtf(v) * inv_sqrt_bc2 + s.eps);
  }
}

}  // namespace

void CudaBackend::adam_update(const std::vector<AdamTensor>& tensors) {
  for (size_t first = 0; first < tensors.size(); first += kAdamChunk) {
    AdamChunk chunk{};
    chunk.count = int(std::min(tensors.size() - first, size_t(kAdamChunk)));
    int64_t largest = 0;
    for (int i = 0; i < chunk.count; ++i) {
      chunk.tensors[i] = tensors[first + size_t(i)];
      largest = std::max(largest, chunk.tensors[i].n);
    }
    if (largest == 0) continue;
    dim3 grid(grid_for(largest), unsigned(chunk.count));
    adam_kernel<<<grid, kThreads, 0, stream_>>>(chunk);
    TG_CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace tg::cuda
