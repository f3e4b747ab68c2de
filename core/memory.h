// Device memory as the allocators see it (PyTorch's torch.cuda.memory_stats, reset_peak_memory_stats
// and empty_cache, for any device): examples report peak memory and tests measure an op's working
// memory with these. Each Backend implements them for its own allocator (core/backend.h).
#pragma once
#include <cstddef>

#include "core/device.h"

namespace tg {

// An allocator's counts, in its rounded block sizes.
struct MemoryStats {
  size_t bytes_in_use = 0;       // handed out to tensors and not yet freed
  size_t peak_bytes_in_use = 0;  // the largest bytes_in_use since start or reset_peak_memory_stats()
  size_t bytes_cached = 0;       // freed blocks kept in the free lists for reuse
};

MemoryStats memory_stats(Device d);
void reset_peak_memory_stats(Device d);  // the peak starts again from the bytes in use now
void empty_cache(Device d);              // cached free blocks go back to the system or the driver

}  // namespace tg
