// The caching device allocator (see allocator.h). A .cpp, not a .cu: it launches no kernels, and
// its error messages are formatted with fmt, which nvcc cannot compile in C++20 mode.
#include "cuda/allocator.h"

#include <cuda_runtime.h>

#include <bit>
#include <string>

#include "core/error.h"
#include "cuda/check.h"
#include "cuda/device.h"

namespace tg::cuda {

namespace {

constexpr size_t kSmallStep = 512;
constexpr size_t kSmallLimit = size_t(1) << 20;

// Makes `device` current for a scope and restores the caller's device afterwards.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    TG_CUDA_CHECK(cudaGetDevice(&prev_));
    if (prev_ != device) TG_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(prev_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_ = 0;
};

std::string human_bytes(size_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", v, units[u]);
}

}  // namespace

CachingAllocator::CachingAllocator(int device) : device_(device) {}

CachingAllocator::~CachingAllocator() {
  // Unchecked calls: a destructor must not throw.
  int prev = device_;
  cudaGetDevice(&prev);
  cudaSetDevice(device_);
  for (auto& [size, blocks] : free_blocks_)
    for (void* p : blocks) cudaFree(p);
  for (auto& [p, size] : live_blocks_) cudaFree(p);
  cudaSetDevice(prev);
}

size_t CachingAllocator::round_size(size_t bytes) {
  if (bytes <= kSmallLimit) return (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  size_t step = std::bit_floor(bytes) / 4;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::device_malloc(size_t rounded) {
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, rounded);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // out of memory is not sticky; clear it so later calls do not report it
    return nullptr;
  }
  TG_CUDA_CHECK(err);
  ++stats_.num_cuda_malloc;
  return p;
}

void* CachingAllocator::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t rounded = round_size(bytes);
  std::lock_guard lock(mu_);
  void* p = nullptr;
  auto& cached = free_blocks_[rounded];
  if (!cached.empty()) {
    p = cached.back();
    cached.pop_back();
    stats_.bytes_cached -= rounded;
    ++stats_.num_cache_hits;
  } else {
    DeviceGuard guard(device_);
    p = device_malloc(rounded);
    if (!p) {
      free_cached();
      p = device_malloc(rounded);
    }
    if (!p) {
      size_t free = 0, total = 0;
      if (cudaMemGetInfo(&free, &total) != cudaSuccess) cudaGetLastError();
      fail("cuda:{} out of memory: cannot allocate {} ({} bytes requested, rounded to {}), even after emptying "
           "the cache. Allocator: {} in use in {} blocks, peak {}, {} cudaMalloc calls. Device: {} free of {}",
           device_, human_bytes(bytes), bytes, rounded, human_bytes(stats_.bytes_in_use), live_blocks_.size(),
           human_bytes(stats_.peak_bytes_in_use), stats_.num_cuda_malloc, human_bytes(free), human_bytes(total));
    }
  }
  live_blocks_[p] = rounded;
  stats_.bytes_in_use += rounded;
  stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  return p;
}

void CachingAllocator::deallocate(void* ptr) {
  if (!ptr) return;
  std::lock_guard lock(mu_);
  auto it = live_blocks_.find(ptr);
  TG_CHECK(it != live_blocks_.end(), "cuda:{} deallocate: {} was not allocated by this allocator, or was freed twice",
           device_, ptr);
  size_t rounded = it->second;
  live_blocks_.erase(it);
  free_blocks_[rounded].push_back(ptr);
  stats_.bytes_in_use -= rounded;
  stats_.bytes_cached += rounded;
}

// Every cached block leaves the lists even when a cudaFree fails (a sticky error from an earlier
// kernel fault), so none is handed out again after the driver may have freed it; the first error
// is raised at the end.
void CachingAllocator::free_cached() {
  DeviceGuard guard(device_);
  cudaError_t first_error = cudaSuccess;
  for (auto& [size, blocks] : free_blocks_) {
    for (void* p : blocks) {
      cudaError_t e = cudaFree(p);
      if (first_error == cudaSuccess) first_error = e;
      ++stats_.num_cuda_free;
      stats_.bytes_cached -= size;
    }
    blocks.clear();
  }
  TG_CUDA_CHECK(first_error);
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mu_);
  free_cached();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard lock(mu_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

CachingAllocator& allocator(int device) {
  // Created on first use and never destroyed: static destructors run after the CUDA runtime may
  // have shut down, and the driver takes back a process's device memory when it exits anyway.
  // The registry is leaked with them: were the mutex and vector plain statics, their destructors
  // could run while another static's destructor (a cached tensor freeing its block) still calls
  // allocator() during exit.
  static std::mutex& mu = *new std::mutex;
  static std::vector<CachingAllocator*>& per_device = *new std::vector<CachingAllocator*>;
  std::lock_guard lock(mu);
  if (device >= 0 && size_t(device) < per_device.size() && per_device[size_t(device)])
    return *per_device[size_t(device)];
  int n = device_count();
  TG_CHECK(device >= 0 && device < n, "cuda allocator: no device cuda:{} ({} CUDA devices present)", device, n);
  per_device.resize(size_t(n), nullptr);
  per_device[size_t(device)] = new CachingAllocator(device);
  return *per_device[size_t(device)];
}

}  // namespace tg::cuda
