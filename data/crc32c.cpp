// CRC32C, table and SSE4.2 (see crc32c.h). The reflected CRC processes bytes low bit first:
//   crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8),  with table[i] = i shifted out 8 times through
// the polynomial. Slicing-by-8 folds 8 bytes per step with 8 tables (table k = the CRC of a byte
// followed by k zero bytes), ~1 cycle/byte; the crc32 instruction does 8 bytes in ~1 cycle.
#include "data/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define TG_CRC32C_X86 1
#endif

namespace tg::data {

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // 0x1EDC6F41 bit-reversed

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k)
      for (uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
};
constexpr Tables kTables;

}  // namespace

uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc) {
  const auto& t = kTables.t;
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian load (x86, ARM as built here)
    w ^= crc;
    crc = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
          t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
  }
  for (; n > 0; --n, ++p) crc = t[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#ifdef TG_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t crc32c_hardware(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
  }
  uint32_t c32 = uint32_t(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}
bool crc32c_hardware_available() { return __builtin_cpu_supports("sse4.2"); }
#else
uint32_t crc32c_hardware(const void* data, size_t n, uint32_t crc) { return crc32c_portable(data, n, crc); }
bool crc32c_hardware_available() { return false; }
#endif

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  static const bool hw = crc32c_hardware_available();
  return hw ? crc32c_hardware(data, n, crc) : crc32c_portable(data, n, crc);
}

}  // namespace tg::data
