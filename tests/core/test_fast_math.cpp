// The vectorisable f32 exp, log and log1p of core/fast_math.h against the double-precision
// functions rounded to f32: at most 2 ulp apart on every 61st bit pattern (all 2^32 patterns
// with TG_FAST_MATH_EXHAUSTIVE=1 in the environment), and exact agreement on special values.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/fast_math.h"
#include "test_util.h"

namespace {

// Distance in representable f32 values; 0 when both are NaN or equal infinities.
int64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  auto ordered = [](float x) {
    auto i = int64_t(std::bit_cast<int32_t>(x));
    return i < 0 ? int64_t(INT32_MIN) - i : i;
  };
  return std::llabs(ordered(a) - ordered(b));
}

template <class Fast, class Exact>
void check_sweep(const char* name, Fast fast, Exact exact) {
  uint64_t stride = std::getenv("TG_FAST_MATH_EXHAUSTIVE") ? 1 : 61;
  int64_t worst = 0, mismatches = 0;
  float worst_x = 0;
  for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += stride) {
    float x = std::bit_cast<float>(uint32_t(bits));
    int64_t d = ulp_distance(fast(x), float(exact(double(x))));
    if (d > worst) worst = d, worst_x = x;
    mismatches += d > 2;
  }
  INFO(fmt::format("{}: worst {} ulp at x = {:.9g} (fast {:.9g}, exact {:.9g}); {} inputs over 2 ulp", name, worst,
                   worst_x, fast(worst_x), exact(double(worst_x)), mismatches));
  CHECK(worst <= 2);
}

}  // namespace

TEST_SUITE_BEGIN(TG_CPU_ONLY_SUITE);

TEST_CASE("fast exp, log and log1p are within 2 ulp of the correctly rounded result") {
  check_sweep("exp", [](float x) { return tg::fast::exp(x); }, [](double x) { return std::exp(x); });
  check_sweep("log", [](float x) { return tg::fast::log(x); }, [](double x) { return std::log(x); });
  check_sweep("log1p", [](float x) { return tg::fast::log1p(x); }, [](double x) { return std::log1p(x); });
}

TEST_CASE("fast exp, log and log1p special values") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(tg::fast::exp(0.0f) == 1.0f);
  CHECK(tg::fast::exp(inf) == inf);
  CHECK(tg::fast::exp(-inf) == 0.0f);
  CHECK(tg::fast::exp(89.0f) == inf);
  CHECK(tg::fast::exp(-104.0f) == 0.0f);
  CHECK(std::isnan(tg::fast::exp(nan)));
  CHECK(tg::fast::log(1.0f) == 0.0f);
  CHECK(tg::fast::log(0.0f) == -inf);
  CHECK(tg::fast::log(-0.0f) == -inf);
  CHECK(std::isnan(tg::fast::log(-1.0f)));
  CHECK(tg::fast::log(inf) == inf);
  CHECK(std::isnan(tg::fast::log(nan)));
  CHECK(tg::fast::log1p(0.0f) == 0.0f);
  CHECK(tg::fast::log1p(1e-30f) == 1e-30f);
  CHECK(tg::fast::log1p(-1.0f) == -inf);
  CHECK(std::isnan(tg::fast::log1p(-2.0f)));
  CHECK(tg::fast::log1p(inf) == inf);
  CHECK(std::isnan(tg::fast::log1p(nan)));
}

TEST_SUITE_END();
