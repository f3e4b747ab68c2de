// Elementwise ops, driven by the op table in core/elementwise.h: one generic forward for unary
// and one for binary ops (kernel through raw::, then record a node), and the backward rules
// generated from the table's derivative columns, written in tg ops so they run on every backend
// and can be differentiated again. Broadcast inputs get their gradient summed back with sum_to.
#include "autograd/ops/elementwise.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "core/creation.h"
#include "core/promotion.h"

namespace tg {
namespace {

// ---- helpers the derivative columns call ------------------------------------------------------

// d gelu = Phi(x) + x phi(x),  Phi(x) = (1 + erf(x / sqrt 2)) / 2,  phi(x) = e^(-x^2/2) / sqrt(2 pi)
Tensor gelu_grad(const Tensor& x) {
  Tensor cdf = (erf(x * M_SQRT1_2) + 1.0) * 0.5;
  Tensor pdf = exp(square(x) * -0.5) * (0.5 * M_2_SQRTPI * M_SQRT1_2);
  return cdf + x * pdf;
}

// gelu_tanh = x/2 (1 + t), t = tanh(u), u = k (x + c x^3):
//   d/dx = (1 + t)/2 + x/2 (1 - t^2) k (1 + 3 c x^2),  k = sqrt(2/pi), c = 0.044715
Tensor gelu_tanh_grad(const Tensor& x) {
  constexpr double k = 0.79788456080286535588, c = 0.044715;
  Tensor t = tanh((x + pow(x, 3.0) * c) * k);
  return (t + 1.0) * 0.5 + x * 0.5 * (1.0 - square(t)) * ((square(x) * (3 * c) + 1.0) * k);
}

// silu = y = x s, s = sigmoid(x):  d/dx = s + x s (1 - s) = s (1 + x - y), from the saved output
// in five elementwise passes instead of seven.
Tensor silu_grad(const Tensor& x, const Tensor& y) { return sigmoid(x) * (x - y + 1.0); }

// d softplus(x; beta, threshold) = sigmoid(beta x), and 1 where beta x > threshold (x itself there)
Tensor softplus_grad(const Tensor& x, double beta, double threshold) {
  Tensor z = x * beta;
  return where(gt(z, threshold), ones_like(x), sigmoid(z));
}

// d x^p / dx = p x^(p-1)
Tensor pow_scalar_grad(const Tensor& x, double p) { return p == 2 ? x * 2.0 : pow(x, p - 1) * p; }

// d a^b / da = b a^(b-1), taken as 0 where b = 0 (PyTorch's rule: 0^0 has slope 0 in a)
Tensor pow_base_grad(const Tensor& dy, const Tensor& a, const Tensor& b) {
  Tensor slope = b * pow(a, b - 1.0);
  return dy * where(eq(b, 0.0), zeros_like(slope), slope);
}

// d a^b / db = a^b log a: NaN where a < 0 (log of a negative number), as in PyTorch; 0 where a = 0
// and b >= 0, where the limit exists.
Tensor pow_exponent_grad(const Tensor& dy, const Tensor& a, const Tensor& b, const Tensor& y) {
  Tensor slope = y * log(a);
  return dy * where(eq(a, 0.0) * ge(b, 0.0), zeros_like(slope), slope);
}

// ---- the backward rules, generated from the table ---------------------------------------------

using UnaryDerivative = Tensor (*)(const Tensor& dy, const Tensor& x, const Tensor& y, double p0, double p1);
using BinaryDerivative = Tensor (*)(const Tensor& dy, const Tensor& a, const Tensor& b, const Tensor& y);

struct UnaryRule {
  Op op;
  Accepts accepts;
  Saves saves;
  UnaryDerivative dx;
};
struct BinaryRule {
  Op op;
  Saves saves;
  BinaryDerivative da, db;
};

#define TG_UNARY_DERIVATIVE(Name, name, kind, accepts, math, saves, derivative, ...) \
  Tensor d_##Name(const Tensor& dy, const Tensor& x, const Tensor& y, double p0, double p1) { return derivative; }
#define TG_BINARY_DERIVATIVE(Name, name, kind, math, saves, da, db)                                    \
  Tensor da_##Name(const Tensor& dy, const Tensor& a, const Tensor& b, const Tensor& y) { return da; } \
  Tensor db_##Name(const Tensor& dy, const Tensor& a, const Tensor& b, const Tensor& y) { return db; }
TG_UNARY_TABLE(TG_UNARY_DERIVATIVE)
TG_BINARY_TABLE(TG_BINARY_DERIVATIVE)
#undef TG_UNARY_DERIVATIVE
#undef TG_BINARY_DERIVATIVE

const UnaryRule& rule(UnaryOp k) {
#define TG_UNARY_RULE(Name, name, kind, accepts, math, saves, ...) {Op::Name, Accepts::accepts, Saves::saves, &d_##Name},
  static const UnaryRule rules[] = {TG_UNARY_TABLE(TG_UNARY_RULE)};
#undef TG_UNARY_RULE
  return rules[int(k)];
}

const BinaryRule& rule(BinaryOp k) {
#define TG_BINARY_RULE(Name, name, kind, math, saves, ...) {Op::Name, Saves::saves, &da_##Name, &db_##Name},
  static const BinaryRule rules[] = {TG_BINARY_TABLE(TG_BINARY_RULE)};
#undef TG_BINARY_RULE
  return rules[int(k)];
}

bool saves_input(Saves s) { return s == Saves::Input || s == Saves::InputAndOutput; }
bool saves_output(Saves s) { return s == Saves::Output || s == Saves::InputAndOutput; }

// Whether input i of the node being differentiated needs a gradient at all.
bool wants(const Node& self, size_t i) { return self.inputs[i] != nullptr; }

Tensor scalar_like(const Tensor& t, double v) { return full({}, v, {.dtype = t.dtype(), .device = t.device()}); }

}  // namespace

Tensor unary(UnaryOp k, const Tensor& x, double p0, double p1) {
  const UnaryRule& r = rule(k);
  if (r.accepts == Accepts::Floating && !is_floating(x.dtype())) return unary(k, cast(x, DType::f32), p0, p1);
  Tensor out = raw::unary(k, x, p0, p1);
  if (op_kind(r.op) == OpKind::Primitive && needs_grad(x) && r.saves == Saves::Nothing) {
    // Nothing saved (neg, x + s, x * s, x / s): a capture small enough for std::function's inline
    // buffer, so recording allocates no closure (the tape-overhead bench is a chain of these).
    record(r.op, out, {x}, [dx = r.dx, p0](const Tensor& dy, Node&) -> Grads { return {dx(dy, {}, {}, p0, 0)}; });
  } else if (op_kind(r.op) == OpKind::Primitive && needs_grad(x)) {
    // The rule keeps only what the table says it reads: x, y (through the node), or nothing.
    Tensor saved_x = saves_input(r.saves) ? x : Tensor();
    bool keep_y = saves_output(r.saves);
    record(r.op, out, {x}, [saved_x, keep_y, p0, p1, dx = r.dx](const Tensor& dy, Node& self) -> Grads {
      return {dx(dy, saved_x, keep_y ? self.output() : Tensor(), p0, p1)};
    }, {.tensors = {saved_x}, .output = keep_y});
  }
  return out;
}

Tensor binary(BinaryOp k, const Tensor& a, const Tensor& b) {
  const BinaryRule& r = rule(k);
  if (a.dtype() != b.dtype() || (k == BinaryOp::Div && !is_floating(a.dtype()))) {
    DType t = result_type(a.dtype(), a.dim() == 0, b.dtype(), b.dim() == 0);
    if (k == BinaryOp::Div && !is_floating(t)) t = DType::f32;  // true division
    return binary(k, a.to(t), b.to(t));
  }
  Tensor out = raw::binary(r.op, k, a, b);
  if (op_kind(r.op) == OpKind::Primitive && needs_grad(a, b)) {
    Tensor sa = saves_input(r.saves) ? a : Tensor(), sb = saves_input(r.saves) ? b : Tensor();
    bool keep_y = saves_output(r.saves);
    record(r.op, out, {a, b},
           [sa, sb, keep_y, shape_a = a.shape(), shape_b = b.shape(), r](const Tensor& dy, Node& self) -> Grads {
             Tensor y = keep_y ? self.output() : Tensor();
             return {wants(self, 0) ? sum_to(r.da(dy, sa, sb, y), shape_a) : Tensor(),
                     wants(self, 1) ? sum_to(r.db(dy, sa, sb, y), shape_b) : Tensor()};
           },
           {.tensors = {sa, sb}, .output = keep_y});
  }
  return out;
}

// The ops of x alone, one per entry of TG_PLAIN_UNARY_TABLE.
#define TG_DEFINE_PLAIN(Name, name, ...) \
  Tensor name(const Tensor& x) { return unary(UnaryOp::Name, x); }
TG_PLAIN_UNARY_TABLE(TG_DEFINE_PLAIN)
#undef TG_DEFINE_PLAIN

#define TG_DEFINE_BINARY(Name, name, ...) \
  Tensor name(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Name, a, b); }
TG_BINARY_TABLE(TG_DEFINE_BINARY)
#undef TG_DEFINE_BINARY

// ---- ops with scalar parameters ---------------------------------------------------------------

// A tensor and a number: an integer tensor with a floating number is computed in f32 (PyTorch).
static Tensor promoted(const Tensor& a, Scalar s) {
  DType t = result_type(a.dtype(), s.integral);
  return t == a.dtype() ? a : a.to(t);
}
Tensor add(const Tensor& a, Scalar s) { return unary(UnaryOp::AddScalar, promoted(a, s), s.value); }
Tensor mul(const Tensor& a, Scalar s) { return unary(UnaryOp::MulScalar, promoted(a, s), s.value); }
Tensor div(const Tensor& a, Scalar s) { return unary(UnaryOp::DivScalar, a, s.value); }
Tensor pow(const Tensor& x, double p) { return unary(UnaryOp::PowScalar, x, p); }
Tensor leaky_relu(const Tensor& x, double slope) { return unary(UnaryOp::LeakyRelu, x, slope); }
Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  return unary(approximate == GeluApproximate::tanh ? UnaryOp::GeluTanh : UnaryOp::Gelu, x);
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
  TG_CHECK(beta != 0, "softplus: beta must be non-zero");
  return unary(UnaryOp::Softplus, x, beta, threshold);
}
Tensor clamp(const Tensor& x, double lo, double hi) {
  TG_CHECK(!(lo > hi), "clamp: lower bound {} is above upper bound {}", lo, hi);
  return unary(UnaryOp::Clamp, x, lo, hi);
}

// ---- where, comparisons with numbers, casts and moves -----------------------------------------

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) {
    DType t = result_type(a.dtype(), a.dim() == 0, b.dtype(), b.dim() == 0);
    return where(cond, a.to(t), b.to(t));
  }
  Tensor out = raw::where(cond, a, b);
  if (needs_grad(a, b))
    record(Op::Where, out, {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& dy, Node& self) -> Grads {
      Tensor zero = scalar_like(dy, 0.0);
      return {wants(self, 0) ? sum_to(where(cond, dy, zero), sa) : Tensor(),
              wants(self, 1) ? sum_to(where(cond, zero, dy), sb) : Tensor()};
    }, {.tensors = {cond}});
  return out;
}

// a compared with a number: an integer tensor against a fraction (or inf, NaN) is compared in f32,
// as PyTorch does, rather than against the number truncated to an integer.
static Tensor compare_number(BinaryOp k, const Tensor& a, double s) {
  bool whole = std::isfinite(s) && s == std::trunc(s);
  Tensor x = is_floating(a.dtype()) || whole ? a : a.to(DType::f32);
  return binary(k, x, scalar_like(x, s));
}
Tensor eq(const Tensor& a, double s) { return compare_number(BinaryOp::Eq, a, s); }
Tensor ne(const Tensor& a, double s) { return compare_number(BinaryOp::Ne, a, s); }
Tensor lt(const Tensor& a, double s) { return compare_number(BinaryOp::Lt, a, s); }
Tensor le(const Tensor& a, double s) { return compare_number(BinaryOp::Le, a, s); }
Tensor gt(const Tensor& a, double s) { return compare_number(BinaryOp::Gt, a, s); }
Tensor ge(const Tensor& a, double s) { return compare_number(BinaryOp::Ge, a, s); }

Tensor cast(const Tensor& x, DType dtype) {
  Tensor out = raw::cast(x, dtype);
  if (needs_grad(x)) {
    TG_CHECK(is_floating(dtype), "cast: {} requires grad, but {} cannot carry a gradient; detach() it first",
             describe(x), dtype_name(dtype));
    record(Op::Cast, out, {x}, [from = x.dtype()](const Tensor& dy, Node&) -> Grads { return {cast(dy, from)}; });
  }
  return out;
}

}  // namespace tg
