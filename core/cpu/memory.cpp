// CPU memory: 64-byte aligned host allocations, recycled through per-size free lists, and plain
// copies. Every op allocates its output, so a training step frees and asks again for the same
// sizes each iteration; aligned_alloc and free cost ~100 ns a pair and fragment glibc's heap.
// Freed blocks wait in a free list for their (64-byte rounded) size, up to kMaxCachedBytes in
// all; past that they go back to the system. The cache also counts the bytes handed out and their
// peak (memory_stats), so tests can measure an op's working memory.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kSmallClasses = 64;  // sizes up to 64 * 64 bytes: an array slot, no hashing
constexpr size_t kMaxCachedBytes = size_t(256) << 20;

struct BlockCache {
  std::mutex mutex;
  std::vector<void*> small[kSmallClasses + 1];           // by size / kAlign
  std::unordered_map<size_t, std::vector<void*>> large;  // by size
  size_t cached_bytes = 0;
  size_t in_use_bytes = 0;  // rounded sizes handed out and not yet returned
  size_t peak_bytes = 0;

  // The free list for `size`, or nullptr when there is none yet (allocating never adds entries).
  std::vector<void*>* find(size_t size) {
    if (size / kAlign <= kSmallClasses) return &small[size / kAlign];
    auto it = large.find(size);
    return it == large.end() ? nullptr : &it->second;
  }
  std::vector<void*>& list(size_t size) { return size / kAlign <= kSmallClasses ? small[size / kAlign] : large[size]; }
  ~BlockCache() {
    for (auto& blocks : small)
      for (void* p : blocks) std::free(p);
    for (auto& [size, blocks] : large)
      for (void* p : blocks) std::free(p);
  }
};

// Constructed by the first allocation, so it outlives every tensor (a static one included).
BlockCache& cache() {
  static BlockCache c;
  return c;
}

size_t rounded(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

}  // namespace

CpuBackend& instance() {
  static CpuBackend b;
  return b;
}

void* CpuBackend::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t size = rounded(bytes);
  BlockCache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.in_use_bytes += size;
    c.peak_bytes = std::max(c.peak_bytes, c.in_use_bytes);
    std::vector<void*>* blocks = c.find(size);
    if (blocks && !blocks->empty()) {
      void* p = blocks->back();
      blocks->pop_back();
      c.cached_bytes -= size;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, size);
  if (!p) {
    std::lock_guard lock(c.mutex);
    c.in_use_bytes -= size;
    throw std::bad_alloc();
  }
  return p;
}

void CpuBackend::deallocate(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t size = rounded(bytes);
  BlockCache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.in_use_bytes -= size;
    if (c.cached_bytes + size <= kMaxCachedBytes) {
      c.list(size).push_back(ptr);
      c.cached_bytes += size;
      return;
    }
  }
  std::free(ptr);
}

MemoryStats memory_stats() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mutex);
  return {.bytes_in_use = c.in_use_bytes, .peak_bytes_in_use = c.peak_bytes, .bytes_cached = c.cached_bytes};
}

void reset_peak_memory() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mutex);
  c.peak_bytes = c.in_use_bytes;
}

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }

}  // namespace tg::cpu
