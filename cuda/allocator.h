// Caching device allocator: freed blocks go to a free list keyed by size class and are handed out
// again for the next request of that class, so steady-state training makes no cudaMalloc/cudaFree
// calls (each costs microseconds and synchronises the device). CudaBackend::allocate/deallocate
// call allocator(device).allocate/deallocate. Free of fmt and CUDA headers so .cu files can include it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tg::cuda {

struct AllocatorStats {
  size_t bytes_in_use = 0;       // rounded sizes of the blocks handed out and not yet returned
  size_t peak_bytes_in_use = 0;  // the largest bytes_in_use since creation or reset_peak()
  size_t bytes_cached = 0;       // returned blocks held in the free lists
  int64_t num_cuda_malloc = 0;   // successful cudaMalloc calls
  int64_t num_cuda_free = 0;     // cudaFree calls (empty_cache, or retrying after out-of-memory)
  int64_t num_cache_hits = 0;    // requests served from a free list
};

// One allocator per device. Blocks are never split or merged: a request is rounded up to its size
// class and only a cached block of exactly that class serves it, which keeps the bookkeeping to two
// hash maps at the price of some padding (at most 511 bytes, or 25% of a large request).
// Thread-safe. Blocks are reused in host order, which is safe while all kernels run on one stream;
// a backend with several streams must record an event on free and wait for it before reuse.
class CachingAllocator {
 public:
  explicit CachingAllocator(int device);
  // Returns every block, cached or still in use, to the driver: the allocator must outlive its blocks.
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least `bytes` on this allocator's device (nullptr for 0 bytes). When cudaMalloc
  // fails, the cache is emptied and the call retried once; then tg::Error says how much was asked
  // for, what the allocator holds and what the device has free.
  void* allocate(size_t bytes);
  // Puts a block from allocate() back in its free list (nullptr is ignored).
  void deallocate(void* ptr);
  // cudaFree for every cached block, giving the memory back to the driver and to other processes.
  void empty_cache();

  AllocatorStats stats() const;
  void reset_peak();
  int device() const { return device_; }

  // Size classes: multiples of 512 B up to 1 MiB; above, each power-of-two range [2^k, 2^(k+1))
  // is cut into four equal steps, so 1.1 MiB becomes 1.25 MiB and 5 MiB + 1 B becomes 6 MiB.
  static size_t round_size(size_t bytes);

 private:
  void* device_malloc(size_t rounded);  // cudaMalloc, or nullptr when the device is out of memory
  void free_cached();                   // empty_cache with mu_ held

  int device_;
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_blocks_;  // size class -> cached blocks
  std::unordered_map<void*, size_t> live_blocks_;               // block handed out -> size class
  AllocatorStats stats_;
};

// The allocator of `device`, created on first use. Throws tg::Error for a device that does not exist.
CachingAllocator& allocator(int device);

}  // namespace tg::cuda
