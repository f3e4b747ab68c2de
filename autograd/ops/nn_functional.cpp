// softmax and log_softmax (primitives over the last axis, other axes by transposing), and the
// losses composed from them. With y = softmax(x) along an axis:
//   softmax:      dx = y * (dy - sum(dy * y))
//   log_softmax:  dx = dy - softmax(x) * sum(dy) = dy - exp(y) * sum(dy)
#include "autograd/ops/nn_functional.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

Tensor softmax_last(Op op, const Tensor& x, bool log) {
  raw::check_floating(op, x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  int64_t n = x.dim() == 0 ? 1 : x.shape().back();
  if (x.numel() > 0) backend(x.device()).softmax(x.dtype(), out.data(), x.data(), x.numel() / n, n, log);
  if (needs_grad(x))
    record(op, out, {x}, [log](const Tensor& dy, Node& self) -> Grads {
      Tensor y = self.output();
      Axes last = y.dim() == 0 ? Axes{} : Axes{y.dim() - 1};  // a 0-d x is one row of one element
      if (log) return {sub(dy, mul(exp(y), sum(dy, last, /*keepdim=*/true)))};
      return {mul(y, sub(dy, sum(mul(dy, y), last, /*keepdim=*/true)))};
    }, {.output = true});
  return out;
}

Tensor softmax_along(Op op, const Tensor& x, int64_t axis, bool log) {
  if (x.dim() == 0) return softmax_last(op, x, log);
  int64_t a = normalize_axis(axis, x.dim(), op_name(op));
  if (a == x.dim() - 1) return softmax_last(op, x, log);
  return transpose(softmax_last(op, transpose(x, a, -1), log), a, -1);
}

Tensor reduce_loss(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    case Reduction::None: return loss;
  }
  return loss;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis) { return softmax_along(Op::Softmax, x, axis, false); }
Tensor log_softmax(const Tensor& x, int64_t axis) { return softmax_along(Op::LogSoftmax, x, axis, true); }

// Class-index targets for (N, C, d...) scores: an integer tensor of shape (N, d...) on the same
// device with values in [0, C) or equal to `ignore_index`. Returns them as i64 with ignored
// entries replaced by class 0, and `keep` (undefined when nothing is ignored, else 1 where a
// target counts and 0 where it is ignored, in `dtype`). `op` is the function the caller used, so
// errors name it along with both shapes.
struct Targets {
  Tensor idx, keep;
};
static Targets checked_targets(Op op, const Tensor& scores, const Tensor& target, int64_t ignore_index, DType dtype) {
  TG_CHECK(scores.dim() >= 2, "{}: input must be (N, C, ...), got {}", op_name(op), describe(scores));
  TG_CHECK(!is_floating(target.dtype()), "{}: target must hold class indices (i64 or i32), got {}", op_name(op),
           describe(target));
  raw::check_compatible(op, {&scores, &target}, /*any_dtype=*/true);
  Shape expect = scores.shape();
  expect.erase(expect.begin() + 1);
  TG_CHECK(target.shape() == expect, "{}: target {} does not match input {}: expected target shape {}", op_name(op),
           describe(target), describe(scores), shape_str(expect));
  int64_t classes = scores.shape()[1];
  Tensor idx = target.dtype() == DType::i64 ? target : raw::cast(target, DType::i64);
  auto first_bad = [&](const Tensor& t) {
    return backend(t.device()).first_out_of_range(static_cast<const int64_t*>(t.data()), t.numel(), classes);
  };
  int64_t bad = first_bad(idx);
  Targets r{idx, Tensor()};
  if (bad >= 0 && (ignore_index < 0 || ignore_index >= classes)) {
    // some target is outside [0, C): fine only where it is ignore_index. keep = [t != ignore_index]
    Tensor keep = raw::cast(ne(idx, double(ignore_index)), DType::i64);
    r.idx = mul(idx, keep);  // ignored entries read class 0, then count with weight 0
    r.keep = raw::cast(keep, dtype);
    bad = first_bad(r.idx);
  } else if (ignore_index >= 0 && ignore_index < classes && bad < 0) {
    r.keep = raw::cast(ne(idx, double(ignore_index)), dtype);  // an in-range class can be ignored too
  }
  if (bad >= 0)
    fail("{}: target {} at position {} is out of range for {} classes (input {}, target {})", op_name(op),
         idx.to_vector<int64_t>()[size_t(bad)], bad, classes, describe(scores), describe(target));
  return r;
}

// Class weights (C) as a constant of `dtype` (no gradient flows to them), checked against the input.
static Tensor checked_weight(Op op, const Tensor& weight, const Tensor& scores, DType dtype) {
  int64_t classes = scores.shape()[1];
  TG_CHECK(weight.dim() == 1 && weight.shape()[0] == classes, "{}: weight {} must be 1-D with one entry per class ({})",
           op_name(op), describe(weight), classes);
  TG_CHECK(is_floating(weight.dtype()), "{}: weight must be floating, got {}", op_name(op), describe(weight));
  raw::check_compatible(op, {&scores, &weight}, /*any_dtype=*/true);
  return weight.dtype() == dtype ? weight.detach() : raw::cast(weight, dtype);
}

// Shape (1, C, 1, ...) for a (C) vector against an (N, C, d...) input.
static Tensor along_classes(const Tensor& w, int64_t ndim) {
  Shape s(size_t(ndim), 1);
  s[1] = w.shape()[0];
  return reshape(w, s);
}

// Negative log-likelihood of class-index targets given log-probabilities (N, C, d...):
//   loss_i = -w[t_i] log_probs[i, t_i]    (0 where t_i == ignore_index)
//   mean = sum_i loss_i / sum_i w[t_i] over the targets that count (PyTorch's weighted mean)
// With label smoothing e over C classes the target is (1 - e) one_hot(t) + e / C, which adds
//   smooth_i = -sum_c w_c log_probs[i, c]  (0 where ignored), reduced by the same divisor,
// as loss = (1 - e) nll + (e / C) smooth.
static Tensor index_target_loss(Op op, const Tensor& log_probs, const Tensor& target, const CrossEntropyOptions& o) {
  DType dt = log_probs.dtype();
  Targets t = checked_targets(op, log_probs, target, o.ignore_index, dt);
  Tensor picked = squeeze(gather(log_probs, 1, unsqueeze(t.idx, 1)), 1);  // (N, d...)
  Tensor w = o.weight.defined() ? checked_weight(op, o.weight, log_probs, dt) : Tensor();
  if (!w.defined() && !t.keep.defined() && o.label_smoothing == 0) return reduce_loss(neg(picked), o.reduction);
  // per-target weight w[t_i] * keep_i, a constant
  Tensor wt = w.defined() ? reshape(index_select(w, 0, reshape(t.idx, {-1})), t.idx.shape()) : Tensor();
  if (t.keep.defined()) wt = wt.defined() ? mul(wt, t.keep) : t.keep;
  Tensor nll = wt.defined() ? neg(mul(picked, wt)) : neg(picked);
  Tensor divisor = wt.defined() ? sum(wt) : Tensor();  // mean divides by the total weight
  auto reduce = [&](const Tensor& l) {
    if (o.reduction == Reduction::Mean) return divisor.defined() ? div(sum(l), divisor) : mean(l);
    return reduce_loss(l, o.reduction);
  };
  Tensor loss = reduce(nll);
  if (o.label_smoothing == 0) return loss;
  Tensor lp = w.defined() ? mul(log_probs, along_classes(w, log_probs.dim())) : log_probs;
  Tensor smooth = neg(sum(lp, {1}));
  if (t.keep.defined()) smooth = mul(smooth, t.keep);
  double e = o.label_smoothing, classes = double(log_probs.shape()[1]);
  return add(mul(loss, 1 - e), mul(reduce(smooth), e / classes));
}

// Probability targets p (N, C, d...), smoothed to (1 - e) p + e / C:
//   loss_i = -sum_c w_c p_ic log_probs_ic;  mean divides by the N d... rows (not by weights).
static Tensor prob_target_loss(Op op, const Tensor& log_probs, const Tensor& target, const CrossEntropyOptions& o) {
  TG_CHECK(target.shape() == log_probs.shape(), "{}: probability target {} must have the input's shape {}", op_name(op),
           describe(target), shape_str(log_probs.shape()));
  TG_CHECK(o.ignore_index == -100, "{}: ignore_index {} is not supported with probability targets {}", op_name(op),
           o.ignore_index, describe(target));
  raw::check_compatible(op, {&log_probs, &target}, /*any_dtype=*/true);
  Tensor p = upcast_half(target);
  if (p.dtype() != log_probs.dtype()) p = cast(p, log_probs.dtype());
  double classes = double(log_probs.shape()[1]);
  if (o.label_smoothing > 0) p = add(mul(p, 1 - o.label_smoothing), o.label_smoothing / classes);
  Tensor terms = mul(log_probs, p);
  if (o.weight.defined()) terms = mul(terms, along_classes(checked_weight(op, o.weight, log_probs, log_probs.dtype()), log_probs.dim()));
  return reduce_loss(neg(sum(terms, {1})), o.reduction);
}

// The losses below compute f16/bf16 inputs in f32 and return an f32 loss (upcast_half).
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
  return index_target_loss(Op::NllLoss, upcast_half(log_probs), target, {.reduction = reduction});
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction) {
  return cross_entropy(logits, target, {.reduction = reduction});
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& o) {
  Op op = Op::CrossEntropy;
  TG_CHECK(logits.dim() >= 2, "{}: input must be (N, C, ...), got {}", op_name(op), describe(logits));
  TG_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, "{}: label_smoothing {} is outside [0, 1]", op_name(op),
           o.label_smoothing);
  if (is_floating(target.dtype())) return prob_target_loss(op, log_softmax(upcast_half(logits), 1), target, o);
  return index_target_loss(op, log_softmax(upcast_half(logits), 1), target, o);
}

// BCE(x, y) = -[y log sigma(x) + (1 - y) log(1 - sigma(x))] = softplus(x) - x y,
// and softplus is evaluated stably as max(x, 0) + log1p(e^-|x|). With pos_weight p (broadcast
// over the last axis, one per class) the positive term is weighted:
//   -[p y log sigma(x) + (1 - y) log(1 - sigma(x))] = (1 - y) x + (1 + (p - 1) y) softplus(-x)
// and `weight` (broadcast to the input) multiplies each element's loss before the reduction.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  return binary_cross_entropy_with_logits(logits, target, {.reduction = reduction});
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, const BceOptions& o) {
  const char* name = op_name(Op::BinaryCrossEntropyWithLogits);
  TG_CHECK(logits.shape() == target.shape(), "{}: logits {} and target {} differ in shape", name, describe(logits),
           describe(target));
  Tensor x = upcast_half(logits), y = upcast_half(target);
  Tensor loss;
  if (o.pos_weight.defined()) {
    Tensor p = upcast_half(o.pos_weight.detach());
    TG_CHECK(broadcast_shapes(p.shape(), x.shape(), name) == x.shape(), "{}: pos_weight {} does not broadcast to "
             "logits {}", name, describe(o.pos_weight), describe(logits));
    loss = add(mul(add(neg(y), 1.0), x), mul(add(mul(add(p, -1.0), y), 1.0), softplus(neg(x), 1.0, INFINITY)));
  } else {
    // softplus unthresholded: PyTorch's loss is exact for large logits too
    loss = sub(softplus(x, 1.0, INFINITY), mul(x, y));
  }
  if (o.weight.defined()) {
    Tensor w = upcast_half(o.weight.detach());
    TG_CHECK(broadcast_shapes(w.shape(), x.shape(), name) == x.shape(), "{}: weight {} does not broadcast to logits {}",
             name, describe(o.weight), describe(logits));
    loss = mul(loss, w);
  }
  return reduce_loss(loss, o.reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  TG_CHECK(input.shape() == target.shape(), "mse_loss: input {} and target {} differ in shape", describe(input),
           describe(target));
  return reduce_loss(square(sub(upcast_half(input), upcast_half(target))), reduction);
}

// Keeping each element with probability q = 1 - p and scaling by 1/q leaves E[out] = x.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  TG_CHECK(p >= 0 && p <= 1, "dropout: probability {} is outside [0, 1]", p);
  raw::check_floating(Op::Dropout, x);
  if (!training || p == 0) return x;
  if (p == 1) return mul(x, 0.0);
  Tensor u = rand(x.shape(), gen, {.dtype = x.dtype(), .device = x.device()});
  Tensor keep = lt(u, 1.0 - p);
  return mul(x, mul(keep, 1.0 / (1.0 - p)));
}

Tensor dropout(const Tensor& x, double p, bool training) { return dropout(x, p, training, default_generator()); }

}  // namespace tg
