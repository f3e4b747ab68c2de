// The CUDA backend's setup and memory: the stream, the cuBLAS handle, allocation through the
// caching allocator, host<->device copies, and the registration for DeviceType::cuda.
#include "cuda/cuda_backend.h"

#include <cstdio>

#include "core/error.h"
#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/device.h"

namespace tg::cuda {

CudaBackend::CudaBackend() {
  TG_CUDA_CHECK(cudaSetDevice(device_));
  // A stream of our own rather than the legacy default stream, which would synchronise with
  // every other stream in the process. Blocks go back to the allocator in host order and are
  // reused in host order, which is safe because all our work is ordered on this one stream.
  TG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  TG_CUBLAS_CHECK(cublasCreate(&cublas_));
  TG_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
}

CudaBackend::~CudaBackend() {
  // Unchecked: a destructor must not throw, and at exit the runtime may already be shutting down.
  cublasDestroy(cublas_);
  cudaStreamDestroy(stream_);
}

CudaBackend& instance() {
  // Never destroyed, like the allocator: tensors held in statics may outlive any static here.
  static CudaBackend* backend = new CudaBackend();
  return *backend;
}

void* CudaBackend::allocate(size_t bytes) { return allocator(device_).allocate(bytes); }
void CudaBackend::deallocate(void* ptr, size_t) { allocator(device_).deallocate(ptr); }

MemoryStats CudaBackend::memory_stats() const {
  AllocatorStats s = allocator(device_).stats();
  return {.bytes_in_use = s.bytes_in_use, .peak_bytes_in_use = s.peak_bytes_in_use, .bytes_cached = s.bytes_cached};
}
void CudaBackend::reset_peak_memory_stats() { allocator(device_).reset_peak(); }
// cudaFree waits for the device, so blocks that queued kernels still use are not freed under them.
void CudaBackend::empty_cache() { allocator(device_).empty_cache(); }

// Host buffers are pageable and may be reused as soon as we return, so host copies wait for the
// stream; device-to-device copies stay asynchronous, ordered with the kernels.
void CudaBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  TG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
  TG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

namespace {

// Registers the backend before main when a GPU is present. Without one, Device::cuda stays
// unbacked (has_backend is false), so tensors on it are a clear error and tests can install
// their host-memory stand-in (tests/test_util.h, LoopbackCuda). A GPU that fails to set up (no
// memory for a context, a broken driver) leaves the CPU usable: the failure is printed, not
// thrown before main. CMakeLists.txt links this library whole so that this object is kept
// although nothing refers to it.
const bool registered = [] {
  if (device_count() == 0) return false;
  try {
    register_backend(DeviceType::cuda, &instance());
    return true;
  } catch (const Error& e) {
    std::fprintf(stderr, "tapegrad: CUDA device present but the backend failed to start: %s\n", e.what());
    return false;
  }
}();

}  // namespace

}  // namespace tg::cuda
