// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of TFRecord files.
// Two implementations computing the same function: a portable slicing-by-8 table walk, and the
// SSE4.2 `crc32` instruction (chosen at run time when the CPU has it). TFRecord stores each CRC
// "masked": rotate right by 15 bits, plus 0xa282ead8, so a CRC of data containing CRCs stays strong.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tg::data {

// crc32c of n bytes, continuing from a previous crc (0 to start): crc32c(ab) = crc32c(b, crc32c(a)).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc = 0);
// The SSE4.2 path; only call it when crc32c_hardware_available().
uint32_t crc32c_hardware(const void* data, size_t n, uint32_t crc = 0);
bool crc32c_hardware_available();

inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask_crc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tg::data
