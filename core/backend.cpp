// The backend registry: the CPU backend registers itself, cuda/ does when it is linked.
#include "core/backend.h"

#include "core/cpu/cpu_backend.h"
#include "core/error.h"

namespace tg {

namespace {
Backend*& slot(DeviceType type) {
  static Backend* backends[2] = {&cpu::instance(), nullptr};
  return backends[int(type)];
}
}  // namespace

void register_backend(DeviceType type, Backend* b) { slot(type) = b; }
bool has_backend(DeviceType type) { return slot(type) != nullptr; }

Backend& backend(Device d) {
  Backend* b = slot(d.type);
  TG_CHECK(b != nullptr, "no backend for device {}: {}", d.str(),
           d.is_cuda() ? "tapegrad was built without CUDA (nvcc not found) or no GPU is present"
                       : "the CPU backend is missing");
  // One backend per device type: it serves cpu and cuda:0. Handing cuda:1 to cuda:0's backend
  // would silently run on the wrong GPU, so other indices are refused.
  TG_CHECK(d.index == 0, "no backend for device {}: tapegrad runs on {} only", d.str(),
           d.is_cuda() ? "cuda:0" : "cpu");
  return *b;
}

MemoryStats memory_stats(Device d) { return backend(d).memory_stats(); }
void reset_peak_memory_stats(Device d) { backend(d).reset_peak_memory_stats(); }
void empty_cache(Device d) { backend(d).empty_cache(); }

}  // namespace tg
