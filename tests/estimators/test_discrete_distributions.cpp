// Bernoulli and Categorical: log_prob and entropy against closed forms, gradchecks in the logits,
// sample frequencies against the probabilities with a fixed seed, and errors on bad input.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {
constexpr TensorOptions kF64{.dtype = DType::f64};
}

TEST_CASE("bernoulli: log_prob and entropy match x log p + (1 - x) log(1 - p) and its expectation") {
  Bernoulli d = Bernoulli::from_probs(tensor({0.2, 0.7, 0.5}, {}, kF64));
  CHECK_CLOSE(d.probs(), {0.2, 0.7, 0.5}, 1e-12, 1e-12);
  CHECK_CLOSE(d.log_prob(tensor({1, 0, 1}, {}, kF64)), {std::log(0.2), std::log(0.3), std::log(0.5)}, 1e-12, 1e-12);
  auto h = [](double p) { return -p * std::log(p) - (1 - p) * std::log(1 - p); };
  CHECK_CLOSE(d.entropy(), {h(0.2), h(0.7), h(0.5)}, 1e-12, 1e-12);
  // p = 0 and 1 are clamped to [eps, 1 - eps]: the log probabilities of the sure outcomes are ~ -eps.
  Bernoulli sure = Bernoulli::from_probs(tensor({0.0, 1.0}, {}, kF64));
  CHECK_CLOSE(sure.log_prob(tensor({0, 1}, {}, kF64)), {0.0, 0.0}, 1e-12, 0);
}

TEST_CASE("bernoulli: log_prob and entropy are differentiable in the logits (gradcheck)") {
  std::vector<Tensor> in{leaf({5}, 1)};
  Tensor x = tensor({1, 0, 0, 1, 1}, {}, kF64);
  CHECK_GRADCHECK([x](const std::vector<Tensor>& l) { return Bernoulli::from_logits(l[0]).log_prob(x); }, in);
  CHECK_GRADCHECK([](const std::vector<Tensor>& l) { return Bernoulli::from_logits(l[0]).entropy(); }, in);
}

TEST_CASE("bernoulli: sample frequencies match p within 4 standard errors") {
  const int64_t n = 100000;
  Generator gen(3);
  Tensor p = tensor({0.05, 0.5, 0.9}, {}, kF64);
  Tensor x = Bernoulli::from_probs(expand(unsqueeze(p, 0), {n, 3})).sample(gen);
  std::vector<double> freq = mean(x, {0}).to_vector<double>();
  for (int j = 0; j < 3; ++j) {
    double pj = p.to_vector<double>()[j], se = std::sqrt(pj * (1 - pj) / double(n));
    CAPTURE(j);
    CHECK(std::fabs(freq[j] - pj) < 4 * se);
  }
}

TEST_CASE("bernoulli: probabilities outside [0, 1] are errors naming the op and the shape") {
  CHECK_ERROR(Bernoulli::from_probs(tensor({0.5, 1.5}, {}, kF64)), "Bernoulli", "(2,)", "[0, 1]");
  CHECK_ERROR(Bernoulli::from_probs(tensor({-0.1}, {}, kF64)), "Bernoulli", "[0, 1]");
  CHECK_ERROR(Bernoulli::from_probs(tensor({NAN}, {}, kF64)), "Bernoulli", "[0, 1]");
  CHECK_ERROR(Bernoulli::from_logits(tensor({1}, {}, {.dtype = DType::i64})), "Bernoulli", "i64");
}

TEST_CASE("categorical: log_prob, probs and entropy match the normalised probabilities") {
  // Unnormalised probabilities: from_probs divides by the row sums (4 and 1).
  Categorical d = Categorical::from_probs(tensor({1, 2, 1, 0.5, 0.0, 0.5}, {2, 3}, kF64));
  CHECK_CLOSE(d.probs(), {0.25, 0.5, 0.25, 0.5, 0.0, 0.5}, 1e-12, 1e-12);
  Tensor y = tensor({1, 2}, {}, {.dtype = DType::i64});
  CHECK_CLOSE(d.log_prob(y), {std::log(0.5), std::log(0.5)}, 1e-12, 1e-12);
  // H = -sum p log p, with 0 log 0 = 0 for the zero probability.
  CHECK_CLOSE(d.entropy(), {1.5 * std::log(2.0), std::log(2.0)}, 1e-12, 1e-12);
  CHECK(d.num_classes() == 3);
  // from_logits normalises: logits differing by a constant are the same distribution.
  Categorical e = Categorical::from_logits(tensor({0.0, std::log(2.0), 0.0}, {}, kF64));
  CHECK_CLOSE(e.logits, {std::log(0.25), std::log(0.5), std::log(0.25)}, 1e-12, 1e-12);
}

TEST_CASE("categorical: log_prob and entropy are differentiable in the logits (gradcheck)") {
  std::vector<Tensor> in{leaf({2, 4}, 7)};
  Tensor y = tensor({3, 0}, {}, {.dtype = DType::i64});
  CHECK_GRADCHECK([y](const std::vector<Tensor>& l) { return Categorical::from_logits(l[0]).log_prob(y); }, in);
  CHECK_GRADCHECK([](const std::vector<Tensor>& l) { return Categorical::from_logits(l[0]).entropy(); }, in);
}

TEST_CASE("categorical: bad probabilities and indices are errors naming the op and the shapes") {
  CHECK_ERROR(Categorical::from_probs(tensor({0.5, -0.5, 1.0}, {}, kF64)), "Categorical", "(3,)", "non-negative");
  CHECK_ERROR(Categorical::from_probs(zeros({2, 3}, kF64)), "Categorical", "(2, 3)", "row sum");
  CHECK_ERROR(Categorical::from_probs(tensor({0.5, INFINITY}, {}, kF64)), "Categorical", "finite");
  CHECK_ERROR(Categorical::from_logits(scalar_tensor(1.0, kF64)), "Categorical", "(..., K)");
  Categorical d = Categorical::from_logits(zeros({2, 3}, kF64));
  CHECK_ERROR(d.log_prob(tensor({0, 1, 2}, {}, {.dtype = DType::i64})), "Categorical.log_prob", "(2,)", "(3,)");
  CHECK_ERROR(d.log_prob(tensor({0, 1}, {}, kF64)), "Categorical.log_prob", "f64");
}
