// The MTP module on tiny random GPTs: its cached forward, position by position, equals one causal
// pass; the joint loss is the model's own loss plus lambda times the module's cross-entropy and
// trains both; self-speculative decoding reproduces the model's greedy output token for token and,
// sampling, its joint distribution of token pairs (chi-square).
#include "chi_square.h"
#include "models/mtp/mtp.h"
#include "tiny_models.h"

using namespace tg;
using test::tiny_gpt;

TEST_CASE("MTPModule: feeding positions through its KV cache in pieces equals one causal pass") {
  auto model = tiny_gpt(8, 32, 2, 71);
  Generator gen(72);
  models::MTPModule mtp(model->config(), gen);
  NoGradGuard no_grad;
  Tensor h = randn({1, 7, 32}, gen), e = randn({1, 7, 32}, gen);
  Tensor full = mtp.forward(h, e);
  nn::KVCache cache(64);
  std::vector<Tensor> pieces;
  for (auto [a, b] : {std::pair{0, 3}, {3, 4}, {4, 6}, {6, 7}})
    pieces.push_back(mtp.forward(slice(h, 1, a, b), slice(e, 1, a, b), &cache));
  CHECK(cache.length() == 7);
  CHECK(test::compare(cat(pieces, 1), full, 1e-5, 1e-4) == "");
}

TEST_CASE("mtp_loss: the model's loss plus 0.3 times the module's cross-entropy on the token after next") {
  auto model = tiny_gpt(8, 32, 2, 81);
  Generator gen(82);
  models::MTPModule mtp(model->config(), gen);
  Tensor inputs = randint(0, 8, {3, 10}, gen), targets = randint(0, 8, {3, 10}, gen);
  models::MTPLoss l = models::mtp_loss(*model, mtp, inputs, targets);
  CHECK(l.main.item<double>() == doctest::Approx(model->loss(inputs, targets).item<double>()).epsilon(1e-6));
  {
    NoGradGuard no_grad;  // the module's term by hand: position i reads h_i and Emb(targets[i]), guesses targets[i + 1]
    Tensor h = model->hidden(inputs);
    Tensor f = mtp.forward(slice(h, 1, 0, 9), model->embed_tokens(slice(targets, 1, 0, 9)));
    Tensor ce = cross_entropy(reshape(model->logits(f), {27, 8}), reshape(slice(targets, 1, 1, 10), {27}));
    CHECK(l.mtp.item<double>() == doctest::Approx(ce.item<double>()).epsilon(1e-6));
  }
  CHECK(l.loss.item<double>() == doctest::Approx(l.main.item<double>() + 0.3 * l.mtp.item<double>()).epsilon(1e-6));
  l.loss.backward();
  CHECK(model->blocks[0]->attn->in_proj_weight.grad().defined());
  CHECK(mtp.proj->weight.grad().defined());
}

TEST_CASE("mtp_generate: greedy decoding equals the model's greedy output") {
  // vocabulary 4: a random module's guesses are often right, so both branches (accept, reject) run
  auto model = tiny_gpt(4, 32, 2, 91);
  Generator gen(92);
  models::MTPModule mtp(model->config(), gen);
  const std::vector<int64_t> prompt = {1, 3, 0, 2};
  models::Generation g = models::mtp_generate(*model, mtp, prompt, 50, {.temperature = 0}, gen);
  CHECK(g.tokens == test::greedy_text(*model, prompt, 50));
  CHECK(g.stats.accepted > 0);
  CHECK(g.stats.accepted < g.stats.tested);
  CHECK(g.stats.new_tokens == 50);
}

TEST_CASE("mtp_generate: sampled token pairs follow the model's joint distribution (chi-square)") {
  auto model = tiny_gpt(5, 16, 1, 101);
  Generator gen(102);
  models::MTPModule mtp(model->config(), gen);
  const models::SamplingOptions opts{.temperature = 0.5};
  const std::vector<int64_t> prompt = {0, 4, 1};
  std::vector<int64_t> counts(25, 0);
  int64_t accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    // 3 new tokens: the prefill samples t1, one pass verifies the module's t2
    models::Generation g = models::mtp_generate(*model, mtp, prompt, 3, opts, gen);
    ++counts[size_t(g.tokens[0] * 5 + g.tokens[1])];
    accepted += g.stats.accepted;
  }
  test::ChiSquare fit = test::chi_square_test(counts, test::exact_pairs(*model, prompt, opts));
  INFO("chi2 ", fit.statistic, " df ", fit.df, " counts ", fmt::format("{}", fmt::join(counts, " ")));
  CHECK(fit.p_value > 1e-3);
  CHECK(accepted > 0);
}
