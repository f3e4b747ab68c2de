// Element types and the f16/bf16 storage types with their conversions, written once for host
// and device (TG_HD). Half types are storage only: arithmetic happens in float.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/macros.h"
#if !defined(__CUDA_ARCH__) && defined(__F16C__)
#include <immintrin.h>  // x86 F16C: f32 <-> f16 in one instruction on the host
#endif

namespace tg {

enum class DType : uint8_t { f32, f64, f16, bf16, i32, i64 };

TG_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}
TG_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

// IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
// float -> half rounds to nearest, ties to even, including into the subnormal range
// (smallest subnormal 2^-24) and overflow to inf; NaN stays NaN (quiet).
// These are the portable versions; float_to_half_bits / half_bits_to_float below use F16C where
// the host has it.
TG_HD uint16_t float_to_half_bits_portable(float f) {
  uint32_t x = float_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds to inf
  uint32_t exp = abs >> 23;
  if (exp < 113) {  // below 2^-14: subnormal half (or zero); value = m * 2^-24
    if (exp < 102) return uint16_t(sign);  // below 2^-25 rounds to zero
    uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - exp;  // value = mant * 2^(exp-150) = (mant >> shift) * 2^-24
    uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return uint16_t(sign | q);
  }
  // normal: rebias exponent 127 -> 15 and drop 13 mantissa bits with round-to-nearest-even.
  uint32_t h = ((exp - 112) << 10) | ((abs >> 13) & 0x3ffu);
  uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // carry may roll into exponent: correct
  return uint16_t(sign | h);
}

TG_HD float half_bits_to_float_portable(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);
    // subnormal: m * 2^-24, exactly representable in float
    float v = float(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
}

// With F16C the host converts in one instruction, with the same rounding, subnormals and overflow:
// f16 compute on the CPU converts every operand in and out, and the portable conversion made an
// f16 training step 3.5x slower than bf16's (examples/mixed_precision). NaN takes the portable path,
// which gives the canonical quiet NaN whatever the payload.
TG_HD uint16_t float_to_half_bits(float f) {
#if !defined(__CUDA_ARCH__) && defined(__F16C__)
  if (f != f) return float_to_half_bits_portable(f);
  return uint16_t(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
#else
  return float_to_half_bits_portable(f);
#endif
}
TG_HD float half_bits_to_float(uint16_t h) {
#if !defined(__CUDA_ARCH__) && defined(__F16C__)
  return _cvtsh_ss(h);
#else
  return half_bits_to_float_portable(h);
#endif
}

// bfloat16 is the top half of a float: round to nearest even on the dropped 16 bits.
TG_HD uint16_t float_to_bf16_bits(float f) {
  uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1u);
  return uint16_t(x >> 16);
}
TG_HD float bf16_bits_to_float(uint16_t b) { return bits_float(uint32_t(b) << 16); }

struct half {
  uint16_t bits = 0;
  half() = default;
  TG_HD explicit half(float f) : bits(float_to_half_bits(f)) {}
  TG_HD operator float() const { return half_bits_to_float(bits); }
  TG_HD static half from_bits(uint16_t b) { half h; h.bits = b; return h; }
};
struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  TG_HD explicit bfloat16(float f) : bits(float_to_bf16_bits(f)) {}
  TG_HD operator float() const { return bf16_bits_to_float(bits); }
  TG_HD static bfloat16 from_bits(uint16_t b) { bfloat16 h; h.bits = b; return h; }
};

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: case DType::i32: return 4;
    case DType::f64: case DType::i64: return 8;
    case DType::f16: case DType::bf16: return 2;
  }
  return 0;
}
constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
  }
  return "?";
}
constexpr bool is_floating(DType t) { return t != DType::i32 && t != DType::i64; }
// The 16-bit storage types (mixed precision's compute dtypes).
constexpr bool is_half(DType t) { return t == DType::f16 || t == DType::bf16; }

// torch.finfo's two most used numbers for a floating dtype: eps, the gap between 1 and the next
// value, and tiny, the smallest positive normal number (clamps that keep logs finite).
struct FInfo {
  double eps, tiny;
};
constexpr FInfo finfo(DType t) {
  switch (t) {
    case DType::f64: return {2.220446049250313e-16, 2.2250738585072014e-308};
    case DType::f16: return {9.765625e-4, 6.103515625e-5};
    case DType::bf16: return {7.8125e-3, 1.1754943508222875e-38};
    default: return {1.1920928955078125e-7, 1.1754943508222875e-38};  // f32 (integers: unused)
  }
}

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<half> { static constexpr DType value = DType::f16; };
template <> struct dtype_of<bfloat16> { static constexpr DType value = DType::bf16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };

// The type arithmetic happens in: float for the half types, the type itself otherwise.
template <class T> struct compute_type { using type = T; };
template <> struct compute_type<half> { using type = float; };
template <> struct compute_type<bfloat16> { using type = float; };
template <class T> using compute_t = typename compute_type<T>::type;

// The one rule for converting an element to another dtype, on every backend (cast, fill):
// through the compute types, with floating -> integer defined where C++ leaves it undefined.
// NaN becomes 0; values at or past the integer's range (+-inf included) saturate to its min or
// max; the rest truncate toward zero. (PyTorch leaves these cases undefined: x86 gives INT_MIN
// for all of them, CUDA saturates.) Integer -> narrower integer wraps modulo 2^bits, as in C++20.
template <class O, class I>
TG_HD O cast_element(I x) {
  using CO = compute_t<O>;
  using CI = compute_t<I>;
  const CI v = CI(x);
  if constexpr (std::is_integral_v<CO> && !std::is_integral_v<CI>) {
    // -2^(bits-1) and 2^(bits-1) are powers of two, exact in float and double.
    constexpr CI lo = CI(std::numeric_limits<CO>::min()), hi = -lo;
    if (v != v) return O(0);
    if (v <= lo) return O(std::numeric_limits<CO>::min());
    if (v >= hi) return O(std::numeric_limits<CO>::max());
  }
  return O(CO(v));
}

// Calls fn(T{}) with T the C++ type of `t`: the one place dtype switches are written.
template <class Fn> decltype(auto) dispatch_dtype(DType t, Fn&& fn) {
  switch (t) {
    case DType::f32: return fn(float{});
    case DType::f64: return fn(double{});
    case DType::f16: return fn(half{});
    case DType::bf16: return fn(bfloat16{});
    case DType::i32: return fn(int32_t{});
    case DType::i64: return fn(int64_t{});
  }
  return fn(float{});
}

}  // namespace tg
