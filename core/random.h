// Generator: a Philox4x32-10 key (the seed) and a counter offset. Each random op reserves the
// counter blocks it uses, so consecutive draws never overlap and a run is reproducible from
// its seed on any backend.
#pragma once
#include <cstdint>

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  // Reserves the blocks for n values (4 per block) and returns the first block.
  uint64_t reserve(int64_t n) {
    uint64_t first = offset_;
    offset_ += uint64_t((n + 3) / 4);
    return first;
  }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide generator used when an op is not given one.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace tg
