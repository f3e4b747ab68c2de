// Device names and the default device of tensor creation.
#include "core/device.h"

#include <atomic>
#include <charconv>

#include "core/error.h"

namespace tg {

namespace {
// Packed as type << 16 | index so that reading it on every tensor creation is one relaxed load.
std::atomic<uint32_t> default_device_bits{0};
}  // namespace

Device default_device() {
  uint32_t bits = default_device_bits.load(std::memory_order_relaxed);
  return Device{DeviceType(bits >> 16), int(bits & 0xffff)};
}

void set_default_device(Device d) {
  TG_CHECK(d.index >= 0 && d.index <= 0xffff, "set_default_device: bad device index {}", d.index);
  default_device_bits.store(uint32_t(d.type) << 16 | uint32_t(d.index), std::memory_order_relaxed);
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
