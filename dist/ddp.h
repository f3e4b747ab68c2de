// DistributedDataParallel: the same model on every rank, each rank a share of the global batch.
// At construction rank 0's parameters are broadcast to all ranks; then every backward averages the
// gradients over the ranks, bucket by bucket (one all_reduce per bucket of about bucket_bytes, not
// one per tensor), starting a bucket's all_reduce as soon as its last gradient is final (a
// post-accumulate-grad hook) while the backward goes on. When backward returns, every parameter's
// .grad is the average of the ranks' gradients, and the optimizer steps as in one process.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dist/process_group.h"
#include "nn/module.h"

namespace tg::dist {

struct DdpOptions {
  // Upper bound on a bucket's size; a parameter larger than it gets a bucket of its own. Smaller
  // buckets start sooner (more overlap) but pay the collective's latency more often.
  int64_t bucket_bytes = 1 << 20;
};

class DistributedDataParallel {
 public:
  // Every parameter of `module` must get a gradient in each backward (as with PyTorch's DDP
  // without find_unused_parameters); one that gets none is reported at the next backward. The
  // module and the group must outlive this object; its hooks do nothing once it is gone.
  DistributedDataParallel(nn::Module& module, ProcessGroup& group, DdpOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  nn::Module& module() const { return module_; }
  // The parameter names of each bucket, in the order their all_reduces are started.
  std::vector<std::vector<std::string>> buckets() const;
  // Of the last backward's buckets, how many started their all_reduce before its last gradient
  // arrived (those overlapped with the rest of the backward).
  int64_t buckets_overlapped() const;

  struct Reducer;

 private:
  nn::Module& module_;
  std::shared_ptr<Reducer> reducer_;  // the hooks hold a weak_ptr to it
};

}  // namespace tg::dist
