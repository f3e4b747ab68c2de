// DistributedSampler (see sampler.h): the data loader's order, cut into global batches, each cut
// into one contiguous share per rank.
#include "dist/sampler.h"

#include <numeric>

#include "autograd/ops/shape.h"
#include "core/creation.h"
#include "data/dataloader.h"

namespace tg::dist {

DistributedSampler::DistributedSampler(int64_t n, int64_t batch_size, int rank, int world, uint64_t seed,
                                       bool shuffle, bool drop_last)
    : n_(n), batch_size_(batch_size), rank_(rank), world_(world), seed_(seed), shuffle_(shuffle),
      drop_last_(drop_last) {
  TG_CHECK(world >= 1 && rank >= 0 && rank < world, "DistributedSampler: rank {} of {} ranks", rank, world);
  TG_CHECK(n >= 0 && batch_size >= world, "DistributedSampler: a global batch of {} cannot give each of {} ranks a "
           "row; use a batch of at least {}", batch_size, world, world);
  int64_t last = n % batch_size;
  TG_CHECK(drop_last || last == 0 || last >= world, "DistributedSampler: the last batch has {} of the {} examples, "
           "fewer than the {} ranks; pass drop_last or choose another batch size", last, n, world);
  set_epoch(0);
}

int64_t DistributedSampler::num_batches() const {
  return drop_last_ ? n_ / batch_size_ : (n_ + batch_size_ - 1) / batch_size_;
}

void DistributedSampler::set_epoch(int64_t epoch) {
  if (shuffle_) {
    order_ = data::shuffled_order(n_, seed_, epoch);
  } else {
    order_.resize(size_t(n_));
    std::iota(order_.begin(), order_.end(), 0);
  }
}

int64_t DistributedSampler::global_size(int64_t i) const {
  TG_CHECK(i >= 0 && i < num_batches(), "DistributedSampler: batch {} out of range [0, {})", i, num_batches());
  return std::min(batch_size_, n_ - i * batch_size_);
}

int64_t DistributedSampler::begin(int64_t i) const { return global_size(i) * rank_ / world_; }
int64_t DistributedSampler::end(int64_t i) const { return global_size(i) * (rank_ + 1) / world_; }

std::vector<int64_t> DistributedSampler::indices(int64_t i) const {
  auto first = order_.begin() + i * batch_size_;
  return std::vector<int64_t>(first + begin(i), first + end(i));
}

Tensor DistributedSampler::batch(const Tensor& data, int64_t i) const {
  std::vector<int64_t> rows = indices(i);
  Tensor idx = from_host(rows.data(), {int64_t(rows.size())}, {.dtype = DType::i64, .device = data.device()});
  return index_select(data, 0, idx);
}

double DistributedSampler::loss_scale(int64_t i) const {
  return double(end(i) - begin(i)) * world_ / double(global_size(i));
}

}  // namespace tg::dist
