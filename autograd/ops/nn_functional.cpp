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
      int64_t last = y.dim() - 1;
      if (log) return {sub(dy, mul(exp(y), sum(dy, {last}, /*keepdim=*/true)))};
      return {mul(y, sub(dy, sum(mul(dy, y), {last}, /*keepdim=*/true)))};
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
// device with values in [0, C), returned as i64. `op` is the function the caller used, so errors
// name it along with both shapes.
static Tensor checked_targets(Op op, const Tensor& scores, const Tensor& target) {
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
  int64_t bad = backend(idx.device()).first_out_of_range(static_cast<const int64_t*>(idx.data()), idx.numel(), classes);
  if (bad >= 0)
    fail("{}: target {} at position {} is out of range for {} classes (input {}, target {})", op_name(op),
         idx.to_vector<int64_t>()[size_t(bad)], bad, classes, describe(scores), describe(target));
  return idx;
}

// loss_i = -log_probs[i, target_i] over a (N, C, d...) input with checked (N, d...) i64 targets.
static Tensor pick_nll(const Tensor& log_probs, const Tensor& idx, Reduction reduction) {
  Tensor picked = squeeze(gather(log_probs, 1, unsqueeze(idx, 1)), 1);
  return reduce_loss(neg(picked), reduction);
}

// The losses below compute f16/bf16 inputs in f32 and return an f32 loss (upcast_half).
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
  return pick_nll(upcast_half(log_probs), checked_targets(Op::NllLoss, log_probs, target), reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction) {
  Tensor idx = checked_targets(Op::CrossEntropy, logits, target);
  return pick_nll(log_softmax(upcast_half(logits), 1), idx, reduction);
}

// BCE(x, y) = -[y log sigma(x) + (1 - y) log(1 - sigma(x))] = softplus(x) - x y,
// and softplus is evaluated stably as max(x, 0) + log1p(e^-|x|).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  TG_CHECK(logits.shape() == target.shape(), "binary_cross_entropy_with_logits: logits {} and target {} differ in shape",
           describe(logits), describe(target));
  Tensor x = upcast_half(logits), y = upcast_half(target);
  // log(1 + e^x) - x y, with softplus unthresholded: PyTorch's loss is exact for large logits too
  return reduce_loss(sub(softplus(x, 1.0, INFINITY), mul(x, y)), reduction);
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
