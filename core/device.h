// Where a tensor's storage lives. CPU always exists; CUDA when the cuda/ backend is linked
// and a GPU is present.
#pragma once
#include <cstdint>
#include <string>

namespace tg {

enum class DeviceType : uint8_t { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;
  static const Device cpu;
  static const Device cuda;
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  // Written out rather than defaulted: this header is also compiled as C++17, by nvcc (cuda/).
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};
inline constexpr Device Device::cpu{DeviceType::cpu, 0};
inline constexpr Device Device::cuda{DeviceType::cuda, 0};

// The device that tensor creation uses when its TensorOptions name none (PyTorch's
// torch.set_default_device); the CPU unless set. Process-wide: set it before creating tensors,
// not while other threads create them. Ops put their results on their inputs' device regardless.
Device default_device();
void set_default_device(Device d);

// Parses "cpu", "cuda" or "cuda:N" (for --device flags); throws tg::Error otherwise.
Device parse_device(const std::string& name);

}  // namespace tg
