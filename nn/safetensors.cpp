// safetensors reading and writing with full validation of the header: JSON syntax, dtypes,
// shapes, offsets inside the data buffer, sizes matching shapes, no overlaps and no gaps.
#include "nn/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/creation.h"

namespace tg {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the limit the reference implementation uses

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::f16: return "F16";
    case DType::bf16: return "BF16";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
  }
  return "?";
}

bool parse_dtype(const std::string& s, DType& out) {
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64})
    if (s == safetensors_dtype(t)) {
      out = t;
      return true;
    }
  return false;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  TG_CHECK(fd >= 0, "cannot write {}: {}", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      std::remove(tmp.c_str());
      fail("writing {} failed after {} of {} bytes: {}", tmp, done, bytes.size(), std::strerror(err));
    }
    done += size_t(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    fail("cannot move {} into place as {}: {}", tmp, path, std::strerror(err));
  }
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string data;
  for (const auto& [name, t] : tensors) {
    TG_CHECK(name != "__metadata__" && !header.contains(name), "save_safetensors: duplicate or reserved name '{}'", name);
    Tensor cpu = t.detach().to(Device::cpu);
    size_t begin = data.size();
    data.resize(begin + cpu.nbytes());
    if (cpu.nbytes()) std::memcpy(data.data() + begin, cpu.data(), cpu.nbytes());  // little-endian host
    header[name] = {{"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {begin, data.size()}}};
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned
  std::string file(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) file[size_t(i)] = char((n >> (8 * i)) & 0xff);
  file += json;
  file += data;
  write_file_atomically(path, file);
}

SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& name) {
  TG_CHECK(size >= 8, "{}: {} bytes is too short for the 8-byte safetensors header length", name, size);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(bytes[i]) << (8 * i);
  TG_CHECK(n <= kMaxHeaderBytes, "{}: header length {} at offset 0 exceeds the {} byte limit", name, n, kMaxHeaderBytes);
  TG_CHECK(n <= size - 8, "{}: header length {} at offset 0 runs past the end of the file ({} bytes)", name, n, size);
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(bytes + 8, bytes + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: the JSON header (offset 8, {} bytes) does not parse: {}", name, n, e.what());
  }
  TG_CHECK(header.is_object(), "{}: the JSON header at offset 8 is not an object", name);
  const uint8_t* data = bytes + 8 + n;
  uint64_t data_size = size - 8 - n;

  SafetensorsFile out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::ordered_json& entry = it.value();
    if (key == "__metadata__") {
      TG_CHECK(entry.is_object(), "{}: __metadata__ must be an object of strings", name);
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        TG_CHECK(m.value().is_string(), "{}: __metadata__ value for '{}' is not a string", name, m.key());
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    TG_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") && entry.contains("data_offsets"),
             "{}: tensor '{}' needs dtype, shape and data_offsets", name, key);
    DType dtype = DType::f32;
    TG_CHECK(entry["dtype"].is_string() && parse_dtype(entry["dtype"].get<std::string>(), dtype),
             "{}: tensor '{}' has unsupported dtype {} (supported: F32 F64 F16 BF16 I32 I64)", name, key,
             entry["dtype"].dump());
    const nlohmann::ordered_json& shape_json = entry["shape"];
    TG_CHECK(shape_json.is_array() && shape_json.size() <= 8, "{}: tensor '{}' shape {} is not a list of at most 8 sizes",
             name, key, shape_json.dump());
    Shape shape;
    uint64_t count = 1;
    for (const auto& d : shape_json) {
      TG_CHECK(d.is_number_unsigned(), "{}: tensor '{}' shape {} has a non-integer or negative size", name, key,
               shape_json.dump());
      uint64_t v = d.get<uint64_t>();
      TG_CHECK(!__builtin_mul_overflow(count, v, &count) && v < (uint64_t(1) << 62),
               "{}: tensor '{}' shape {} overflows 64-bit sizes", name, key, shape_json.dump());
      shape.push_back(int64_t(v));
    }
    const nlohmann::ordered_json& off = entry["data_offsets"];
    TG_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
             "{}: tensor '{}' data_offsets {} is not [begin, end]", name, key, off.dump());
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    TG_CHECK(begin <= end && end <= data_size, "{}: tensor '{}' data_offsets [{}, {}] fall outside the {}-byte data "
             "buffer (file offset {})", name, key, begin, end, data_size, 8 + n);
    // count <= data_size first, so count * dtype_size cannot overflow
    TG_CHECK(count <= data_size && end - begin == count * dtype_size(dtype), "{}: tensor '{}' has {} bytes at [{}, {}] "
             "but shape {} of {} needs {}", name, key, end - begin, begin, end, shape_str(shape), dtype_name(dtype),
             count * dtype_size(dtype));
    ranges.emplace_back(begin, end);
    Tensor t = Tensor::empty(shape, dtype, Device::cpu);
    if (end > begin) std::memcpy(t.data(), data + begin, end - begin);
    out.tensors.emplace_back(key, t);
  }
  // The tensors must tile the data buffer exactly: no overlap, no unreferenced bytes.
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (const auto& [begin, end] : ranges) {
    TG_CHECK(begin == at, "{}: data bytes [{}, {}) are {} (file offset {})", name, std::min(at, begin),
             std::max(at, begin), begin > at ? "not used by any tensor" : "claimed by two tensors",
             8 + n + std::min(at, begin));
    at = end;
  }
  TG_CHECK(at == data_size, "{}: {} trailing data bytes after offset {} belong to no tensor", name, data_size - at,
           8 + n + at);
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TG_CHECK(in.good(), "cannot open checkpoint {}", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

}  // namespace tg
