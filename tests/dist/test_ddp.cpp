// DistributedDataParallel against one process: N ranks, each training on its share of every global
// batch (DistributedSampler) with the gradients averaged by DDP, must end with the parameters one
// process gets from the whole global batches. They differ only by f32 rounding (the ranks' partial
// sums are added in another order), so the tolerance is 1e-5 on parameters of size ~0.5 after a few
// Adam steps of lr 1e-2. Every rank runs the one-process reference itself, in the same process.
#include <unistd.h>

#include <cstdio>

#include "data/dataloader.h"
#include "dist/ddp.h"
#include "dist/sampler.h"
#include "dist_test.h"
#include "nn/checkpoint.h"

using namespace tg;
using tg::test::compare;
using tg::test::group;

namespace {

// 43 examples in batches of 10: the last batch has 3, which 2 ranks split 1 + 2 (loss_scale 2/3 and
// 4/3) and 3 ranks 1 + 1 + 1; 5 batches an epoch, so 7 steps cross into the second epoch.
constexpr int64_t kExamples = 43, kBatch = 10;
constexpr uint64_t kDataSeed = 3;

struct Problem {
  Tensor x, y;
};
Problem problem() {
  Generator gen(7);
  Tensor x = randn({kExamples, 5}, gen);
  return {x, randn({kExamples, 3}, gen)};
}

std::shared_ptr<nn::MLP> make_model(uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::MLP>(std::vector<int64_t>{5, 16, 3}, nn::Activation::Tanh, true, gen);
}

// One process: global batches from the DataLoader, steps [first, last).
void train_alone(nn::MLP& model, nn::Optimizer& opt, const Problem& p, int64_t first, int64_t last) {
  data::DataLoader loader(p.x, p.y, kBatch, true, false, kDataSeed);
  for (int64_t step = first; step < last; ++step) {
    loader.set_epoch(step / loader.num_batches());
    data::Batch b = loader.batch(step % loader.num_batches());
    opt.zero_grad();
    mse_loss(model(b.inputs), b.targets).backward();
    opt.step();
  }
}

// This rank's share of the same global batches, gradients averaged by `ddp`.
void train_ddp(nn::MLP& model, nn::Optimizer& opt, const Problem& p, int64_t first, int64_t last) {
  dist::DistributedSampler sampler(kExamples, kBatch, group().rank(), group().size(), kDataSeed);
  for (int64_t step = first; step < last; ++step) {
    sampler.set_epoch(step / sampler.num_batches());
    int64_t i = step % sampler.num_batches();
    opt.zero_grad();
    Tensor loss = mse_loss(model(sampler.batch(p.x, i)), sampler.batch(p.y, i));
    mul(loss, sampler.loss_scale(i)).backward();
    opt.step();
  }
}

std::string compare_models(const nn::Module& a, const nn::Module& b, double atol) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t k = 0; k < pa.size(); ++k) {
    std::string report = compare(pa[k].second, pb[k].second.to_vector<double>(), atol, 0);
    if (!report.empty()) return pa[k].first + ": " + report;
  }
  return "";
}

}  // namespace

TEST_CASE("DistributedSampler shards each global batch of the DataLoader's order") {
  const int n = group().size(), r = group().rank();
  dist::DistributedSampler sampler(kExamples, kBatch, r, n, kDataSeed);
  data::DataLoader loader(tensor(std::vector<double>(kExamples, 0), {kExamples}), Tensor(), kBatch, true, false,
                          kDataSeed);
  CHECK(sampler.num_batches() == loader.num_batches());
  for (int64_t epoch : {0, 3}) {
    sampler.set_epoch(epoch);
    loader.set_epoch(epoch);
    for (int64_t i = 0; i < sampler.num_batches(); ++i) {
      // the ranks' shares, gathered in rank order, are the loader's batch i
      std::vector<int64_t> mine = sampler.indices(i);
      Tensor count = group().all_gather(tensor({double(mine.size())}, {1}, {.dtype = DType::i64}));
      std::vector<int64_t> counts = count.to_vector<int64_t>();
      int64_t m = sampler.global_size(i);
      CHECK(counts[size_t(r)] == m * (r + 1) / n - m * r / n);
      auto begin = loader.order().begin() + i * kBatch;
      CHECK(mine == std::vector<int64_t>(begin + sampler.begin(i), begin + sampler.end(i)));
      // the loss scales average to 1 over the ranks, weighted as the rows are
      Tensor scale = tensor({sampler.loss_scale(i)}, {1}, {.dtype = DType::f64});
      group().all_reduce(scale, dist::ReduceOp::Average);
      CHECK(scale.item<double>() == doctest::Approx(1).epsilon(1e-12));
    }
  }
  CHECK(test::error_report([&] { dist::DistributedSampler(5, 1, 0, 2, 0); }, {"cannot give each of 2 ranks"}) == "");
  CHECK(test::error_report([&] { dist::DistributedSampler(11, 5, 0, 2, 0); }, {"the last batch has 1"}) == "");
}

TEST_CASE("DDP broadcasts rank 0's parameters and buckets gradients in reverse order") {
  auto model = make_model(100 + uint64_t(group().rank()));  // different weights on every rank
  dist::DistributedDataParallel ddp(*model, group());
  CHECK(compare_models(*model, *make_model(100), 0) == "");
  std::vector<std::vector<std::string>> one = {
      {"layers.1.bias", "layers.1.weight", "layers.0.bias", "layers.0.weight"}};
  CHECK(ddp.buckets() == one);
  // 64-byte buckets: each parameter (12, 192, 64 and 320 bytes) needs its own
  auto small = make_model(100);
  dist::DistributedDataParallel split(*small, group(), {.bucket_bytes = 64});
  CHECK(split.buckets().size() == 4);
  CHECK(split.buckets()[0] == std::vector<std::string>{"layers.1.bias"});
}

TEST_CASE("DDP over N ranks gives the parameters of one process on the same global batches") {
  Problem p = problem();
  for (int64_t bucket_bytes : {int64_t(1) << 20, int64_t(64)}) {
    CAPTURE(bucket_bytes);
    auto model = make_model(11 + uint64_t(group().rank()));
    dist::DistributedDataParallel ddp(*model, group(), {.bucket_bytes = bucket_bytes});
    nn::Adam opt(model->parameters(), {.lr = 1e-2});
    train_ddp(*model, opt, p, 0, 7);

    auto alone = make_model(11);
    nn::Adam opt_alone(alone->parameters(), {.lr = 1e-2});
    train_alone(*alone, opt_alone, p, 0, 7);
    CHECK(compare_models(*model, *alone, 1e-5) == "");
    // the parameters moved: the comparison is not between two initial models
    CHECK(compare_models(*model, *make_model(11), 1e-3) != "");
    // with four buckets, the second layer's two start while the backward still runs (the first
    // layer's gradients come last, its bias and weight in either order): a bucket starts as soon
    // as it is complete, not after the backward
    if (bucket_bytes == 64) CHECK(ddp.buckets_overlapped() >= 2);
    if (bucket_bytes != 64) CHECK(ddp.buckets_overlapped() == 0);
  }
}

TEST_CASE("a checkpoint written by rank 0 of an N-rank run resumes in one process") {
  Problem p = problem();
  // rank 0 names the file; every rank reads it after the barrier
  Tensor pid = tensor({double(getpid())}, {1}, {.dtype = DType::i64});
  group().broadcast(pid, 0);
  std::string path = fmt::format("/tmp/tg_dist_test_{}.safetensors", pid.item<int64_t>());

  auto model = make_model(21);
  dist::DistributedDataParallel ddp(*model, group());
  nn::Adam opt(model->parameters(), {.lr = 1e-2});
  train_ddp(*model, opt, p, 0, 3);
  if (group().rank() == 0) nn::save_checkpoint(path, *model, opt, {{"step", "3"}});
  group().barrier();

  auto resumed = make_model(99);
  nn::Adam opt_resumed(resumed->parameters(), {.lr = 1e-2});
  CHECK(nn::load_checkpoint(path, *resumed, opt_resumed).at("step") == "3");
  train_alone(*resumed, opt_resumed, p, 3, 7);

  auto alone = make_model(21);
  nn::Adam opt_alone(alone->parameters(), {.lr = 1e-2});
  train_alone(*alone, opt_alone, p, 0, 7);
  CHECK(compare_models(*resumed, *alone, 1e-5) == "");
  group().barrier();
  if (group().rank() == 0) std::remove(path.c_str());
}

TEST_CASE("DDP names the parameters that got no gradient") {
  auto model = make_model(5);
  dist::DistributedDataParallel ddp(*model, group());
  Tensor x = ones({2, 5});
  // only the first layer: the second layer's parameters get no gradient
  sum(model->layers[0]->forward(x)).backward();
  CHECK(test::error_report([&] { sum(model->layers[0]->forward(x)).backward(); },
                           {"DistributedDataParallel: layers.0.", "second gradient before",
                            "layers.1.weight, layers.1.bias"}) == "");
}
