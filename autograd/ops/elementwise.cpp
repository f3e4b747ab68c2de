// Elementwise ops: forward through raw:: kernels, backward rules in tg ops next to each
// forward (so they run on every backend and can be differentiated again). Broadcast inputs get
// their gradient summed back to their own shape with sum_to.
#include "autograd/ops/elementwise.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "core/creation.h"

namespace tg {
namespace {

// Whether input i of the node being differentiated needs a gradient at all.
bool wants(const Node& self, size_t i) { return self.inputs[i] != nullptr; }

Tensor scalar_like(const Tensor& t, double v) { return full({}, v, {.dtype = t.dtype(), .device = t.device()}); }

// A unary op whose backward is dx = dy * local(x, y): one place for the record boilerplate.
template <class Local>
Tensor unary_op(Op op, UnaryOp k, const Tensor& x, double p0, double p1, bool save_output, Local local) {
  raw::check_floating(op, x);
  Tensor out = raw::unary(k, x, p0, p1);
  if (needs_grad(x))
    record(op, out, {x}, [x, local](const Tensor& dy, Node& self) -> Grads { return {local(dy, x, self)}; },
           save_output);
  return out;
}

Tensor comparison(Op op, BinaryOp k, const Tensor& a, const Tensor& b) { return raw::binary(op, k, a, b); }

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = raw::binary(Op::Add, BinaryOp::Add, a, b);
  if (needs_grad(a, b))
    record(Op::Add, out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& dy, Node& self) -> Grads {
      return {wants(self, 0) ? sum_to(dy, sa) : Tensor(), wants(self, 1) ? sum_to(dy, sb) : Tensor()};
    });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = raw::binary(Op::Sub, BinaryOp::Sub, a, b);
  if (needs_grad(a, b))
    record(Op::Sub, out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& dy, Node& self) -> Grads {
      return {wants(self, 0) ? sum_to(dy, sa) : Tensor(), wants(self, 1) ? sum_to(neg(dy), sb) : Tensor()};
    });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = raw::binary(Op::Mul, BinaryOp::Mul, a, b);
  if (needs_grad(a, b))
    record(Op::Mul, out, {a, b}, [a, b](const Tensor& dy, Node& self) -> Grads {
      return {wants(self, 0) ? sum_to(mul(dy, b), a.shape()) : Tensor(),
              wants(self, 1) ? sum_to(mul(dy, a), b.shape()) : Tensor()};
    });
  return out;
}

// y = a / b:  dy/da = 1/b,  dy/db = -a / b^2
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = raw::binary(Op::Div, BinaryOp::Div, a, b);
  if (needs_grad(a, b))
    record(Op::Div, out, {a, b}, [a, b](const Tensor& dy, Node& self) -> Grads {
      return {wants(self, 0) ? sum_to(div(dy, b), a.shape()) : Tensor(),
              wants(self, 1) ? sum_to(neg(div(mul(dy, a), square(b))), b.shape()) : Tensor()};
    });
  return out;
}

// y = a^b:  dy/da = b a^(b-1),  dy/db = a^b log a  (taken as 0 where a <= 0, as PyTorch does at a = 0)
Tensor pow(const Tensor& a, const Tensor& b) {
  raw::check_floating(Op::Pow, a);
  Tensor out = raw::binary(Op::Pow, BinaryOp::Pow, a, b);
  if (needs_grad(a, b))
    record(Op::Pow, out, {a, b}, [a, b](const Tensor& dy, Node& self) -> Grads {
      Tensor da, db;
      if (wants(self, 0)) da = sum_to(mul(dy, mul(b, pow(a, add(b, -1.0)))), a.shape());
      if (wants(self, 1)) {
        Tensor positive = gt(a, 0.0);
        Tensor safe_a = where(positive, a, ones_like(a));
        db = sum_to(mul(dy, where(positive, mul(self.output(), log(safe_a)), zeros_like(a))), b.shape());
      }
      return {da, db};
    }, /*save_output=*/true);
  return out;
}

// max(a, b): the gradient goes to the larger input, split evenly on ties (as in PyTorch).
static Tensor extremum(Op op, BinaryOp k, const Tensor& a, const Tensor& b) {
  Tensor out = raw::binary(op, k, a, b);
  if (needs_grad(a, b))
    record(op, out, {a, b}, [a, b, k](const Tensor& dy, Node& self) -> Grads {
      Tensor wins_a = k == BinaryOp::Maximum ? gt(a, b) : lt(a, b);
      Tensor share_a = add(wins_a, mul(eq(a, b), 0.5));  // 1, 1/2 or 0
      Tensor share_b = add(neg(share_a), 1.0);
      return {wants(self, 0) ? sum_to(mul(dy, share_a), a.shape()) : Tensor(),
              wants(self, 1) ? sum_to(mul(dy, share_b), b.shape()) : Tensor()};
    });
  return out;
}
Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(Op::Maximum, BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(Op::Minimum, BinaryOp::Minimum, a, b); }

Tensor add(const Tensor& a, double s) {
  Tensor out = raw::unary(UnaryOp::AddScalar, a, s);
  if (needs_grad(a)) record(Op::AddScalar, out, {a}, [](const Tensor& dy, Node&) -> Grads { return {dy}; });
  return out;
}

Tensor mul(const Tensor& a, double s) {
  Tensor out = raw::unary(UnaryOp::MulScalar, a, s);
  if (needs_grad(a)) record(Op::MulScalar, out, {a}, [s](const Tensor& dy, Node&) -> Grads { return {mul(dy, s)}; });
  return out;
}

// d(x^p)/dx = p x^(p-1)
Tensor pow(const Tensor& x, double p) {
  return unary_op(Op::PowScalar, UnaryOp::PowScalar, x, p, 0, false, [p](const Tensor& dy, const Tensor& x, Node&) {
    return p == 2 ? mul(dy, mul(x, 2.0)) : mul(dy, mul(pow(x, p - 1), p));
  });
}

Tensor neg(const Tensor& x) {
  Tensor out = raw::unary(UnaryOp::Neg, x);
  if (needs_grad(x)) record(Op::Neg, out, {x}, [](const Tensor& dy, Node&) -> Grads { return {neg(dy)}; });
  return out;
}

Tensor exp(const Tensor& x) {  // d e^x = e^x
  return unary_op(Op::Exp, UnaryOp::Exp, x, 0, 0, true,
                  [](const Tensor& dy, const Tensor&, Node& self) { return mul(dy, self.output()); });
}
Tensor log(const Tensor& x) {  // d log x = 1/x
  return unary_op(Op::Log, UnaryOp::Log, x, 0, 0, false, [](const Tensor& dy, const Tensor& x, Node&) { return div(dy, x); });
}
Tensor log1p(const Tensor& x) {  // d log(1+x) = 1/(1+x)
  return unary_op(Op::Log1p, UnaryOp::Log1p, x, 0, 0, false,
                  [](const Tensor& dy, const Tensor& x, Node&) { return div(dy, add(x, 1.0)); });
}
Tensor sqrt(const Tensor& x) {  // d sqrt x = 1 / (2 sqrt x)
  return unary_op(Op::Sqrt, UnaryOp::Sqrt, x, 0, 0, true,
                  [](const Tensor& dy, const Tensor&, Node& self) { return div(mul(dy, 0.5), self.output()); });
}
Tensor abs(const Tensor& x) {  // d|x| = sign(x), 0 at 0
  return unary_op(Op::Abs, UnaryOp::Abs, x, 0, 0, false, [](const Tensor& dy, const Tensor& x, Node&) { return mul(dy, sign(x)); });
}
Tensor tanh(const Tensor& x) {  // d tanh = 1 - tanh^2
  return unary_op(Op::Tanh, UnaryOp::Tanh, x, 0, 0, true, [](const Tensor& dy, const Tensor&, Node& self) {
    return mul(dy, add(neg(square(self.output())), 1.0));
  });
}
Tensor sigmoid(const Tensor& x) {  // d sigma = sigma (1 - sigma)
  return unary_op(Op::Sigmoid, UnaryOp::Sigmoid, x, 0, 0, true, [](const Tensor& dy, const Tensor&, Node& self) {
    Tensor y = self.output();
    return mul(dy, mul(y, add(neg(y), 1.0)));
  });
}
Tensor relu(const Tensor& x) {  // d relu = [x > 0]
  return unary_op(Op::Relu, UnaryOp::Relu, x, 0, 0, false, [](const Tensor& dy, const Tensor& x, Node&) { return mul(dy, gt(x, 0.0)); });
}
Tensor leaky_relu(const Tensor& x, double slope) {  // d = 1 for x > 0, slope otherwise
  return unary_op(Op::LeakyRelu, UnaryOp::LeakyRelu, x, slope, 0, false, [slope](const Tensor& dy, const Tensor& x, Node&) {
    return mul(dy, add(mul(gt(x, 0.0), 1.0 - slope), slope));
  });
}
// gelu(x) = x Phi(x):  d gelu = Phi(x) + x phi(x),  Phi(x) = (1 + erf(x/sqrt2))/2,  phi(x) = e^(-x^2/2)/sqrt(2 pi)
Tensor gelu(const Tensor& x) {
  return unary_op(Op::Gelu, UnaryOp::Gelu, x, 0, 0, false, [](const Tensor& dy, const Tensor& x, Node&) {
    Tensor cdf = mul(add(erf(mul(x, M_SQRT1_2)), 1.0), 0.5);
    Tensor pdf = mul(exp(mul(square(x), -0.5)), 0.5 * M_2_SQRTPI * M_SQRT1_2);
    return mul(dy, add(cdf, mul(x, pdf)));
  });
}
Tensor erf(const Tensor& x) {  // d erf = 2/sqrt(pi) e^(-x^2)
  return unary_op(Op::Erf, UnaryOp::Erf, x, 0, 0, false, [](const Tensor& dy, const Tensor& x, Node&) {
    return mul(dy, mul(exp(neg(square(x))), M_2_SQRTPI));
  });
}
Tensor softplus(const Tensor& x) {  // d log(1 + e^x) = sigmoid(x)
  return unary_op(Op::Softplus, UnaryOp::Softplus, x, 0, 0, false,
                  [](const Tensor& dy, const Tensor& x, Node&) { return mul(dy, sigmoid(x)); });
}
Tensor clamp(const Tensor& x, double lo, double hi) {  // gradient passes where lo <= x <= hi
  TG_CHECK(lo <= hi, "Clamp: lower bound {} is above upper bound {}", lo, hi);
  return unary_op(Op::Clamp, UnaryOp::Clamp, x, lo, hi, false, [lo, hi](const Tensor& dy, const Tensor& x, Node&) {
    return mul(dy, mul(ge(x, lo), le(x, hi)));
  });
}
Tensor reciprocal(const Tensor& x) {  // d (1/x) = -1/x^2
  return unary_op(Op::Reciprocal, UnaryOp::Reciprocal, x, 0, 0, true,
                  [](const Tensor& dy, const Tensor&, Node& self) { return neg(mul(dy, square(self.output()))); });
}
Tensor square(const Tensor& x) {  // d x^2 = 2x
  return unary_op(Op::Square, UnaryOp::Square, x, 0, 0, false,
                  [](const Tensor& dy, const Tensor& x, Node&) { return mul(dy, mul(x, 2.0)); });
}
Tensor sign(const Tensor& x) { return raw::unary(UnaryOp::Sign, x); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor out = raw::where(cond, a, b);
  if (needs_grad(a, b))
    record(Op::Where, out, {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& dy, Node& self) -> Grads {
      Tensor zero = scalar_like(dy, 0.0);
      return {wants(self, 0) ? sum_to(where(cond, dy, zero), sa) : Tensor(),
              wants(self, 1) ? sum_to(where(cond, zero, dy), sb) : Tensor()};
    });
  return out;
}

Tensor eq(const Tensor& a, const Tensor& b) { return comparison(Op::Eq, BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return comparison(Op::Ne, BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return comparison(Op::Lt, BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return comparison(Op::Le, BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return comparison(Op::Gt, BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return comparison(Op::Ge, BinaryOp::Ge, a, b); }
Tensor eq(const Tensor& a, double s) { return eq(a, scalar_like(a, s)); }
Tensor ne(const Tensor& a, double s) { return ne(a, scalar_like(a, s)); }
Tensor lt(const Tensor& a, double s) { return lt(a, scalar_like(a, s)); }
Tensor le(const Tensor& a, double s) { return le(a, scalar_like(a, s)); }
Tensor gt(const Tensor& a, double s) { return gt(a, scalar_like(a, s)); }
Tensor ge(const Tensor& a, double s) { return ge(a, scalar_like(a, s)); }

Tensor cast(const Tensor& x, DType dtype) {
  Tensor out = raw::cast(x, dtype);
  if (needs_grad(x)) {
    TG_CHECK(is_floating(dtype), "Cast: {} requires grad, but {} cannot carry a gradient; detach() it first",
             describe(x), dtype_name(dtype));
    record(Op::Cast, out, {x}, [from = x.dtype()](const Tensor& dy, Node&) -> Grads { return {cast(dy, from)}; });
  }
  return out;
}

}  // namespace tg
