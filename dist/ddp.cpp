// The gradient reducer behind DistributedDataParallel. Buckets are filled in reverse parameter
// order (the order backward produces gradients: the last layer's first); a bucket whose every
// gradient has arrived is copied into one flat tensor whose all_reduce(average) starts at once,
// buckets starting strictly in index order so every rank issues the same collectives in the same
// order (MPI's rule). When the last gradient arrives, each bucket is waited on and copied back.
#include "dist/ddp.h"

#include <optional>

#include "autograd/engine.h"
#include "core/backend.h"

namespace tg::dist {

struct DistributedDataParallel::Reducer {
  struct Bucket {
    std::vector<size_t> params;    // indices into Reducer::params
    std::vector<int64_t> offsets;  // each one's first element in flat
    Tensor flat;                   // the bucket's gradients, end to end
    DType dtype;                   // of its parameters (a bucket holds one dtype on one device)
    Device device;
    size_t ready = 0;              // of params, how many have their gradient this backward
    std::optional<Work> work;
  };

  explicit Reducer(ProcessGroup& g) : group(g) {}

  ProcessGroup& group;
  std::vector<std::pair<std::string, Tensor>> params;
  std::vector<std::pair<size_t, size_t>> slot;  // param -> (bucket, index in the bucket)
  std::vector<Bucket> buckets;
  std::vector<bool> arrived;  // this backward
  size_t arrived_count = 0, next_launch = 0;
  int64_t overlapped = 0;

  void on_grad(size_t p, const Tensor& leaf);
  void finish();
};

void DistributedDataParallel::Reducer::on_grad(size_t p, const Tensor& leaf) {
  if (arrived[p]) {
    std::string missing;
    for (size_t i = 0; i < params.size(); ++i)
      if (!arrived[i]) missing += (missing.empty() ? "" : ", ") + params[i].first;
    fail("DistributedDataParallel: {} got a second gradient before {} got any: every parameter must take part in "
         "each backward (the previous backward left their gradients out of the average)", params[p].first,
         missing);
  }
  arrived[p] = true;
  ++arrived_count;
  auto [b, i] = slot[p];
  Bucket& bucket = buckets[b];
  Tensor g = leaf.grad();
  backend(g.device()).copy(static_cast<char*>(bucket.flat.data()) + bucket.offsets[i] * dtype_size(g.dtype()),
                           g.data(), g.nbytes());
  ++bucket.ready;
  if (arrived_count == params.size()) overlapped = int64_t(next_launch);  // started before this last one
  // Start every complete bucket whose predecessors have started; poll the ones in flight, which is
  // when MPI moves their data along.
  while (next_launch < buckets.size() && buckets[next_launch].ready == buckets[next_launch].params.size()) {
    Bucket& next = buckets[next_launch++];
    // unchecked: a fingerprint exchange would wait here for every rank to reach this bucket,
    // stalling the backward; the buckets are the same on every rank (see the constructor)
    next.work.emplace(group.all_reduce_async(next.flat, ReduceOp::Average, /*check=*/false));
  }
  for (size_t k = 0; k < next_launch; ++k) buckets[k].work->test();
  if (arrived_count == params.size()) finish();
}

// The last gradient has arrived: wait for every bucket and copy the averages back into .grad.
void DistributedDataParallel::Reducer::finish() {
  for (Bucket& bucket : buckets) {
    bucket.work->wait();
    bucket.work.reset();
    for (size_t i = 0; i < bucket.params.size(); ++i) {
      Tensor g = params[bucket.params[i]].second.grad();
      backend(g.device()).copy(g.data(), static_cast<char*>(bucket.flat.data()) +
                               bucket.offsets[i] * dtype_size(g.dtype()), g.nbytes());
      g.bump_version();
    }
    bucket.ready = 0;
  }
  arrived.assign(params.size(), false);
  arrived_count = 0;
  next_launch = 0;
}

DistributedDataParallel::DistributedDataParallel(nn::Module& module, ProcessGroup& group, DdpOptions options)
    : module_(module), reducer_(std::make_shared<Reducer>(group)) {
  TG_CHECK(options.bucket_bytes > 0, "DistributedDataParallel: bucket_bytes must be positive, got {}",
           options.bucket_bytes);
  Reducer& r = *reducer_;
  r.params = module.named_parameters();
  TG_CHECK(!r.params.empty(), "DistributedDataParallel: the module has no parameters");
  // Every rank starts from rank 0's weights. The broadcasts' fingerprints also prove that every
  // rank has the same parameters (names aside) in the same order, hence the same buckets below.
  for (auto& [name, p] : r.params) group.broadcast(p, 0);

  r.slot.resize(r.params.size());
  int64_t bytes = 0;
  for (size_t k = r.params.size(); k-- > 0;) {
    const Tensor& p = r.params[k].second;
    bool same_kind = !r.buckets.empty() && r.buckets.back().dtype == p.dtype() && r.buckets.back().device == p.device();
    if (!same_kind || bytes + int64_t(p.nbytes()) > options.bucket_bytes) {
      r.buckets.push_back({.dtype = p.dtype(), .device = p.device()});
      bytes = 0;
    }
    Reducer::Bucket& b = r.buckets.back();
    r.slot[k] = {r.buckets.size() - 1, b.params.size()};
    b.offsets.push_back(bytes / int64_t(dtype_size(p.dtype())));
    b.params.push_back(k);
    bytes += int64_t(p.nbytes());
  }
  for (Reducer::Bucket& b : r.buckets) {
    const Tensor& last = r.params[b.params.back()].second;
    b.flat = Tensor::empty({b.offsets.back() + last.numel()}, last.dtype(), last.device(), "DistributedDataParallel");
  }
  r.arrived.assign(r.params.size(), false);

  std::weak_ptr<Reducer> weak = reducer_;
  for (size_t k = 0; k < r.params.size(); ++k)
    register_post_accumulate_grad_hook(r.params[k].second, [weak, k](const Tensor& leaf) {
      if (std::shared_ptr<Reducer> alive = weak.lock()) alive->on_grad(k, leaf);
    });
}

DistributedDataParallel::~DistributedDataParallel() = default;

std::vector<std::vector<std::string>> DistributedDataParallel::buckets() const {
  std::vector<std::vector<std::string>> names;
  for (const Reducer::Bucket& b : reducer_->buckets) {
    names.emplace_back();
    for (size_t k : b.params) names.back().push_back(reducer_->params[k].first);
  }
  return names;
}

int64_t DistributedDataParallel::buckets_overlapped() const { return reducer_->overlapped; }

}  // namespace tg::dist
