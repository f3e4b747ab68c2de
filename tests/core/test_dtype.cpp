// f16 and bf16 conversions (core/dtype.h): every one of the 65,536 bit patterns round-trips,
// and float -> half rounding is checked against an independent reference (exact rounding of the
// value in double, round half to even) on every tie and near-tie between representable values,
// on overflow and subnormals, on random floats, and against the compiler's _Float16 where it has one.
#include <cmath>
#include <cstring>
#include <random>

#include "test_util.h"

using namespace tg;

namespace {

// Round |x| (exact in double) to a multiple of `quantum` (a power of two), ties to even multiple.
double round_to_quantum(double a, double quantum) {
  double n = a / quantum, fl = std::floor(n), r = n - fl;  // exact: quantum is a power of two
  if (r > 0.5 || (r == 0.5 && std::fmod(fl, 2.0) == 1.0)) fl += 1;
  return fl * quantum;
}

// A format with `mant` stored mantissa bits, smallest normal exponent emin and largest finite
// value max_finite: the correctly rounded value of x, +-inf past max_finite + half a quantum
// (the tie there rounds to the even neighbour, which is the "next binade", i.e. inf).
double reference_round(double x, int mant, int emin, double max_finite) {
  double a = std::fabs(x);
  int e;
  std::frexp(a, &e);  // a = m 2^e with m in [0.5, 1): the binade is 2^(e-1)
  int exponent = std::max(e - 1, emin);
  double r = a == 0 ? 0 : round_to_quantum(a, std::ldexp(1.0, exponent - mant));
  if (r > max_finite) r = INFINITY;
  return std::copysign(r, x);
}
double reference_half(float f) { return reference_round(f, 10, -14, 65504.0); }
double reference_bf16(float f) { return reference_round(f, 7, -126, std::ldexp(255.0, 120)); }

float from_bits(uint32_t u) { return bits_float(u); }

// Floats at and around every midpoint between consecutive representable values of a 16-bit
// format (decoded by `to_float`), including the midpoint above the largest finite value.
template <class ToFloat>
std::vector<float> ties_and_neighbours(uint16_t max_finite_bits, ToFloat to_float, double next_after_max) {
  std::vector<float> out;
  for (uint32_t h = 0; h <= max_finite_bits; ++h) {
    double lo = to_float(uint16_t(h)), hi = h == max_finite_bits ? next_after_max : to_float(uint16_t(h + 1));
    float mid = float((lo + hi) / 2);  // exact: one more bit than the format has
    for (float f : {float(lo), mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) {
      out.push_back(f);
      out.push_back(-f);
    }
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN(TG_CPU_ONLY_SUITE);

TEST_CASE("f16: every bit pattern decodes exactly and round-trips; NaN stays NaN") {
  int nans = 0;
  for (uint32_t b = 0; b < 65536; ++b) {
    uint16_t h = uint16_t(b);
    float f = half_bits_to_float(h);
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 31 && mant != 0) {
      ++nans;
      REQUIRE(std::isnan(f));
      uint16_t back = float_to_half_bits(f);
      REQUIRE((((back >> 10) & 0x1f) == 31 && (back & 0x3ff) != 0));
      continue;
    }
    // value = (-1)^s * (exp == 0 ? mant 2^-24 : (1024 + mant) 2^(exp - 25)), inf at exp 31
    double v = exp == 31 ? INFINITY : exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024.0 + mant, int(exp) - 25);
    if (h & 0x8000) v = -v;
    INFO("half bits 0x" << std::hex << b);
    REQUIRE(double(f) == v);
    REQUIRE(std::signbit(f) == bool(h & 0x8000));
    REQUIRE(float_to_half_bits(f) == h);
  }
  CHECK(nans == 2 * 1023);
  CHECK(float(half::from_bits(0x7bff)) == 65504.0f);
  CHECK(float(half::from_bits(0x0001)) == std::ldexp(1.0f, -24));
}

TEST_CASE("f16: float -> half rounds to nearest even (ties, subnormals, overflow, random)") {
  std::vector<float> xs = ties_and_neighbours(0x7bff, half_bits_to_float, 65536.0);
  std::mt19937 rng(12345);
  for (int i = 0; i < 1000000; ++i) xs.push_back(from_bits(rng()));
  for (float f : {65504.0f, 65519.996f, 65520.0f, 1e5f, 3.4e38f, std::ldexp(1.0f, -25), std::ldexp(3.0f, -26),
                  std::ldexp(1.0f, -26), 1e-40f, INFINITY, -INFINITY})
    xs.push_back(f);
  int checked = 0;
  for (float f : xs) {
    uint16_t h = float_to_half_bits(f);
    if (std::isnan(f)) {
      REQUIRE(std::isnan(half_bits_to_float(h)));
      continue;
    }
    double expect = reference_half(f);
    INFO("float " << f << " (bits 0x" << std::hex << float_bits(f) << ") -> half 0x" << h);
    REQUIRE(double(half_bits_to_float(h)) == expect);
    REQUIRE(std::signbit(half_bits_to_float(h)) == std::signbit(f));  // -0 stays -0, also on underflow
    ++checked;
  }
  CHECK(checked > 1000000);
  CHECK(float_to_half_bits(65520.0f) == 0x7c00);  // the tie above 65504 rounds to inf
  CHECK(float_to_half_bits(65519.996f) == 0x7bff);
  CHECK(float_to_half_bits(std::ldexp(1.0f, -25)) == 0x0000);  // tie between 0 and 2^-24: even is 0
  CHECK(float_to_half_bits(std::ldexp(3.0f, -25)) == 0x0002);  // tie between 1 and 2 quanta: even is 2
}

#if defined(__FLT16_MAX__)
TEST_CASE("f16: float -> half agrees bit for bit with the compiler's _Float16") {
  std::vector<float> xs = ties_and_neighbours(0x7bff, half_bits_to_float, 65536.0);
  std::mt19937 rng(777);
  for (int i = 0; i < 1000000; ++i) xs.push_back(from_bits(rng()));
  for (float f : xs) {
    if (std::isnan(f)) continue;
    _Float16 c = static_cast<_Float16>(f);
    uint16_t expect;
    std::memcpy(&expect, &c, 2);
    INFO("float " << f);
    REQUIRE(float_to_half_bits(f) == expect);
  }
}
#endif

// On hosts with F16C the conversions above ran on it; the portable code (CUDA, other hosts) must
// give the same bits: every half, and floats around every tie plus a million random ones.
TEST_CASE("f16: the portable conversions agree bit for bit with the ones in use") {
  for (uint32_t b = 0; b < 65536; ++b) {
    INFO("half bits 0x" << std::hex << b);
    float f = half_bits_to_float(uint16_t(b)), p = half_bits_to_float_portable(uint16_t(b));
    if (std::isnan(p)) REQUIRE(std::isnan(f));  // F16C also sets the quiet bit of a signalling NaN
    else REQUIRE(float_bits(f) == float_bits(p));
  }
  std::vector<float> xs = ties_and_neighbours(0x7bff, half_bits_to_float, 65536.0);
  std::mt19937 rng(4242);
  for (int i = 0; i < 1000000; ++i) xs.push_back(from_bits(rng()));
  for (float f : xs) {
    INFO("float bits 0x" << std::hex << float_bits(f));
    REQUIRE(float_to_half_bits(f) == float_to_half_bits_portable(f));
  }
}

TEST_CASE("bf16: every bit pattern round-trips; NaN stays NaN, never becomes inf") {
  for (uint32_t b = 0; b < 65536; ++b) {
    uint16_t h = uint16_t(b);
    float f = bf16_bits_to_float(h);
    uint32_t exp = (h >> 7) & 0xff, mant = h & 0x7f;
    if (exp == 255 && mant != 0) {
      REQUIRE(std::isnan(f));
      REQUIRE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(f))));
      continue;
    }
    double v = exp == 255 ? INFINITY : exp == 0 ? std::ldexp(mant, -133) : std::ldexp(128.0 + mant, int(exp) - 134);
    if (h & 0x8000) v = -v;
    INFO("bf16 bits 0x" << std::hex << b);
    REQUIRE(double(f) == v);
    REQUIRE(float_to_bf16_bits(f) == h);
  }
  // NaNs whose payload sits only in the 16 bits that are dropped must not turn into inf
  for (uint32_t nan : {0x7f800001u, 0xff800001u, 0x7f80ffffu, 0x7fc00000u, 0x7fffffffu})
    CHECK(std::isnan(bf16_bits_to_float(float_to_bf16_bits(from_bits(nan)))));
}

TEST_CASE("bf16: float -> bf16 rounds to nearest even (ties, subnormals, overflow, random)") {
  std::vector<float> xs = ties_and_neighbours(0x7f7f, bf16_bits_to_float, std::ldexp(1.0, 128));
  std::mt19937 rng(4242);
  for (int i = 0; i < 1000000; ++i) xs.push_back(from_bits(rng()));
  for (float f : {3.38953139e38f, 3.4e38f, std::numeric_limits<float>::max(), 1e-40f, 1e-45f, INFINITY, -INFINITY})
    xs.push_back(f);
  for (float f : xs) {
    uint16_t b = float_to_bf16_bits(f);
    if (std::isnan(f)) {
      REQUIRE(std::isnan(bf16_bits_to_float(b)));
      continue;
    }
    INFO("float " << f << " (bits 0x" << std::hex << float_bits(f) << ") -> bf16 0x" << b);
    REQUIRE(double(bf16_bits_to_float(b)) == reference_bf16(f));
    REQUIRE(std::signbit(bf16_bits_to_float(b)) == std::signbit(f));
  }
  CHECK(float_to_bf16_bits(1.00390625f) == 0x3f80);   // 1 + 2^-8: tie, even is 1
  CHECK(float_to_bf16_bits(1.01171875f) == 0x3f82);   // 1 + 3 2^-8: tie, even is 1 + 2^-6
  CHECK(float_to_bf16_bits(std::numeric_limits<float>::max()) == 0x7f80);  // past the last tie: inf
}

TEST_SUITE_END();
