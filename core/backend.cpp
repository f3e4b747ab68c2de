// The backend registry: the CPU backend registers itself, cuda/ does when it is linked.
#include "core/backend.h"

#include <charconv>

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
  return *b;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") return Device::cuda;
  if (name.rfind("cuda:", 0) == 0) {
    int index = -1;
    const char* first = name.data() + 5;
    const char* last = name.data() + name.size();
    auto [end, ec] = std::from_chars(first, last, index);  // no exception on overflow, unlike stoi
    if (ec == std::errc() && end == last && index >= 0) return Device{DeviceType::cuda, index};
  }
  fail("unknown device '{}': expected cpu, cuda or cuda:N", name);
}

}  // namespace tg
