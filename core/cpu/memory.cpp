// CPU memory: 64-byte aligned host allocations and plain copies.
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {

CpuBackend& instance() {
  static CpuBackend b;
  return b;
}

void* CpuBackend::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return p;
}
void CpuBackend::deallocate(void* ptr, size_t) { std::free(ptr); }
void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
void CpuBackend::copy(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }

}  // namespace tg::cpu
