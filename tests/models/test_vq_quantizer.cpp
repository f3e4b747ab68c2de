// The VQ-VAE quantizer: the nearest code by brute force, the straight-through gradient, the two
// losses and their gradients, one EMA update and one dead-code restart worked by hand, perplexity,
// and the codebook-size check.
#include <cmath>

#include "models/vqvae/quantizer.h"
#include "nn/state_dict.h"
#include "test_util.h"

using namespace tg;

namespace {

// K = 3 codes in 2-D: (0, 0), (1, 0), (0, 2).
std::shared_ptr<models::VectorQuantizer> three_codes(models::QuantizerConfig config = {}) {
  config.num_codes = 3, config.code_dim = 2;
  Generator gen(0);
  auto q = std::make_shared<models::VectorQuantizer>(config, gen);
  nn::copy_(q->codebook, tensor({0, 0, 1, 0, 0, 2}, {3, 2}));
  return q;
}

}  // namespace

TEST_CASE("vq: the quantizer picks the nearest code") {
  auto q = three_codes();
  // squared distances to the three codes: (0.02, 0.82, 3.62), (0.85, 0.05, 5.21),
  // (2.29, 2.89, 0.29), (0.36, 0.16, 4.36), and an exact tie (0.25, 0.25, ...) -> the lower code
  Tensor z = tensor({0.1, 0.1, 0.9, -0.2, 0.2, 1.5, 0.6, 0, 0.5, 0}, {5, 2});
  CHECK(q->nearest(z).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 1, 0});

  // Random rows against a brute-force search over a random codebook.
  Generator gen(1);
  models::VectorQuantizer big({.num_codes = 16, .code_dim = 8}, gen);
  nn::copy_(big.codebook, randn({16, 8}, gen));
  Tensor x = randn({50, 8}, gen);
  std::vector<float> xs = x.to_vector(), es = big.codebook.to_vector();
  std::vector<int64_t> expected;
  for (int i = 0; i < 50; ++i) {
    int64_t best = 0;
    double best_d = INFINITY;
    for (int k = 0; k < 16; ++k) {
      double d = 0;
      for (int j = 0; j < 8; ++j) d += std::pow(double(xs[i * 8 + j]) - es[k * 8 + j], 2);
      if (d < best_d) best_d = d, best = k;
    }
    expected.push_back(best);
  }
  CHECK(big.nearest(x).to_vector<int64_t>() == expected);
  CHECK_ERROR(big.nearest(zeros({4, 7})), "VectorQuantizer", "(4, 7)", "(N, 8)");
}

TEST_CASE("vq: the output is the code and its gradient is straight-through") {
  auto q = three_codes();
  Tensor z = tensor({0.1, 0.1, 0.9, -0.2, 0.2, 1.5}, {3, 2}, {.requires_grad = true});
  models::Quantized out = (*q)(z);
  CHECK(test::bitwise_equal(out.out, tensor({0, 0, 1, 0, 0, 2}, {3, 2})));
  // d sum(w * out) / dz = w exactly: the quantizer is the identity for the backward pass,
  // and the codebook gets nothing through this path
  Tensor w = tensor({1.5, -2, 0.25, 3, -0.5, 7}, {3, 2});
  sum(mul(out.out, w)).backward();
  CHECK(test::bitwise_equal(z.grad(), w));
  CHECK_FALSE(q->codebook.grad().defined());
}

TEST_CASE("vq: codebook and commitment losses, and where their gradients go") {
  auto q = three_codes({.beta = 0.25});
  Tensor z = tensor({0.1, 0.1, 0.9, -0.2, 0.2, 1.5}, {3, 2}, {.requires_grad = true});
  models::Quantized out = (*q)(z);
  // z - e: (0.1, 0.1), (-0.1, -0.2), (0.2, -0.5); squares sum to 0.02 + 0.05 + 0.29 = 0.36 over 6 numbers
  CHECK_CLOSE(out.codebook_loss, {0.06}, 1e-7, 1e-6);
  CHECK_CLOSE(out.commitment_loss, {0.25 * 0.06}, 1e-7, 1e-6);
  CHECK_CLOSE(out.loss, {1.25 * 0.06}, 1e-7, 1e-6);
  out.loss.backward();
  // commitment: dz = beta * 2 (z - e) / 6; codebook: de_k = sum over rows on k of 2 (e - z) / 6
  CHECK_CLOSE(z.grad(), {0.25 * 0.2 / 6, 0.25 * 0.2 / 6, 0.25 * -0.2 / 6, 0.25 * -0.4 / 6, 0.25 * 0.4 / 6,
                         0.25 * -1.0 / 6}, 1e-7, 1e-5);
  CHECK_CLOSE(q->codebook.grad(), {-0.2 / 6, -0.2 / 6, 0.2 / 6, 0.4 / 6, -0.4 / 6, 1.0 / 6}, 1e-7, 1e-5);

  // With the EMA codebook the loss is the commitment alone, and the codebook gets no gradient.
  auto ema = three_codes({.beta = 0.25, .ema = true});
  Tensor z2 = z.detach().clone().requires_grad_();
  models::Quantized out2 = (*ema)(z2);
  CHECK_CLOSE(out2.loss, {0.25 * 0.06}, 1e-7, 1e-6);
  out2.loss.backward();
  CHECK_FALSE(ema->codebook.grad().defined());
}

TEST_CASE("vq: one EMA update by hand") {
  // K = 2 codes in 1-D at 0 and 10, decay 0.5, epsilon 0.1; z = (1, 2, 9) -> codes (0, 0, 1),
  // batch counts n = (2, 1), sums s = (3, 9). From N = (1, 1), m = e = (0, 10):
  //   N = 0.5 (1, 1) + 0.5 (2, 1) = (1.5, 1),  m = 0.5 (0, 10) + 0.5 (3, 9) = (1.5, 9.5),
  //   n = 2.5, N~ = (N + 0.1) / (2.5 + 0.2) * 2.5,
  //   e = m / N~ = (1.5 * 2.7 / (1.6 * 2.5), 9.5 * 2.7 / (1.1 * 2.5)) = (1.0125, 9.3272727...)
  Generator gen(0);
  models::VectorQuantizer q({.num_codes = 2, .code_dim = 1, .ema = true, .decay = 0.5, .epsilon = 0.1}, gen);
  nn::copy_(q.codebook, tensor({0, 10}, {2, 1}));
  Tensor z = tensor({1, 2, 9}, {3, 1});
  Tensor codes = q(z).codes;
  CHECK(codes.to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1});
  q.update(z, codes, gen);
  CHECK_CLOSE(q.ema_count, {1.5, 1}, 1e-7, 1e-6);
  CHECK_CLOSE(q.ema_sum, {1.5, 9.5}, 1e-7, 1e-6);
  CHECK_CLOSE(q.codebook, {1.0125, 9.5 * 2.7 / 2.75}, 1e-7, 1e-6);
  // a second step with the same batch: N = (1.75, 1), m = (2.25, 9.25), n = 2.75,
  // e = (2.25 * 2.95 / (1.85 * 2.75), 9.25 * 2.95 / (1.1 * 2.75))
  q.update(z, codes, gen);
  CHECK_CLOSE(q.codebook, {2.25 * 2.95 / (1.85 * 2.75), 9.25 * 2.95 / (1.1 * 2.75)}, 1e-7, 1e-6);
}

TEST_CASE("vq: a code unused for restart_after updates moves onto an encoder output") {
  Generator gen(3);
  auto q = three_codes({.restart_after = 2});
  Tensor z = tensor({0.1, 0.1, 0.9, -0.2, 0.2, -0.1}, {3, 2});  // codes 0, 1, 0: code 2 is unused
  Tensor codes = (*q)(z).codes;
  q->update(z, codes, gen);
  CHECK(q->restarts() == 0);  // unused once
  CHECK_CLOSE(q->codebook, {0, 0, 1, 0, 0, 2});
  q->update(z, codes, gen);  // unused twice: restarted onto one of the rows of z
  CHECK(q->restarts() == 1);
  std::vector<float> e = q->codebook.to_vector(), rows = z.to_vector();
  CHECK(e[0] == 0.0f);
  CHECK(e[2] == 1.0f);  // used codes stay
  bool on_a_row = false;
  for (int i = 0; i < 3; ++i) on_a_row |= e[4] == rows[i * 2] && e[5] == rows[i * 2 + 1];
  CHECK(on_a_row);
}

TEST_CASE("vq: perplexity and usage of code counts") {
  CHECK(models::perplexity({3, 3, 3, 3}) == doctest::Approx(4.0).epsilon(1e-12));
  CHECK(models::perplexity({5, 0, 0}) == doctest::Approx(1.0).epsilon(1e-12));
  // p = (1/2, 1/4, 1/4): H = 1.5 log 2, exp(H) = 2^1.5
  CHECK(models::perplexity({2, 1, 1}) == doctest::Approx(std::pow(2.0, 1.5)).epsilon(1e-12));
  CHECK(models::codes_used({2, 0, 1, 0}) == 2);
  CHECK(models::code_counts(tensor({2, 0, 2}, {3}, {.dtype = DType::i64}), 3) == std::vector<double>{1, 0, 2});
  CHECK_ERROR(models::perplexity({0, 0}), "perplexity");
}

TEST_CASE("vq: a codebook needs at least two codes") {
  CHECK_ERROR(models::VectorQuantizer({.num_codes = 1, .code_dim = 4}), "VectorQuantizer", "num_codes 1");
  CHECK_ERROR(models::VectorQuantizer({.num_codes = 0, .code_dim = 4}), "VectorQuantizer", "num_codes 0");
}
