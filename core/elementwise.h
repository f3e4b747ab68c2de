// The elementwise op table: one entry per op gives its name, its per-element math and its
// derivative. From this table come the UnaryOp/BinaryOp enums the backends switch on, the
// per-element functions both backends call (the CPU in OpenMP loops, CUDA in grid-stride kernels),
// the tape's op list with the user-facing names (autograd/op_list.h), the backward rules
// (autograd/ops/elementwise.cpp) and the table-driven tests. docs/architecture.md has the recipe
// for adding an op.
//
// The derivative columns are expressions in tg ops (dy, x, y, p0, p1 for unary ops; dy, a, b, y
// for binary ones) and are compiled only by autograd/ops/elementwise.cpp: core never expands them.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/macros.h"
#ifndef __CUDACC__
#include "core/fast_math.h"
#endif

namespace tg {

// What an op accepts: any dtype, or floating only (an integer input is an error).
enum class Accepts : uint8_t { Any, Floating };
// What the backward rule keeps from the forward pass (unary: x; binary: a and b).
enum class Saves : uint8_t { Nothing, Input, Output, InputAndOutput };
// Where the table-driven gradcheck samples an op's input: where it is smooth.
//   AwayFromKinks: values at least 0.2 from 0, -0.5 and 0.7 (the kinks of relu, abs, clamp ...).
enum class Domain : uint8_t { Real, Positive, AboveMinusOne, AwayFromKinks };

// X(Name, name, kind, accepts, math(x, p0, p1), saves, derivative(dy, x, y, p0, p1), domain)
//   name: the user-facing function; kind: Primitive (differentiable) or NoGrad;
//   math: the value in the compute type C (float for f16/bf16); p0, p1: the op's scalar parameters.
// Ops of x alone: `Tensor name(const Tensor& x)` is generated from the entry.
#define TG_PLAIN_UNARY_TABLE(X)                                                                            \
  X(Neg, neg, Primitive, Any, -x, Nothing, -dy, Real)                                                      \
  X(Exp, exp, Primitive, Floating, exp_of(x), Output, dy * y, Real)                                        \
  X(Log, log, Primitive, Floating, log_of(x), Input, dy / x, Positive)                                     \
  X(Log1p, log1p, Primitive, Floating, log1p_of(x), Input, dy / (x + 1.0), AboveMinusOne)                  \
  X(Sqrt, sqrt, Primitive, Floating, std::sqrt(x), Output, dy * 0.5 / y, Positive)                         \
  X(Abs, abs, Primitive, Any, x < C(0) ? -x : x, Input, dy * sign(x), AwayFromKinks)                       \
  X(Sign, sign, NoGrad, Any, C((x > C(0)) - (x < C(0))), Nothing, Tensor(), Real)                           \
  X(Tanh, tanh, Primitive, Floating, std::tanh(x), Output, dy * (1.0 - square(y)), Real)                   \
  X(Sigmoid, sigmoid, Primitive, Floating, sigmoid_of(x), Output, dy * y * (1.0 - y), Real)                \
  /* relu passes NaN through, as PyTorch's does */                                                         \
  X(Relu, relu, Primitive, Any, x < C(0) ? C(0) : x, Input, dy * gt(x, 0.0), AwayFromKinks)                \
  X(Erf, erf, Primitive, Floating, std::erf(x), Input, dy * exp(-square(x)) * M_2_SQRTPI, Real)           \
  X(Reciprocal, reciprocal, Primitive, Floating, C(1) / x, Output, -(dy * square(y)), Positive)            \
  X(Square, square, Primitive, Any, x * x, Input, dy * (x * 2.0), Real)                                    \
  X(Sin, sin, Primitive, Floating, std::sin(x), Input, dy * cos(x), Real)                                  \
  X(Cos, cos, Primitive, Floating, std::cos(x), Input, -(dy * sin(x)), Real)                             \
  X(Silu, silu, Primitive, Floating, x * sigmoid_of(x), InputAndOutput, dy * silu_grad(x, y), Real)

// Ops with scalar parameters: their functions (leaky_relu(x, slope), ...) are written by hand in
// autograd/ops/elementwise.cpp and pass the parameters as p0, p1.
#define TG_PARAM_UNARY_TABLE(X)                                                                            \
  X(LeakyRelu, leaky_relu, Primitive, Floating, x > C(0) ? x : x * p0, Input,                              \
    dy * where(gt(x, 0.0), ones_like(x), full_like(x, p0)), AwayFromKinks)                                 \
  X(Gelu, gelu, Primitive, Floating, gelu_of(x), Input, dy * gelu_grad(x), Real)                           \
  X(GeluTanh, gelu, Primitive, Floating, gelu_tanh_of(x), Input, dy * gelu_tanh_grad(x), Real)             \
  /* softplus(x; beta = p0, threshold = p1) */                                                             \
  X(Softplus, softplus, Primitive, Floating, softplus_of(x, p0, p1), Input, dy * softplus_grad(x, p0, p1), \
    AwayFromKinks)                                                                                         \
  /* clamp passes NaN through: both comparisons are false */                                              \
  X(Clamp, clamp, Primitive, Floating, x < p0 ? p0 : (x > p1 ? p1 : x), Input,                             \
    dy * ge(x, p0) * le(x, p1), AwayFromKinks)                                                             \
  X(AddScalar, add, Primitive, Any, x + p0, Nothing, dy, Real)                                             \
  X(MulScalar, mul, Primitive, Any, x * p0, Nothing, dy * p0, Real)                                        \
  X(DivScalar, div, Primitive, Floating, x / p0, Nothing, dy / p0, Real)                                   \
  X(PowScalar, pow, Primitive, Floating, p0 == C(2) ? x * x : C(std::pow(x, p0)), Input,                   \
    dy * pow_scalar_grad(x, p0), Positive)

#define TG_UNARY_TABLE(X) TG_PLAIN_UNARY_TABLE(X) TG_PARAM_UNARY_TABLE(X)

// X(Name, name, kind, math(a, b), saves, derivative da(dy, a, b, y), derivative db(dy, a, b, y))
// Both inputs broadcast; the backward sums each gradient back to its input's shape.
#define TG_BINARY_TABLE(X)                                                                                 \
  X(Add, add, Primitive, a + b, Nothing, dy, dy)                                                           \
  X(Sub, sub, Primitive, a - b, Nothing, dy, -dy)                                                          \
  X(Mul, mul, Primitive, a * b, Input, dy * b, dy * a)                                                     \
  X(Div, div, Primitive, a / b, Input, dy / b, -(dy * a / square(b)))                                     \
  X(Pow, pow, Primitive, C(std::pow(a, b)), InputAndOutput, pow_base_grad(dy, a, b),                       \
    pow_exponent_grad(dy, a, b, y))                                                                        \
  /* maximum/minimum propagate NaN from either input; the gradient is split evenly on ties */              \
  X(Maximum, maximum, Primitive, a > b || a != a ? a : b, Input, dy * (gt(a, b) + eq(a, b) * 0.5),        \
    dy * (lt(a, b) + eq(a, b) * 0.5))                                                                      \
  X(Minimum, minimum, Primitive, a < b || a != a ? a : b, Input, dy * (lt(a, b) + eq(a, b) * 0.5),        \
    dy * (gt(a, b) + eq(a, b) * 0.5))                                                                      \
  /* comparisons return 1 or 0 in the inputs' dtype (tapegrad has no bool dtype) */                        \
  X(Eq, eq, NoGrad, C(a == b), Nothing, Tensor(), Tensor())                                                \
  X(Ne, ne, NoGrad, C(a != b), Nothing, Tensor(), Tensor())                                                \
  X(Lt, lt, NoGrad, C(a < b), Nothing, Tensor(), Tensor())                                                 \
  X(Le, le, NoGrad, C(a <= b), Nothing, Tensor(), Tensor())                                                \
  X(Gt, gt, NoGrad, C(a > b), Nothing, Tensor(), Tensor())                                                 \
  X(Ge, ge, NoGrad, C(a >= b), Nothing, Tensor(), Tensor())

#define TG_ENUM_ENTRY(Name, ...) Name,
enum class UnaryOp : uint8_t { TG_UNARY_TABLE(TG_ENUM_ENTRY) };
enum class BinaryOp : uint8_t { TG_BINARY_TABLE(TG_ENUM_ENTRY) };
#undef TG_ENUM_ENTRY

// ---- helpers the math column calls -------------------------------------------------------------

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

// sigmoid(x) = 1 / (1 + e^-x) = e^x / (1 + e^x), with e = e^-|x| so that exp never overflows.
template <class C>
TG_HD C sigmoid_of(C x) {
  C e = exp_of(x >= C(0) ? -x : x);
  return (x >= C(0) ? C(1) : e) / (C(1) + e);
}

// gelu(x) = x Phi(x) = x/2 (1 + erf(x / sqrt 2))  (the exact form, PyTorch's default)
template <class C>
TG_HD C gelu_of(C x) {
  return C(0.5) * x * (C(1) + std::erf(x * C(0.70710678118654752440)));
}

// gelu(x, approximate = tanh) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
template <class C>
TG_HD C gelu_tanh_of(C x) {
  return C(0.5) * x * (C(1) + std::tanh(C(0.79788456080286535588) * (x + C(0.044715) * x * x * x)));
}

// softplus(x; beta, threshold) = log(1 + e^(beta x)) / beta, and x itself where beta x > threshold
// (PyTorch's rule); log(1 + e^z) = max(z, 0) + log1p(e^-|z|) so that exp never overflows.
template <class C>
TG_HD C softplus_of(C x, C beta, C threshold) {
  C z = x * beta;
  if (z > threshold) return x;
  return ((z > C(0) ? z : C(0)) + log1p_of(exp_of(z > C(0) ? -z : z))) / beta;
}

// ---- the per-element functions the backends call ------------------------------------------------

template <UnaryOp OP> struct UnaryMath;
template <BinaryOp OP> struct BinaryMath;
#define TG_UNARY_MATH(Name, name, kind, accepts, math, ...)            \
  template <> struct UnaryMath<UnaryOp::Name> {                        \
    template <class C> TG_HD static C apply(C x, C p0, C p1) { return math; } \
  };
#define TG_BINARY_MATH(Name, name, kind, math, ...)            \
  template <> struct BinaryMath<BinaryOp::Name> {              \
    template <class C> TG_HD static C apply(C a, C b) { return math; } \
  };
TG_UNARY_TABLE(TG_UNARY_MATH)
TG_BINARY_TABLE(TG_BINARY_MATH)
#undef TG_UNARY_MATH
#undef TG_BINARY_MATH

template <UnaryOp OP, class C>
TG_HD C unary_fn(C x, C p0, C p1) {
  return UnaryMath<OP>::template apply<C>(x, p0, p1);
}
template <BinaryOp OP, class C>
TG_HD C binary_fn(C a, C b) {
  return BinaryMath<OP>::template apply<C>(a, b);
}

}  // namespace tg
