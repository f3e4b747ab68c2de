// Casting to an integer dtype (core/dtype.h's cast_element, used by every backend's cast and fill):
// NaN -> 0, at or past the range (+-inf too) -> the integer's min or max, the rest truncated toward
// zero. Runs on every device, so the @cuda run checks that the GPU follows the same rule.
#include <cmath>
#include <cstdint>
#include <limits>

#include "test_util.h"

using namespace tg;

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN(), kInf = std::numeric_limits<double>::infinity();
constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min(), kMax32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min(), kMax64 = std::numeric_limits<int64_t>::max();
}  // namespace

TEST_CASE("cast: float -> i32/i64 from every floating dtype: NaN -> 0, inf saturates, the rest truncate") {
  // Values exact in all four floating dtypes (bf16 keeps 8 significant bits).
  const std::vector<double> x = {kNan, kInf, -kInf, 2.75, -2.75, 0.5, -0.5, 1024, -1024, 0};
  const std::vector<int32_t> want32 = {0, kMax32, kMin32, 2, -2, 0, 0, 1024, -1024, 0};
  const std::vector<int64_t> want64 = {0, kMax64, kMin64, 2, -2, 0, 0, 1024, -1024, 0};
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
    CAPTURE(dtype_name(t));
    Tensor f = tensor(x, {}, {.dtype = t});
    CHECK(f.to(DType::i32).to_vector<int32_t>() == want32);
    CHECK(f.to(DType::i64).to_vector<int64_t>() == want64);
  }
}

TEST_CASE("cast: float -> integer saturates exactly at the range's ends (f32 and f64)") {
  // -2^31 and -2^63 are the minima themselves; 2^31 and 2^63 are one past the maxima. The largest
  // f32 below 2^31 is 2^31 - 128, and below 2^63 it is 2^63 - 2^39: both still convert exactly.
  const double p31 = 2147483648.0, p63 = 9223372036854775808.0;
  for (DType t : {DType::f32, DType::f64}) {
    CAPTURE(dtype_name(t));
    Tensor a = tensor({p31, -p31, 2147483520.0, -2147483520.0, 3e9, -3e9, 1e30, -1e30}, {}, {.dtype = t});
    CHECK(a.to(DType::i32).to_vector<int32_t>() ==
          std::vector<int32_t>{kMax32, kMin32, 2147483520, -2147483520, kMax32, kMin32, kMax32, kMin32});
    Tensor b = tensor({p63, -p63, 9223371487098961920.0, -9223371487098961920.0, 1e19, -1e19}, {}, {.dtype = t});
    CHECK(b.to(DType::i64).to_vector<int64_t>() ==
          std::vector<int64_t>{kMax64, kMin64, 9223371487098961920, -9223371487098961920, kMax64, kMin64});
  }
  // Only f64 has values strictly between INT32_MAX and 2^31: they truncate to the maximum.
  Tensor d = tensor({2147483647.75, -2147483648.75, -2147483647.75}, {}, {.dtype = DType::f64});
  CHECK(d.to(DType::i32).to_vector<int32_t>() == std::vector<int32_t>{kMax32, kMin32, -2147483647});
}

TEST_CASE("cast: full() into an integer dtype follows the same rule") {
  CHECK(full({2}, kNan, {.dtype = DType::i64}).to_vector<int64_t>() == std::vector<int64_t>{0, 0});
  CHECK(full({2}, -kInf, {.dtype = DType::i32}).to_vector<int32_t>() == std::vector<int32_t>{kMin32, kMin32});
  CHECK(full({1}, 1e10, {.dtype = DType::i32}).to_vector<int32_t>() == std::vector<int32_t>{kMax32});
  CHECK(full({1}, -7.9, {.dtype = DType::i64}).to_vector<int64_t>() == std::vector<int64_t>{-7});
}

TEST_CASE("cast: integer -> float and back is exact where the float holds the integer") {
  Tensor i = tensor({-16777216, -3, 0, 5, 16777216}, {}, {.dtype = DType::i64});
  CHECK(i.to(DType::f32).to(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{-16777216, -3, 0, 5, 16777216});
  CHECK(i.to(DType::i32).to_vector<int32_t>() == std::vector<int32_t>{-16777216, -3, 0, 5, 16777216});
}

TEST_CASE("cast: the host conversions (tensor() from doubles, to_vector<int>()) follow the same rule") {
  CHECK(tensor({kNan, 1e10, -kInf, -2.5}, {}, {.dtype = DType::i32}).to_vector<int32_t>() ==
        std::vector<int32_t>{0, kMax32, kMin32, -2});
  CHECK(tensor({kNan, kInf, -1e30, 7.9}).to_vector<int64_t>() == std::vector<int64_t>{0, kMax64, kMin64, 7});
}
