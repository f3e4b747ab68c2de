// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, element type, number of
// dims), the dims as big-endian u32, then the values. Files may be gzip-compressed. Every
// header field and the data length are validated; any problem is a tg::Error naming the file
// and the byte offset (in the decompressed stream) where it was found.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tg::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // unsigned bytes (type 0x08), row-major
};

// Parses an in-memory IDX file; `name` is used in error messages.
IdxArray parse_idx(const uint8_t* bytes, size_t size, const std::string& name);
// Reads a file, gzip-compressed or not, and parses it.
IdxArray read_idx(const std::string& path);
// The whole decompressed content of a (possibly gzip-compressed) file.
std::vector<uint8_t> read_gzip_file(const std::string& path);

}  // namespace tg::data
