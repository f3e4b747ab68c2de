// The safetensors file format (the one PyTorch and Hugging Face tools read): an 8-byte
// little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape
// and [begin, end) byte range in the data that follows, then the raw little-endian data.
// Files are written to a temporary name and renamed, so a crash never leaves a torn file.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace tg {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  NamedTensors tensors;                         // in file order, on the CPU
  std::map<std::string, std::string> metadata;  // the optional "__metadata__" string map
};

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
SafetensorsFile load_safetensors(const std::string& path);
// Parses a whole file held in memory; `name` is used in error messages.
SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& name);

// Writes `bytes` to path.tmp.<pid>, flushes it to disk, then renames it over `path`.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace tg
