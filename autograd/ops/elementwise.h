// Elementwise ops with NumPy broadcasting, their scalar forms and the C++ operators.
// Forward kernels come from core/elementwise.h; backward rules are in elementwise.cpp.
#pragma once
#include <concepts>

#include "core/elementwise.h"
#include "core/tensor.h"

namespace tg {

// A number given to an op beside a tensor. As in PyTorch, an integral number keeps an integer
// tensor integral (i64 + 2 is i64) and a floating one promotes it to f32 (i64 * 0.5 is f32).
struct Scalar {
  double value;
  bool integral;
  Scalar(double v) : value(v), integral(false) {}
  template <std::integral I>
  Scalar(I v) : value(double(v)), integral(true) {}
  Scalar operator-() const {
    Scalar negated = *this;
    negated.value = -value;
    return negated;
  }
};

// Binary ops broadcast (NumPy rules) and promote mixed dtypes as PyTorch does (core/promotion.h);
// div is true division (integer inputs give f32).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);  // a^b; d/db is NaN where a < 0, as in PyTorch
Tensor maximum(const Tensor& a, const Tensor& b);  // NaN from either input propagates
Tensor minimum(const Tensor& a, const Tensor& b);

Tensor add(const Tensor& a, Scalar s);
Tensor mul(const Tensor& a, Scalar s);
Tensor div(const Tensor& a, Scalar s);  // x / s, rounded once (not x * (1/s))
Tensor pow(const Tensor& a, double p);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
enum class GeluApproximate { none, tanh };
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::none);  // none: x * Phi(x)
Tensor erf(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor reciprocal(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor silu(const Tensor& x);  // x * sigmoid(x), a.k.a. swish
Tensor sign(const Tensor& x);  // no gradient (zero almost everywhere)

// Any entry of the table in core/elementwise.h by its enum, with its scalar parameters: what the
// functions above call, and what the table-driven tests iterate. An integer input to an op that
// accepts only floating types is computed in f32, as in PyTorch.
Tensor unary(UnaryOp k, const Tensor& x, double p0 = 0, double p1 = 0);
Tensor binary(BinaryOp k, const Tensor& a, const Tensor& b);

// cond != 0 ? a : b, all three broadcast together; differentiable in a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Comparisons return 0/1 in the (promoted) inputs' dtype and carry no gradient.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double s);
Tensor ne(const Tensor& a, double s);
Tensor lt(const Tensor& a, double s);
Tensor le(const Tensor& a, double s);
Tensor gt(const Tensor& a, double s);
Tensor ge(const Tensor& a, double s);

// Differentiable cast (the gradient is cast back); same as x.to(dtype).
Tensor cast(const Tensor& x, DType dtype);
// x in f32 when it is f16/bf16, x itself otherwise: how reductions, layer norm and losses keep
// their sums in f32 whatever the storage type (a sum of f16 values leaves f16's range at 65504).
inline Tensor upcast_half(const Tensor& x) { return is_half(x.dtype()) ? cast(x, DType::f32) : x; }

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& a, Scalar s) { return add(a, s); }
inline Tensor operator+(Scalar s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, Scalar s) { return add(a, -s); }
inline Tensor operator-(Scalar s, const Tensor& a) { return add(neg(a), s); }
inline Tensor operator*(const Tensor& a, Scalar s) { return mul(a, s); }
inline Tensor operator*(Scalar s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, Scalar s) { return div(a, s); }
// s / a as PyTorch computes it: reciprocal(a) * s.
inline Tensor operator/(Scalar s, const Tensor& a) { return mul(reciprocal(a), s); }

}  // namespace tg
