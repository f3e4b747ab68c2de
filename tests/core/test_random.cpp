// Random numbers (core/philox.h, core/random.h, creation.h): Philox4x32-10 against Random123's
// published known-answer vectors, the element -> (block, word) mapping, Generator offsets, and
// the statistics of rand/randn/randint with fixed seeds. Each statistical bound is 4 standard
// errors of the estimate, so a correct generator fails with probability < 1e-4 per check (and,
// the seeds being fixed, either always passes or always fails).
#include <cmath>

#include "core/philox.h"
#include "test_util.h"

using namespace tg;

namespace {

struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= double(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= double(v.size() - 1);
  return m;
}
double fraction(const std::vector<double>& v, bool (*pred)(double)) {
  double k = 0;
  for (double x : v) k += pred(x);
  return k / double(v.size());
}

}  // namespace

// Known-answer vectors from Random123's tests/kat_vectors (counter words, then key words).
TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
  struct Kat {
    Philox4 ctr;
    uint32_t k0, k1;
    Philox4 expect;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& k : kats) {
    Philox4 got = philox4x32_10(k.ctr, k.k0, k.k1);
    for (int w = 0; w < 4; ++w) CHECK(got.w[w] == k.expect.w[w]);
  }
  // the (block, seed) form is the same generator with counter (block_lo, block_hi, 0, 0)
  Philox4 a = philox4x32_10(uint64_t(0x0000000500000007ull), uint64_t(0x0000000b0000000dull));
  Philox4 b = philox4x32_10(Philox4{{7, 5, 0, 0}}, 13, 11);
  for (int w = 0; w < 4; ++w) CHECK(a.w[w] == b.w[w]);
}

TEST_CASE("rand: element i is word i%4 of counter block offset + i/4") {
  Generator gen(99);
  gen.set_state(99, 5);
  std::vector<float> u = rand({10}, gen).to_vector<float>();
  for (int i = 0; i < 10; ++i) {
    uint32_t word = philox4x32_10(uint64_t(5 + i / 4), uint64_t(99)).w[i % 4];
    CHECK(u[size_t(i)] == float(word >> 8) / 16777216.0f);
  }
  CHECK(gen.offset() == 5 + 3);  // 10 values take 3 blocks
}

TEST_CASE("Generator: draws do not overlap; the same seed and offset reproduce") {
  Generator g(5);
  std::vector<double> a = rand({10}, g, {.dtype = DType::f64}).to_vector<double>();
  std::vector<double> b = rand({10}, g, {.dtype = DType::f64}).to_vector<double>();
  // one draw of 24 from a fresh generator: a is its first 10, b starts at block 3 (element 12)
  Generator fresh(5);
  std::vector<double> all = rand({24}, fresh, {.dtype = DType::f64}).to_vector<double>();
  CHECK_CLOSE(a, std::vector<double>(all.begin(), all.begin() + 10), 0, 0);
  CHECK_CLOSE(b, std::vector<double>(all.begin() + 12, all.begin() + 22), 0, 0);
  Generator replay(0);
  replay.set_state(5, 3);
  CHECK_CLOSE(rand({10}, replay, {.dtype = DType::f64}), b, 0, 0);
  Generator other(6);
  CHECK(tg::test::compare(rand({10}, other, {.dtype = DType::f64}), a, 0.0, 0.0) != "");
  // the default generator through manual_seed
  manual_seed(3);
  std::vector<float> r1 = randn({7}).to_vector<float>();
  manual_seed(3);
  CHECK_CLOSE(randn({7}), std::vector<double>(r1.begin(), r1.end()), 0, 0);
}

// U[0, 1): mean 1/2 (SE sqrt(1/12 / n)), variance 1/12 (SE sqrt((1/80 - 1/144) / n)).
TEST_CASE("rand: uniform on [0, 1) in f32 and f64") {
  const int64_t n = 200000;
  for (DType dt : {DType::f32, DType::f64}) {
    INFO("dtype ", dtype_name(dt));
    Generator gen(1);
    std::vector<double> u = rand({n}, gen, {.dtype = dt}).to_vector<double>();
    Moments m = moments(u);
    CHECK(std::fabs(m.mean - 0.5) < 4 * std::sqrt(1.0 / 12 / n));
    CHECK(std::fabs(m.var - 1.0 / 12) < 4 * std::sqrt((1.0 / 80 - 1.0 / 144) / n));
    CHECK(fraction(u, [](double x) { return x >= 0 && x < 1; }) == 1.0);
    CHECK(std::fabs(fraction(u, [](double x) { return x < 0.1; }) - 0.1) < 4 * std::sqrt(0.09 / n));
  }
  Tensor t = zeros({n}, {.dtype = DType::f64});
  Generator gen(2);
  uniform_(t, -3, 5, gen);
  std::vector<double> v = t.to_vector<double>();
  CHECK(std::fabs(moments(v).mean - 1) < 4 * 8 * std::sqrt(1.0 / 12 / n));
  CHECK(fraction(v, [](double x) { return x >= -3 && x < 5; }) == 1.0);
}

// N(0, 1): mean (SE 1/sqrt n), variance (SE sqrt(2/n)), P(|z| < 1) = 0.6827, P(z > 2) = 0.02275.
TEST_CASE("randn: standard normal in f32 and f64") {
  const int64_t n = 200000;
  auto inside = [](double z) { return std::fabs(z) < 1; };
  auto tail = [](double z) { return z > 2; };
  const double p1 = std::erf(1 / M_SQRT2), p2 = 0.5 * std::erfc(2 / M_SQRT2);
  for (DType dt : {DType::f32, DType::f64}) {
    INFO("dtype ", dtype_name(dt));
    Generator gen(11);
    std::vector<double> z = randn({n}, gen, {.dtype = dt}).to_vector<double>();
    Moments m = moments(z);
    CHECK(std::fabs(m.mean) < 4 / std::sqrt(double(n)));
    CHECK(std::fabs(m.var - 1) < 4 * std::sqrt(2.0 / n));
    CHECK(std::fabs(fraction(z, inside) - p1) < 4 * std::sqrt(p1 * (1 - p1) / n));
    CHECK(std::fabs(fraction(z, tail) - p2) < 4 * std::sqrt(p2 * (1 - p2) / n));
    // Box-Muller pairs (2j, 2j+1) share a radius but are uncorrelated
    double cov = 0;
    for (int64_t i = 0; i + 1 < n; i += 2) cov += z[size_t(i)] * z[size_t(i + 1)];
    CHECK(std::fabs(cov / double(n / 2)) < 4 / std::sqrt(double(n / 2)));
  }
  Tensor t = zeros({n}, {.dtype = DType::f64});
  Generator gen(12);
  normal_(t, 3, 0.5, gen);
  Moments m = moments(t.to_vector<double>());
  CHECK(std::fabs(m.mean - 3) < 4 * 0.5 / std::sqrt(double(n)));
  CHECK(std::fabs(m.var - 0.25) < 4 * 0.25 * std::sqrt(2.0 / n));
}

// Each of the k values is drawn with probability 1/k: count SE sqrt(n (1/k)(1 - 1/k)).
TEST_CASE("randint: values in [low, high), each equally likely, negative low, i32 and i64") {
  const int64_t n = 70000;
  struct Range {
    int64_t low, high;
    DType dtype;
  };
  for (Range r : {Range{0, 10, DType::i64}, Range{-3, 4, DType::i64}, Range{-5, -1, DType::i32}, Range{7, 8, DType::i32}}) {
    CAPTURE(r.low);
    CAPTURE(r.high);
    Generator gen(21);
    Tensor t = randint(r.low, r.high, {n}, gen, {.dtype = r.dtype});
    CHECK(t.dtype() == r.dtype);
    std::vector<int64_t> v = t.to_vector<int64_t>();
    int64_t k = r.high - r.low;
    std::vector<int64_t> count(size_t(k), 0);
    int64_t outside = 0;
    for (int64_t x : v) {
      if (x < r.low || x >= r.high) ++outside;
      else ++count[size_t(x - r.low)];
    }
    CHECK(outside == 0);
    double p = 1.0 / double(k), se = std::sqrt(double(n) * p * (1 - p));
    for (int64_t c = 0; c < k; ++c) {
      CAPTURE(r.low + c);
      CHECK(std::fabs(double(count[size_t(c)]) - double(n) * p) <= 4 * se + 1e-9);
    }
  }
}
