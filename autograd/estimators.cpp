// Gumbel-Softmax, straight-through, score-function surrogates and baselines, composed from tg
// ops (the derivations are in estimators.h).
#include "autograd/estimators.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"

namespace tg {

Tensor straight_through(const Tensor& x, const Tensor& q) {
  TG_CHECK(x.shape() == q.shape() && x.dtype() == q.dtype() && x.device() == q.device() && is_floating(x.dtype()),
           "straight_through: x {} and q {} must be floating point with the same shape, dtype and device",
           describe(x), describe(q));
  return add(q.detach(), sub(x, x.detach()));
}

Tensor gumbel_softmax(const Tensor& logits, double tau, bool hard, Generator& gen) {
  TG_CHECK(tau > 0 && std::isfinite(tau), "gumbel_softmax: tau must be positive and finite, got {} (logits {})", tau,
           describe(logits));
  TG_CHECK(is_floating(logits.dtype()) && logits.dim() >= 1 && logits.size(-1) >= 1,
           "gumbel_softmax: logits must be floating point (..., K) with K >= 1, got {}", describe(logits));
  Tensor g = gumbel_noise(logits.shape(), gen, {.dtype = logits.dtype(), .device = logits.device()});
  Tensor y = softmax(mul(add(logits, g), 1.0 / tau), -1);
  if (!hard) return y;
  Tensor index;
  {
    NoGradGuard no_grad;
    index = argmax(y, -1);
  }
  return straight_through(y, one_hot(index, logits.size(-1), logits.dtype()));
}

Tensor score_function(const Tensor& log_prob, const Tensor& f, const Tensor& baseline) {
  TG_CHECK(is_floating(log_prob.dtype()) && log_prob.dtype() == f.dtype(),
           "score_function: log_prob {} and f {} must share a floating dtype", describe(log_prob), describe(f));
  Tensor advantage = baseline.defined() ? sub(f.detach(), baseline.detach()) : f.detach();
  broadcast_shapes(log_prob.shape(), advantage.shape(), "score_function");
  return mul(log_prob, advantage);
}

Tensor leave_one_out_baseline(const Tensor& f, int64_t axis) {
  int64_t k = f.dim() > 0 ? f.size(axis) : 0;
  TG_CHECK(k >= 2, "leave_one_out_baseline: needs K >= 2 samples along axis {} of f {}", axis, describe(f));
  NoGradGuard no_grad;
  Tensor f_const = f.detach();
  return mul(sub(sum(f_const, {axis}, true), f_const), 1.0 / double(k - 1));
}

MovingAverageBaseline::MovingAverageBaseline(double decay) : decay_(decay) {
  TG_CHECK(decay >= 0 && decay < 1, "MovingAverageBaseline: decay must lie in [0, 1), got {}", decay);
}

void MovingAverageBaseline::update(double mean_f) {
  value_ = started_ ? decay_ * value_ + (1 - decay_) * mean_f : mean_f;
  started_ = true;
}

}  // namespace tg
