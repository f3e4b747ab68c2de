// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so element i of a random tensor depends only on (seed, counter) and
// the CPU and CUDA backends draw the same stream. Counter block c yields four 32-bit words;
// element i of a draw starting at `offset` uses block offset + i/4, word i%4.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/macros.h"

namespace tg {

struct Philox4 {
  uint32_t w[4];
};

TG_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

// Ten rounds of the Philox S-box on the full 128-bit counter `ctr` with key (k0, k1): the
// generator as specified by Salmon et al., so it can be checked against Random123's
// known-answer vectors (tests/core/test_random.cpp).
TG_HD Philox4 philox4x32_10(Philox4 ctr, uint32_t k0, uint32_t k1) {
  uint32_t c0 = ctr.w[0], c1 = ctr.w[1], c2 = ctr.w[2], c3 = ctr.w[3];
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c0, hi0, lo0);
    philox_mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// The stream tapegrad draws from: counter (block_lo, block_hi, 0, 0) with key (seed_lo, seed_hi).
TG_HD Philox4 philox4x32_10(uint64_t block, uint64_t seed) {
  return philox4x32_10(Philox4{{uint32_t(block), uint32_t(block >> 32), 0u, 0u}}, uint32_t(seed), uint32_t(seed >> 32));
}

// u in [0, 1) with 24 random bits (float) or 32 (double).
TG_HD float philox_uniform_f32(uint32_t u) { return float(u >> 8) * (1.0f / 16777216.0f); }
TG_HD double philox_uniform_f64(uint32_t u) { return double(u) * (1.0 / 4294967296.0); }

// Box-Muller on the word pair (w[2j], w[2j+1]): element 2j gets r cos(theta), 2j+1 gets r sin(theta),
// r = sqrt(-2 ln u1), theta = 2 pi u2, with u1 in (0, 1] so the log is finite.
template <class C>
TG_HD C philox_normal(const Philox4& p, int word) {
  int j = word & ~1;
  C u1 = (C(p.w[j]) + C(1)) * C(1.0 / 4294967296.0);
  C u2 = C(p.w[j + 1]) * C(1.0 / 4294967296.0);
  C r = std::sqrt(C(-2) * std::log(u1));
  C theta = C(6.283185307179586476925) * u2;
  return (word & 1) ? r * std::sin(theta) : r * std::cos(theta);
}

}  // namespace tg
