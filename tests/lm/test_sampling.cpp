// models/gpt/sampling: the tempered and filtered distribution on hand-computed cases, the option
// errors, draws that follow the distribution (chi-square with a fixed seed), and generate() against
// greedy decoding by full recomputation.
#include <cmath>

#include "autograd/ops.h"
#include "models/gpt/sampling.h"
#include "test_util.h"

using namespace tg;
using namespace tg::models;

namespace {
Tensor row(const std::vector<double>& v) { return tensor(v, {int64_t(v.size())}); }
}  // namespace

TEST_CASE("probabilities: temperature, top-k, top-p and greedy on a hand-computed case") {
  // logits log(0.1, 0.2, 0.3, 0.4): softmax gives back those probabilities
  Tensor z = row({std::log(0.1), std::log(0.2), std::log(0.3), std::log(0.4)});
  CHECK_CLOSE(probabilities(z, {}), {0.1, 0.2, 0.3, 0.4}, 1e-7, 1e-6);
  // temperature 0.5 squares them: (1, 4, 9, 16) / 30
  CHECK_CLOSE(probabilities(z, {.temperature = 0.5}), {1 / 30., 4 / 30., 9 / 30., 16 / 30.}, 1e-7, 1e-6);
  // top-k 2 keeps 0.3 and 0.4
  CHECK_CLOSE(probabilities(z, {.top_k = 2}), {0, 0, 3 / 7., 4 / 7.}, 1e-7, 1e-6);
  // top-p 0.5: 0.4 < 0.5, 0.4 + 0.3 >= 0.5 keeps two; top-p 0.35 keeps one
  CHECK_CLOSE(probabilities(z, {.top_p = 0.5}), {0, 0, 3 / 7., 4 / 7.}, 1e-7, 1e-6);
  CHECK_CLOSE(probabilities(z, {.top_p = 0.35}), {0, 0, 0, 1}, 1e-7, 1e-6);
  // top-k and top-p together: top-k 2 leaves (3, 4) / 7; top-p 0.55 then keeps 4/7 = 0.57 alone
  // (0.4 of the unfiltered mass would not reach 0.55: the nucleus is taken after top-k, as in HF)
  CHECK_CLOSE(probabilities(z, {.top_k = 2, .top_p = 0.55}), {0, 0, 0, 1}, 1e-7, 1e-6);
  CHECK_CLOSE(probabilities(z, {.temperature = 0}), {0, 0, 0, 1}, 0, 0);
  Generator gen(0);
  CHECK(sample_token(row({1, 5, 5, 2}), {.temperature = 0}, gen) == 1);  // ties: the lowest index
  CHECK(gen.offset() == 0);                                              // greedy draws nothing
}

TEST_CASE("sampling options out of range are errors naming the value") {
  Tensor z = row({0, 1});
  CHECK_ERROR(probabilities(z, {.top_p = 0}), "top_p", "(0, 1]", "got 0");
  CHECK_ERROR(probabilities(z, {.top_p = 1.5}), "top_p", "got 1.5");
  CHECK_ERROR(probabilities(z, {.temperature = -1}), "temperature", "got -1");
  CHECK_ERROR(probabilities(z, {.top_k = -2}), "top_k", "got -2");
  CHECK_ERROR(probabilities(zeros({2, 2}), {}), "probabilities", "(2, 2)");
}

TEST_CASE("sample_token follows the filtered distribution (chi-square, 20000 seeded draws)") {
  Tensor z = row({0.0, 1.0, 2.0, -1.0, 0.5});
  const SamplingOptions o{.temperature = 0.8, .top_k = 4};
  std::vector<double> p = probabilities(z, o).to_vector<double>();
  CHECK(p[3] == 0);  // the smallest logit is filtered out
  Generator gen(7);
  const int n = 20000;
  std::vector<double> count(5, 0);
  for (int i = 0; i < n; ++i) count[size_t(sample_token(z, o, gen))] += 1;
  CHECK(count[3] == 0);
  double chi2 = 0;
  for (size_t i = 0; i < 5; ++i)
    if (p[i] > 0) chi2 += std::pow(count[i] - n * p[i], 2) / (n * p[i]);
  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001
  CHECK(chi2 < 16.27);
}

TEST_CASE("generate: greedy through the cache equals argmax of full recomputation; errors") {
  Generator gen(5);
  GPTConfig c{.vocab = 32, .context = 12, .embed = 16, .layers = 2, .heads = 2};
  GPT m(c, gen);
  std::vector<int64_t> prompt{1, 2, 3};
  std::vector<int64_t> out = generate(m, prompt, 6, {.temperature = 0}, gen);
  REQUIRE(out.size() == 6);
  NoGradGuard no_grad;
  std::vector<int64_t> seq = prompt;
  for (int i = 0; i < 6; ++i) {
    Tensor l = m(tensor(std::vector<double>(seq.begin(), seq.end()), {1, int64_t(seq.size())},
                        {.dtype = DType::i64}));
    Tensor last = reshape(slice(l, 1, l.size(1) - 1, l.size(1)), {c.vocab});
    seq.push_back(argmax(last).item<int64_t>());
    CHECK(out[size_t(i)] == seq.back());
  }
  // sampled generation is reproducible from the seed
  Generator g1(9), g2(9);
  CHECK(generate(m, prompt, 5, {}, g1) == generate(m, prompt, 5, {}, g2));
  CHECK_ERROR(generate(m, std::vector<int64_t>(10, 1), 3, {}, gen), "generate", "10 tokens", "3 new",
              "context of 12");
  CHECK_ERROR(generate(m, {}, 3, {}, gen), "generate", "empty");
  CHECK_ERROR(generate(m, {40}, 1, {}, gen), "token 40", "[0, 32)");
  CHECK_ERROR(generate(m, {1}, 1, {.top_p = 2}, gen), "top_p", "got 2");
}

TEST_CASE("greedy_continuations: each row is that prompt's greedy generate(); errors") {
  Generator gen(7);
  GPTConfig c{.vocab = 32, .context = 12, .embed = 16, .layers = 2, .heads = 2};
  GPT m(c, gen);
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3}, {30, 0, 7}, {5, 5, 5}};
  std::vector<double> flat;
  for (const auto& p : prompts) flat.insert(flat.end(), p.begin(), p.end());
  Tensor out = greedy_continuations(m, tensor(flat, {3, 3}, {.dtype = DType::i64}), 7);
  REQUIRE(out.shape() == Shape{3, 10});
  REQUIRE(out.dtype() == DType::i64);
  const std::vector<int64_t> got = out.to_vector<int64_t>();
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<int64_t> want = prompts[size_t(b)];
    const std::vector<int64_t> tail = generate(m, want, 7, {.temperature = 0}, gen);
    want.insert(want.end(), tail.begin(), tail.end());
    CHECK(std::vector<int64_t>(got.begin() + 10 * b, got.begin() + 10 * b + 10) == want);
  }
  CHECK(greedy_continuations(m, tensor(flat, {3, 3}, {.dtype = DType::i64}), 10).size(1) == 13);  // 12 fed
  CHECK_ERROR(greedy_continuations(m, tensor(flat, {3, 3}, {.dtype = DType::i64}), 11), "greedy_continuations",
              "3 tokens", "11 new", "context of 12");
  CHECK_ERROR(greedy_continuations(m, tensor(flat, {9}, {.dtype = DType::i64}), 1), "greedy_continuations", "(B, P)");
}
