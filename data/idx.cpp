// IDX parsing with full validation, and gzip reading through zlib.
#include "data/idx.h"

#include <zlib.h>

#include "core/error.h"

namespace tg::data {

std::vector<uint8_t> read_gzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  TG_CHECK(f != nullptr, "cannot open {}", path);
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0 || (n == 0 && !gzeof(f))) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      fail("{}: corrupt or truncated gzip data after byte {} of the decompressed stream ({})", path, out.size(), msg);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  // zlib reports a stream cut off mid-member only through gzerror, after the last read.
  int code = 0;
  const char* msg = gzerror(f, &code);
  std::string message = msg ? msg : "";
  gzclose(f);
  TG_CHECK(code == Z_OK || code == Z_STREAM_END, "{}: corrupt or truncated gzip data after byte {} ({})", path,
           out.size(), message);
  return out;
}

IdxArray parse_idx(const uint8_t* bytes, size_t size, const std::string& name) {
  TG_CHECK(size >= 4, "{}: file is {} bytes, too short for the 4-byte IDX magic at offset 0", name, size);
  TG_CHECK(bytes[0] == 0 && bytes[1] == 0, "{}: bad IDX magic {:02x} {:02x} at offset 0 (expected 00 00)", name,
           bytes[0], bytes[1]);
  TG_CHECK(bytes[2] == 0x08, "{}: IDX element type 0x{:02x} at offset 2 is not supported (only 0x08, unsigned byte)",
           name, bytes[2]);
  int ndims = bytes[3];
  TG_CHECK(ndims >= 1, "{}: IDX header at offset 3 declares {} dimensions", name, ndims);
  size_t header = 4 + 4 * size_t(ndims);
  TG_CHECK(size >= header, "{}: file ends at byte {}, inside the {}-dim IDX header ({} bytes)", name, size, ndims,
           header);
  IdxArray out;
  uint64_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    const uint8_t* p = bytes + 4 + 4 * d;
    uint32_t dim = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
    TG_CHECK(dim > 0, "{}: dimension {} at offset {} is zero", name, d, 4 + 4 * d);
    count *= dim;
    TG_CHECK(count <= (uint64_t(1) << 40), "{}: dimensions up to offset {} describe more than 2^40 values", name,
             8 + 4 * d);
    out.dims.push_back(int64_t(dim));
  }
  TG_CHECK(size - header >= count, "{}: truncated: the header promises {} data bytes from offset {}, but the file ends "
           "at byte {}", name, count, header, size);
  TG_CHECK(size - header == count, "{}: {} unexpected trailing bytes after the data, starting at offset {}", name,
           size - header - count, header + count);
  out.values.assign(bytes + header, bytes + header + count);
  return out;
}

IdxArray read_idx(const std::string& path) {
  std::vector<uint8_t> bytes = read_gzip_file(path);
  return parse_idx(bytes.data(), bytes.size(), path);
}

}  // namespace tg::data
