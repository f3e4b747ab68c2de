// The transformer prior over VQ codes: causality (a code changes only the logits after it, bit for
// bit), KV-cached sampling reproduced by teacher forcing, learning a sequence, and checkpoints
// that refuse another codebook.
#include <filesystem>

#include "models/vqvae/prior.h"
#include "test_util.h"

using namespace tg;

namespace {

models::PriorConfig tiny() { return {.num_codes = 16, .grid = 3, .embed_dim = 32, .num_heads = 2, .layers = 2}; }

// logits (B, T, K) at position t as a host vector
std::vector<float> at_position(const Tensor& logits, int64_t t) {
  return squeeze(slice(logits, 1, t, t + 1), 1).to_vector();
}

}  // namespace

TEST_CASE("vq prior: changing code t leaves the logits at positions <= t unchanged exactly") {
  Generator gen(0);
  models::CodePrior prior(tiny(), gen);
  NoGradGuard no_grad;
  Tensor codes = randint(0, 16, {2, 9}, gen);
  Tensor base = prior.logits(codes);
  CHECK(base.shape() == Shape{2, 9, 16});
  std::vector<int64_t> values = codes.to_vector<int64_t>();
  for (int64_t t = 0; t < 9; ++t) {
    std::vector<int64_t> changed = values;
    changed[size_t(t)] = (changed[size_t(t)] + 5) % 16;  // row 0 only
    changed[size_t(9 + t)] = (changed[size_t(9 + t)] + 7) % 16;  // and row 1
    Tensor other = prior.logits(from_host(changed.data(), {2, 9}, {.dtype = DType::i64}));
    // code t is the input at position t + 1: positions 0..t predict c_0..c_t without seeing it
    for (int64_t p = 0; p <= t; ++p) CHECK_MESSAGE(at_position(other, p) == at_position(base, p), "t ", t, " p ", p);
    if (t + 1 < 9) CHECK(at_position(other, t + 1) != at_position(base, t + 1));
  }
}

TEST_CASE("vq prior: sampled sequences are reproduced by teacher forcing") {
  Generator gen(1);
  models::CodePrior prior(tiny(), gen);
  NoGradGuard no_grad;
  // Greedy decoding through the KV caches: each code is the argmax of the full pass's logits.
  Tensor greedy = prior.sample(4, 1.0, 1, gen);
  CHECK(greedy.shape() == Shape{4, 9});
  CHECK(argmax(prior.logits(greedy), 2).to_vector<int64_t>() == greedy.to_vector<int64_t>());
  // Top-2 sampling: every drawn code is one of the two most likely under teacher forcing.
  Tensor drawn = prior.sample(8, 1.0, 2, gen);
  std::vector<float> l = prior.logits(drawn).to_vector();
  std::vector<int64_t> c = drawn.to_vector<int64_t>();
  int outside = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    int larger = 0;
    for (int k = 0; k < 16; ++k) larger += l[i * 16 + size_t(k)] > l[i * 16 + size_t(c[i])];
    outside += larger >= 2;
  }
  CHECK(outside == 0);
  // the same seed draws the same sequences
  Generator a(7), b(7);
  CHECK(test::bitwise_equal(prior.sample(3, 0.8, 0, a), prior.sample(3, 0.8, 0, b)));
}

TEST_CASE("vq prior: training on one sequence makes greedy decoding reproduce it") {
  Generator gen(2);
  models::CodePrior prior(tiny(), gen);
  std::vector<int64_t> sequence = {3, 3, 7, 1, 0, 15, 15, 2, 9};
  std::vector<int64_t> batch;
  for (int i = 0; i < 4; ++i) batch.insert(batch.end(), sequence.begin(), sequence.end());
  Tensor codes = from_host(batch.data(), {4, 9}, {.dtype = DType::i64});
  nn::Adam opt(prior.parameters(), {.lr = 1e-2});
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    Tensor loss = prior.loss(codes);
    opt.zero_grad();
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  // log 16 = 2.77 nats per code at the start; a memorised sequence costs almost nothing
  CHECK(first > 2.0);
  CHECK(last < 0.1);
  NoGradGuard no_grad;
  CHECK(prior.sample(1, 1.0, 1, gen).to_vector<int64_t>() == sequence);
}

TEST_CASE("vq prior: a checkpoint from another codebook is refused, naming both sizes" * TG_CPU_ONLY) {
  std::string path = (std::filesystem::temp_directory_path() / "tapegrad_vq_prior.safetensors").string();
  Generator gen(3);
  models::CodePrior prior(tiny(), gen);
  nn::Adam opt(prior.parameters(), {.lr = 1e-3});
  models::save_prior(path, prior, opt, {{"note", "test"}});

  models::CodePrior same(tiny(), gen);
  nn::Adam same_opt(same.parameters(), {.lr = 1e-3});
  CHECK(models::load_prior(path, same, same_opt).at("note") == "test");
  CHECK(test::bitwise_equal(same.head->weight, prior.head->weight));

  models::PriorConfig wider = tiny();
  wider.num_codes = 32;
  models::CodePrior other(wider, gen);
  nn::Adam other_opt(other.parameters(), {.lr = 1e-3});
  CHECK_ERROR(models::load_prior(path, other, other_opt), "load_prior", path, "prior_num_codes 16",
              "prior_num_codes 32", "another codebook");
  std::filesystem::remove(path);
}

TEST_CASE("vq prior: bad arguments") {
  Generator gen(4);
  CHECK_ERROR(models::CodePrior({.num_codes = 1}, gen), "CodePrior", "num_codes 1");
  models::CodePrior prior(tiny(), gen);
  CHECK_ERROR(prior.sample(2, 0.0, 0, gen), "temperature", "0");
  CHECK_ERROR(prior.sample(2, 1.0, 17, gen), "top_k", "[0, 16]", "17");
  CHECK_ERROR(prior.logits(zeros({2, 8}, {.dtype = DType::i64})), "CodePrior", "(2, 8)", "(B, 9)");
  CHECK_ERROR(prior.forward(zeros({1, 2}, {.dtype = DType::i64}), 8), "CodePrior", "[8, 10)");
}
