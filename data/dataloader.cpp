// Seeded shuffling and batching (see dataloader.h).
#include "data/dataloader.h"

#include <numeric>

#include "autograd/ops/shape.h"
#include "core/creation.h"
#include "core/philox.h"

namespace tg::data {

std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  uint64_t base = uint64_t(epoch) << 32;
  for (int64_t i = n - 1; i > 0; --i) {
    Philox4 p = philox4x32_10(base + uint64_t(i) / 4, seed);
    // j uniform in [0, i]: 64-bit multiply-shift of a 32-bit word (bias < 2^-32 * n, negligible)
    int64_t j = int64_t((uint64_t(p.w[i % 4]) * uint64_t(i + 1)) >> 32);
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  return order;
}

DataLoader::DataLoader(Tensor inputs, Tensor targets, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed)
    : inputs_(std::move(inputs)), targets_(std::move(targets)), batch_size_(batch_size), shuffle_(shuffle),
      drop_last_(drop_last), seed_(seed) {
  TG_CHECK(inputs_.dim() >= 1, "DataLoader: inputs must have a batch dimension, got {}", describe(inputs_));
  TG_CHECK(batch_size_ > 0, "DataLoader: batch size must be positive, got {}", batch_size_);
  n_ = inputs_.shape()[0];
  TG_CHECK(!targets_.defined() || (targets_.dim() >= 1 && targets_.shape()[0] == n_),
           "DataLoader: {} targets for {} inputs", targets_.defined() ? describe(targets_) : "no", n_);
  set_epoch(0);
}

int64_t DataLoader::num_batches() const { return drop_last_ ? n_ / batch_size_ : (n_ + batch_size_ - 1) / batch_size_; }

void DataLoader::set_epoch(int64_t epoch) {
  if (shuffle_) {
    order_ = shuffled_order(n_, seed_, epoch);
  } else {
    order_.resize(static_cast<size_t>(n_));
    std::iota(order_.begin(), order_.end(), 0);
  }
}

Batch DataLoader::batch(int64_t i) const {
  TG_CHECK(i >= 0 && i < num_batches(), "DataLoader: batch {} out of range [0, {})", i, num_batches());
  int64_t start = i * batch_size_, end = std::min(n_, start + batch_size_);
  Tensor idx = from_host(order_.data() + start, {end - start}, {.dtype = DType::i64, .device = inputs_.device()});
  Batch b{index_select(inputs_, 0, idx), Tensor()};
  if (targets_.defined()) b.targets = index_select(targets_, 0, idx);
  return b;
}

}  // namespace tg::data
