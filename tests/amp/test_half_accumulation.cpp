// f16/bf16 data accumulates in f32 (or wider) wherever values are summed: reductions, mean, var,
// logsumexp, softmax, layer norm, the losses and matmul. Each case is one an f16 accumulator gets
// wrong: f16 holds integers exactly only up to 2048 and nothing past 65504. Also the backend's
// non-finite check on half data, which the loss scaler relies on.
#include <cmath>

#include "core/backend.h"
#include "test_util.h"

using namespace tg;

namespace {

// What summing in f16 itself would give: every partial sum rounded to f16.
double f16_running_sum(const std::vector<float>& values) {
  half acc(0.0f);
  for (float v : values) acc = half(float(acc) + v);
  return double(float(acc));
}

}  // namespace

TEST_CASE("sum of 4096 f16 values accumulates in f32: exact where an f16 accumulator stalls") {
  Tensor ones_f16 = ones({4096}, {.dtype = DType::f16});
  CHECK(f16_running_sum(ones_f16.to_vector()) == 2048);  // 2048 + 1 rounds back to 2048
  CHECK(sum(ones_f16).item<double>() == 4096);
  CHECK(sum(ones({4096}, {.dtype = DType::bf16})).item<double>() == 4096);  // bf16 stalls at 256

  // "Ones-ish": 1, 1 + 2^-9, 1 + 2 * 2^-9, 1 + 3 * 2^-9, repeated. The exact sum, 4096 + 1024 * 6 *
  // 2^-9 = 4108, is an f16 value (the spacing at 4096 is 4), so the one rounding at the end is exact.
  std::vector<double> v;
  for (int i = 0; i < 4096; ++i) v.push_back(1 + (i % 4) * std::ldexp(1.0, -9));
  Tensor x = tensor(v, {4096}, {.dtype = DType::f16});
  CHECK(f16_running_sum(x.to_vector()) != 4108);  // an f16 accumulator rounds at every step
  CHECK(sum(x).item<double>() == 4108);
  // Over rows of a (4, 1024) view and over the columns of a (1024, 4) one (the strided kernel).
  CHECK_CLOSE(sum(reshape(x, {4, 1024}), {1}), std::vector<double>(4, 1027), 0, 0);
  CHECK_CLOSE(sum(reshape(x, {1024, 4}), {0}), {1024, 1026, 1028, 1030}, 0, 0);
}

TEST_CASE("mean, var and logsumexp of f16 data work in f32 and round once") {
  // The sum, 4096 * 100, is past f16's range; the mean is not.
  Tensor x = full({4096}, 100, {.dtype = DType::f16, .requires_grad = true});
  Tensor m = mean(x);
  CHECK(m.dtype() == DType::f16);
  CHECK(m.item<double>() == 100);
  m.backward();
  CHECK(x.grad().dtype() == DType::f16);
  CHECK_CLOSE(x.grad(), std::vector<double>(4096, 1.0 / 4096), 0, 0);  // 2^-12, an f16 value

  // (x - mean)^2 is 90000 for +-300: inf in f16. The unbiased variance of [-300, 300, -1, 1],
  // (2 * 90000 + 2) / 3 = 60000.7, rounds to the f16 value 60000.
  Tensor y = tensor({-300, 300, -1, 1}, {4}, {.dtype = DType::f16});
  CHECK(var(y).item<double>() == 60000);

  // logsumexp of 2048 copies of 10: 10 + log 2048, computed in f32, rounded to f16.
  Tensor z = full({2048}, 10, {.dtype = DType::f16});
  CHECK(logsumexp(z).item<double>() == double(float(half(float(10 + std::log(2048.0))))));
}

TEST_CASE("softmax and log_softmax of f16 rows accumulate in f32") {
  Tensor x = zeros({2, 4096}, {.dtype = DType::f16});
  CHECK_CLOSE(softmax(x, 1), std::vector<double>(8192, 1.0 / 4096), 0, 0);
  CHECK_CLOSE(log_softmax(x, 1), std::vector<double>(8192, double(float(half(float(-std::log(4096.0)))))), 0, 0);
}

TEST_CASE("LayerNorm on f16 input normalises in f32 and returns f16") {
  // Squares of the centred values reach 10^6: inf in f16, so an f16 computation gives NaN or 0.
  std::vector<double> v = {-1000, 1000, -500, 500, 0, 250, -250, 0};
  nn::LayerNorm ln(8);
  Tensor ref = ln(tensor(v, {1, 8}));
  ln.to(DType::f16);
  Tensor x = tensor(v, {1, 8}, {.dtype = DType::f16, .requires_grad = true});
  Tensor y = ln(x);
  CHECK(y.dtype() == DType::f16);
  CHECK_CLOSE(y, ref, 1e-3, std::ldexp(1.0, -11));  // ref rounded once to f16
  sum(mul(y, y)).backward();
  CHECK(x.grad().dtype() == DType::f16);
  CHECK(backend(x.device()).all_finite(DType::f16, x.grad().data(), 8));
  CHECK(ln.weight.grad().dtype() == DType::f16);
}

TEST_CASE("Losses on f16 inputs are computed in f32 and return f32") {
  Generator gen(4);
  Tensor logits = mul(randn({64, 10}, gen), 3.0).to(DType::f16);
  Tensor labels = randint(0, 10, {64}, gen);
  Tensor as_f32 = logits.to(DType::f32);  // the same (rounded) values in f32
  for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
    CHECK(cross_entropy(logits, labels, r).dtype() == DType::f32);
    CHECK_CLOSE(cross_entropy(logits, labels, r), cross_entropy(as_f32, labels, r), 1e-6, 1e-6);
    // log_softmax's f16 output is rounded (2^-11 relative); nll_loss sums it in f32.
    Tensor nll = nll_loss(log_softmax(logits, 1), labels, r);
    CHECK(nll.dtype() == DType::f32);
    CHECK_CLOSE(nll, nll_loss(log_softmax(as_f32, 1), labels, r), 0, 1e-3);
  }
  // An f16 target beside f32 logits, or the other way round: both are computed in f32.
  Tensor targets = rand({64, 10}, gen);
  CHECK_CLOSE(binary_cross_entropy_with_logits(logits, targets),
              binary_cross_entropy_with_logits(as_f32, targets), 1e-6, 1e-6);
  // A sum of squared errors of 10 over 1000 elements is 10^5: past f16's 65504, fine in f32.
  Tensor a = zeros({1000}, {.dtype = DType::f16, .requires_grad = true}), b = full({1000}, 10, {.dtype = DType::f16});
  Tensor loss = mse_loss(a, b, Reduction::Sum);
  CHECK(loss.dtype() == DType::f32);
  CHECK(loss.item<double>() == 100000);
  loss.backward();
  CHECK(a.grad().dtype() == DType::f16);
  CHECK_CLOSE(a.grad(), std::vector<double>(1000, -20), 0, 0);
}

TEST_CASE("f16 and bf16 matmul accumulate in f32, across row tiles") {
  // (1, 4096) @ (4096, 1) of ones: 4096, where f16 accumulation stops at 2048.
  for (DType dt : {DType::f16, DType::bf16}) {
    INFO("dtype ", dtype_name(dt));
    Tensor row = ones({1, 4096}, {.dtype = dt}), col = ones({4096, 1}, {.dtype = dt});
    CHECK(matmul(row, col).item<double>() == 4096);
  }
  // 600 rows run as three tiles of up to 256; A transposed or not, against f32 on the same values.
  Generator gen(6);
  for (bool ta : {false, true}) {
    CAPTURE(ta);
    Tensor a = randn(ta ? Shape{40, 600} : Shape{600, 40}, gen).to(DType::f16);
    Tensor b = randn({40, 24}, gen).to(DType::f16);
    CHECK_CLOSE(matmul(a, b, ta, false), matmul(a.to(DType::f32), b.to(DType::f32), ta, false), 1e-5,
                std::ldexp(1.0, -11));
  }
}

TEST_CASE("all_finite sees inf and NaN in f16 and bf16 data") {
  Backend& be = backend(default_device());
  for (DType dt : {DType::f16, DType::bf16}) {
    INFO("dtype ", dtype_name(dt));
    Tensor ok = tensor({1, -2, 65504, 0}, {4}, {.dtype = dt});
    CHECK(be.all_finite(dt, ok.data(), 4));
    for (double bad : {double(INFINITY), -double(INFINITY), double(NAN)}) {
      Tensor t = tensor({1, bad, 3, 4}, {4}, {.dtype = dt});
      CHECK_FALSE(be.all_finite(dt, t.data(), 4));
    }
  }
  Tensor big = tensor({1e38}, {1}, {.dtype = DType::bf16});  // finite in bf16, inf in f16
  CHECK(be.all_finite(DType::bf16, big.data(), 1));
  Tensor overflowed = tensor({1e5}, {1}, {.dtype = DType::f16});
  CHECK_FALSE(be.all_finite(DType::f16, overflowed.data(), 1));
}
