// exp, log and log1p for f32 written with arithmetic and bit operations only, so that the CPU's
// `omp simd` loops vectorise them: glibc's expf/log1pf are opaque calls, one element at a time,
// and took a tenth of a VAE training step. All three are within 2 ulp of the correctly rounded
// result (tests/core/test_fast_math.cpp checks every 61st f32 bit pattern in the suite and all
// 2^32 with TG_FAST_MATH_EXHAUSTIVE=1), with IEEE inf/NaN/subnormal behaviour. Every value is
// computed and then selected, never branched on; with -fno-trapping-math (CMakeLists.txt) GCC
// turns loops calling these into 8-wide AVX code. CUDA keeps its intrinsics (host use only).
#pragma once
#include <bit>
#include <cstdint>

namespace tg::fast {

// e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2]; ln 2 is split into
// a high part exact in f32 times n and a low part (Cody-Waite), e^r by its Taylor series to r^7
// (truncation below 0.35^8/8! = 5e-9). 2^n is applied in two halves so that results down in the
// subnormal range (n < -126) come out right.
inline float exp(float x) {
  const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
  float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
  // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer (ties to even) in one vector
  // instruction each, where roundeven would stop the loop from vectorising.
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = (xc - n * ln2_hi) - n * ln2_lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  auto ni = int32_t(n);
  int32_t n1 = ni / 2, n2 = ni - n1;
  float s1 = std::bit_cast<float>(uint32_t(n1 + 127) << 23), s2 = std::bit_cast<float>(uint32_t(n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > 88.7228394f ? __builtin_inff() : y;
  y = x < -103.972084f ? 0.0f : y;
  return x != x ? x : y;
}

// e ln 2 + log(1 + f) for |f| <= sqrt(2) - 1, with s = f / (2 + f):
//   log(1 + f) = 2 atanh(s) = 2s + s R,  R = 2s^2/3 + 2s^4/5 + ... + 2s^10/11  (|s| <= 0.172)
// and 2s rewritten as f - f^2/2 + s f^2/2, so that the exact f leads and rounding stays below 1 ulp.
// ln 2 is split in a high part exact in f32 times e and a low part.
inline float log_reduced(int32_t e, float f, float correction = 0.0f) {
  float s = f / (2.0f + f), z = s * s;
  float r = 2.0f / 11;
  r = r * z + 2.0f / 9;
  r = r * z + 2.0f / 7;
  r = r * z + 2.0f / 5;
  r = r * z + 2.0f / 3;
  r = r * z;
  float hfsq = 0.5f * f * f;
  return float(e) * 0.693145751953125f + (f - hfsq + s * (hfsq + r) + (float(e) * 1.428606765330187e-06f + correction));
}

// u = m 2^e with m in [sqrt(1/2), sqrt(2)); adding 1 - sqrt(1/2) to u's bits moves the exponent
// boundary from m = 1 down to m = sqrt(1/2). Subnormal u is scaled by 2^24 first, with arithmetic
// on the flag rather than selects, which GCC would turn back into branches here. (Two functions
// rather than one returning a struct: a struct in an `omp simd` loop stops it vectorising.)
inline uint32_t reduced_bits(float u) {
  float tiny = u < 1.17549435e-38f ? 1.0f : 0.0f;
  return std::bit_cast<uint32_t>(u * (1.0f + tiny * 16777215.0f)) + (0x3f800000u - 0x3f3504f3u);
}
inline int32_t reduced_exponent(float u) {
  int32_t tiny = u < 1.17549435e-38f;
  return int32_t(reduced_bits(u) >> 23) - 127 - 24 * tiny;
}
inline float reduced_mantissa(float u) { return std::bit_cast<float>((reduced_bits(u) & 0x007fffffu) + 0x3f3504f3u); }

// log(u): u = 0 gives -inf, u < 0 NaN; +inf and NaN pass through.
inline float log(float u) {
  float y = log_reduced(reduced_exponent(u), reduced_mantissa(u) - 1.0f);
  y = u == 0.0f ? -__builtin_inff() : y;
  y = u < 0.0f ? __builtin_nanf("") : y;
  y = u == __builtin_inff() ? u : y;
  return u != u ? u : y;  // one select per case: combined masks stop GCC vectorising
}

// log(1 + x): with u = 1 + x rounded, f = x exactly when u needs no scaling (e = 0); otherwise
// f = m - 1 is exact and the rounding error of u is added back as (x - (u - 1)) / u.
inline float log1p(float x) {
  float u = 1.0f + x;
  int32_t e = reduced_exponent(u);
  float rounding = (x - (u - 1.0f)) / u, m_minus_1 = reduced_mantissa(u) - 1.0f;
  float f = e == 0 ? x : m_minus_1;
  float correction = e == 0 ? 0.0f : rounding;
  float y = log_reduced(e, f, correction);
  y = x == -1.0f ? -__builtin_inff() : y;
  y = x < -1.0f ? __builtin_nanf("") : y;
  y = x == __builtin_inff() ? x : y;
  return x != x ? x : y;
}

}  // namespace tg::fast
