// Mini-batches over in-memory tensors: the order of epoch e is a Fisher-Yates shuffle drawn
// from Philox keyed by (seed, e), so any epoch's order can be recomputed on its own (a resumed
// run sees exactly the batches an uninterrupted run would have seen).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace tg::data {

struct Batch {
  Tensor inputs;
  Tensor targets;  // undefined when the loader has no targets
};

class DataLoader {
 public:
  // inputs and targets share their first dim; targets may be undefined.
  DataLoader(Tensor inputs, Tensor targets, int64_t batch_size, bool shuffle = true, bool drop_last = false,
             uint64_t seed = 0);

  int64_t size() const { return n_; }
  int64_t num_batches() const;
  // Fixes the order for `epoch`; batch(i) then returns that epoch's i-th batch.
  void set_epoch(int64_t epoch);
  Batch batch(int64_t i) const;
  const std::vector<int64_t>& order() const { return order_; }

 private:
  Tensor inputs_, targets_;
  int64_t n_, batch_size_;
  bool shuffle_, drop_last_;
  uint64_t seed_;
  std::vector<int64_t> order_;
};

// The permutation of [0, n) used for (seed, epoch): Fisher-Yates where step i swaps i with
// j = floor(u_i * (i + 1)), u_i the i-th uniform of Philox(seed, block offset epoch * 2^32).
std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace tg::data
