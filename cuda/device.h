// Device discovery. Without a GPU (or without a driver) cudaGetDeviceCount fails; that is
// reported as zero devices, never as an error, so CPU-only machines run and skip CUDA tests.
#pragma once
#include <string>

namespace tg::cuda {

int device_count();
std::string device_name(int index);

}  // namespace tg::cuda
