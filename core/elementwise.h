// Per-element math, written once and called by every backend: the CPU maps these functions
// over OpenMP loops, CUDA calls them from grid-stride kernels. Adding an elementwise op is one
// entry in the X-list and one `if constexpr` branch. C is the compute type (float for the
// half types); p0/p1 are the scalar parameters some ops take (slope, exponent, bounds).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/macros.h"
#ifndef __CUDACC__
#include "core/fast_math.h"
#endif

namespace tg {

#define TG_UNARY_OPS(X)                                                                            \
  X(Neg) X(Exp) X(Log) X(Log1p) X(Sqrt) X(Abs) X(Sign) X(Tanh) X(Sigmoid) X(Relu) X(LeakyRelu)      \
  X(Gelu) X(Erf) X(Softplus) X(Clamp) X(AddScalar) X(MulScalar) X(PowScalar) X(Reciprocal)         \
  X(Square)

#define TG_BINARY_OPS(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum) X(Eq) X(Ne) X(Lt) X(Le) X(Gt) X(Ge)

#define TG_ENUM_ENTRY(name) name,
enum class UnaryOp : uint8_t { TG_UNARY_OPS(TG_ENUM_ENTRY) };
enum class BinaryOp : uint8_t { TG_BINARY_OPS(TG_ENUM_ENTRY) };
#undef TG_ENUM_ENTRY

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);

// exp, log and log1p of the compute type: f32 on the host through core/fast_math.h (vectorisable,
// within 2 ulp), everything else (f64, device code) through the C library.
template <class C>
TG_HD C exp_of(C x) {
#ifndef __CUDACC__
  if constexpr (sizeof(C) == 4) return fast::exp(x);
#endif
  return std::exp(x);
}
template <class C>
TG_HD C log_of(C x) {
#ifndef __CUDACC__
  if constexpr (sizeof(C) == 4) return fast::log(x);
#endif
  return std::log(x);
}
template <class C>
TG_HD C log1p_of(C x) {
#ifndef __CUDACC__
  if constexpr (sizeof(C) == 4) return fast::log1p(x);
#endif
  return std::log1p(x);
}

template <UnaryOp OP, class C>
TG_HD C unary_fn(C x, C p0, C p1) {
  using std::abs;
  if constexpr (OP == UnaryOp::Neg) return -x;
  else if constexpr (OP == UnaryOp::Exp) return exp_of(x);
  else if constexpr (OP == UnaryOp::Log) return log_of(x);
  else if constexpr (OP == UnaryOp::Log1p) return log1p_of(x);
  else if constexpr (OP == UnaryOp::Sqrt) return std::sqrt(x);
  else if constexpr (OP == UnaryOp::Abs) return x < C(0) ? -x : x;
  else if constexpr (OP == UnaryOp::Sign) return C((x > C(0)) - (x < C(0)));
  else if constexpr (OP == UnaryOp::Tanh) return std::tanh(x);
  // sigmoid(x) = 1 / (1 + e^-x) = e^x / (1 + e^x), with e = e^-|x| so that exp never overflows.
  else if constexpr (OP == UnaryOp::Sigmoid) {
    C e = exp_of(x >= C(0) ? -x : x);
    return (x >= C(0) ? C(1) : e) / (C(1) + e);
  } else if constexpr (OP == UnaryOp::Relu) return x > C(0) ? x : C(0);
  else if constexpr (OP == UnaryOp::LeakyRelu) return x > C(0) ? x : x * p0;
  // gelu(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))  (the exact form, PyTorch's default)
  else if constexpr (OP == UnaryOp::Gelu) return C(0.5) * x * (C(1) + std::erf(x * C(0.70710678118654752440)));
  else if constexpr (OP == UnaryOp::Erf) return std::erf(x);
  // softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
  else if constexpr (OP == UnaryOp::Softplus) return (x > C(0) ? x : C(0)) + log1p_of(exp_of(x > C(0) ? -x : x));
  else if constexpr (OP == UnaryOp::Clamp) return x < p0 ? p0 : (x > p1 ? p1 : x);
  else if constexpr (OP == UnaryOp::AddScalar) return x + p0;
  else if constexpr (OP == UnaryOp::MulScalar) return x * p0;
  else if constexpr (OP == UnaryOp::PowScalar) return p0 == C(2) ? x * x : C(std::pow(x, p0));
  else if constexpr (OP == UnaryOp::Reciprocal) return C(1) / x;
  else if constexpr (OP == UnaryOp::Square) return x * x;
  else static_assert(OP != OP, "unary op without a per-element function");
}

template <BinaryOp OP, class C>
TG_HD C binary_fn(C a, C b) {
  if constexpr (OP == BinaryOp::Add) return a + b;
  else if constexpr (OP == BinaryOp::Sub) return a - b;
  else if constexpr (OP == BinaryOp::Mul) return a * b;
  else if constexpr (OP == BinaryOp::Div) return a / b;
  else if constexpr (OP == BinaryOp::Pow) return C(std::pow(a, b));
  else if constexpr (OP == BinaryOp::Maximum) return a > b ? a : b;
  else if constexpr (OP == BinaryOp::Minimum) return a < b ? a : b;
  // comparisons return 1 or 0 in the inputs' dtype (tapegrad has no bool dtype)
  else if constexpr (OP == BinaryOp::Eq) return C(a == b);
  else if constexpr (OP == BinaryOp::Ne) return C(a != b);
  else if constexpr (OP == BinaryOp::Lt) return C(a < b);
  else if constexpr (OP == BinaryOp::Le) return C(a <= b);
  else if constexpr (OP == BinaryOp::Gt) return C(a > b);
  else if constexpr (OP == BinaryOp::Ge) return C(a >= b);
  else static_assert(OP != OP, "binary op without a per-element function");
}

}  // namespace tg
