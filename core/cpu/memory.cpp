// CPU memory: 64-byte aligned host allocations, recycled through per-size free lists, and plain
// copies. Every op allocates its output, so a training step frees and asks again for the same
// sizes each iteration; aligned_alloc and free cost ~100 ns a pair and fragment glibc's heap.
// Freed blocks wait in a free list for their (64-byte rounded) size, up to kMaxCachedBytes in
// all; past that they go back to the system. memory_stats() counts the bytes handed out. When the
// system refuses an allocation, the cache is given back and the allocation tried once more.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/cpu/cpu_backend.h"
#include "core/error.h"

namespace tg::cpu {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kSmallClasses = 64;  // sizes up to 64 * 64 bytes: an array slot, no hashing
constexpr size_t kMaxCachedBytes = size_t(256) << 20;

struct BlockCache {
  std::mutex mutex;
  std::vector<void*> small[kSmallClasses + 1];           // by size / kAlign
  std::unordered_map<size_t, std::vector<void*>> large;  // by size
  MemoryStats stats;  // bytes_cached mirrors the free lists' total

  // The free list for `size`, or nullptr when there is none yet (allocating never adds entries).
  std::vector<void*>* find(size_t size) {
    if (size / kAlign <= kSmallClasses) return &small[size / kAlign];
    auto it = large.find(size);
    return it == large.end() ? nullptr : &it->second;
  }
  std::vector<void*>& list(size_t size) { return size / kAlign <= kSmallClasses ? small[size / kAlign] : large[size]; }
  // With the mutex held (or at exit): frees every cached block.
  void release_cached() {
    for (auto& blocks : small) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    for (auto& [size, blocks] : large)
      for (void* p : blocks) std::free(p);
    large.clear();
    stats.bytes_cached = 0;
  }
  ~BlockCache() { release_cached(); }
};

// Constructed by the first allocation, so it outlives every tensor (a static one included).
BlockCache& cache() {
  static BlockCache c;
  return c;
}

size_t rounded(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// With c.mutex held: `size` more bytes are in use.
void note_allocated(BlockCache& c, size_t size) {
  c.stats.bytes_in_use += size;
  c.stats.peak_bytes_in_use = std::max(c.stats.peak_bytes_in_use, c.stats.bytes_in_use);
}

}  // namespace

MemoryStats CpuBackend::memory_stats() const {
  BlockCache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

void CpuBackend::reset_peak_memory_stats() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mutex);
  c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
}

void CpuBackend::empty_cache() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mutex);
  c.release_cached();
}

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
    std::vector<void*>* blocks = c.find(size);
    if (blocks && !blocks->empty()) {
      void* p = blocks->back();
      blocks->pop_back();
      c.stats.bytes_cached -= size;
      note_allocated(c, size);
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, size);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlign, size);
  }
  if (!p) {
    MemoryStats s = memory_stats();
    fail("CPU out of memory: {} bytes requested, {} in use by tensors, {} cached", size, s.bytes_in_use,
         s.bytes_cached);
  }
  std::lock_guard lock(c.mutex);
  note_allocated(c, size);
  return p;
}

void CpuBackend::deallocate(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t size = rounded(bytes);
  BlockCache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.stats.bytes_in_use -= size;
    if (c.stats.bytes_cached + size <= kMaxCachedBytes) {
      c.list(size).push_back(ptr);
      c.stats.bytes_cached += size;
      return;
    }
  }
  std::free(ptr);
}

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }

}  // namespace tg::cpu
