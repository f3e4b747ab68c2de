// cuRAND's Philox4x32-10 against core/philox.h, on the host: cuRAND's host generator
// (curandCreateGeneratorHost, no GPU needed) runs the same function and key layout as the device
// API in curand_kernel.h. Its words equal ours counter for counter, but its output is ordered
// differently (65,536 subsequences interleaved), which is why the CUDA fills draw through the
// device API at our counters and never through curandGenerate (docs/decisions.md, "cuRAND").
// Built where the CUDA toolkit is (TG_TEST_CURAND); elsewhere the cases report as skipped.
#include <cstdint>
#include <vector>

#include "core/philox.h"
#include "test_util.h"

#if TG_TEST_CURAND
#include <curand.h>
#endif

using namespace tg;

namespace {
#if TG_TEST_CURAND
constexpr bool kHaveCurand = true;

// `n` words of cuRAND's host Philox generator for `seed`, from element `offset` of its output.
std::vector<uint32_t> curand_words(uint64_t seed, uint64_t offset, size_t n) {
  curandGenerator_t g = nullptr;
  REQUIRE(curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10) == CURAND_STATUS_SUCCESS);
  REQUIRE(curandSetPseudoRandomGeneratorSeed(g, seed) == CURAND_STATUS_SUCCESS);
  REQUIRE(curandSetGeneratorOffset(g, offset) == CURAND_STATUS_SUCCESS);
  std::vector<uint32_t> out(n);
  REQUIRE(curandGenerate(g, out.data(), n) == CURAND_STATUS_SUCCESS);
  curandDestroyGenerator(g);
  return out;
}
#else
constexpr bool kHaveCurand = false;
std::vector<uint32_t> curand_words(uint64_t, uint64_t, size_t) { return {}; }
#endif

// Philox at the full 128-bit counter (c0, c1, c2, 0) with key (seed_lo, seed_hi).
Philox4 ours(uint32_t c0, uint32_t c1, uint32_t c2, uint64_t seed) {
  return philox4x32_10(Philox4{{c0, c1, c2, 0u}}, uint32_t(seed), uint32_t(seed >> 32));
}
}  // namespace

TEST_CASE("curand: the host generator's Philox words equal core/philox.h's, counter for counter" * TG_CPU_ONLY *
          doctest::skip(!kHaveCurand)) {
  // cuRAND's output block k (words 4k..4k+3) is counter (k / 2^16, 0, k mod 2^16, 0) under key
  // (seed_lo, seed_hi): checked for every block of the first 3 x 2^16 + 5.
  constexpr uint32_t kSub = 65536, kBlocks = 3 * kSub + 5;
  for (uint64_t seed : {uint64_t(0), uint64_t(0x123456789abcdefULL), ~uint64_t(0)}) {
    CAPTURE(seed);
    std::vector<uint32_t> words = curand_words(seed, 0, size_t(kBlocks) * 4);
    int64_t mismatches = 0, first_bad = -1;
    for (uint32_t k = 0; k < kBlocks; ++k) {
      Philox4 p = ours(k / kSub, 0, k % kSub, seed);
      for (int w = 0; w < 4; ++w)
        if (words[size_t(k) * 4 + w] != p.w[w] && mismatches++ == 0) first_bad = k;
    }
    CAPTURE(first_bad);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("curand: its output order is not tapegrad's stream, so curandGenerate cannot replace our fills" *
          TG_CPU_ONLY * doctest::skip(!kHaveCurand)) {
  const uint64_t seed = 42;
  // Our block b is counter (b, 0, 0, 0): block 1 is cuRAND's output block 2^16, not its block 1.
  std::vector<uint32_t> words = curand_words(seed, 0, 4 * 65537);
  Philox4 block1 = philox4x32_10(uint64_t(1), seed);
  CHECK(std::vector<uint32_t>(words.begin() + 4, words.begin() + 8) != std::vector<uint32_t>(block1.w, block1.w + 4));
  CHECK(std::vector<uint32_t>(words.begin() + 4 * 65536, words.end()) == std::vector<uint32_t>(block1.w, block1.w + 4));
  // Block 0 is the one place the two orders meet.
  Philox4 block0 = philox4x32_10(uint64_t(0), seed);
  CHECK(std::vector<uint32_t>(words.begin(), words.begin() + 4) == std::vector<uint32_t>(block0.w, block0.w + 4));
  // An offset of 4 m elements starts at cuRAND's output block m, i.e. counter (0, 0, m, 0) for m < 2^16.
  std::vector<uint32_t> shifted = curand_words(seed, 4 * 7, 4);
  Philox4 sub7 = ours(0, 0, 7, seed);
  CHECK(shifted == std::vector<uint32_t>(sub7.w, sub7.w + 4));
}
