// DistributedSampler: each rank's share of every global batch. The global batches are exactly the
// single-process DataLoader's (the same shuffled_order for (seed, epoch), the same batch size), and
// rank r of N trains on the contiguous rows [m r / N, m (r + 1) / N) of a batch of m, so a DDP run
// sees the same data at every step as one process would, on any number of ranks.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace tg::dist {

class DistributedSampler {
 public:
  // n examples, `batch_size` per global batch (split across the ranks). Every global batch must
  // give each rank at least one row: batch_size >= world, and the last, partial batch too (else
  // pass drop_last).
  DistributedSampler(int64_t n, int64_t batch_size, int rank, int world, uint64_t seed, bool shuffle = true,
                     bool drop_last = false);

  int64_t num_batches() const;  // global batches per epoch, the same on every rank
  void set_epoch(int64_t epoch);

  // Global batch i: its size m, and this rank's rows of it, [begin, end) (positions in the batch).
  int64_t global_size(int64_t i) const;
  int64_t begin(int64_t i) const;
  int64_t end(int64_t i) const;
  // The example indices of this rank's rows of global batch i.
  std::vector<int64_t> indices(int64_t i) const;
  // Those rows of `data` (first dim: the examples), on data's device.
  Tensor batch(const Tensor& data, int64_t i) const;
  // What this rank's mean loss is multiplied by so that the ranks' average is the global batch's
  // mean: (rows here) * world / m. It is 1 when m divides evenly.
  double loss_scale(int64_t i) const;

 private:
  int64_t n_, batch_size_;
  int rank_, world_;
  uint64_t seed_;
  bool shuffle_, drop_last_;
  std::vector<int64_t> order_;
};

}  // namespace tg::dist
