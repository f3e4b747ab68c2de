// Gradient estimators for L(theta) = E_{z ~ p_theta}[f(z)] when z is discrete, or when dz/dtheta
// does not exist: Gumbel-Softmax and its straight-through variant, the score function
// (REINFORCE) with baselines, and straight_through for quantizers. The reparameterized estimator
// for location-scale families is Normal::rsample (autograd/distributions.h). Each estimator is a
// few composed ops, so it runs on every backend and needs no backward rule of its own.
#pragma once
#include "autograd/distributions.h"

namespace tg {

// Forward value q, backward identity into x; q gets no gradient:
//   out = q.detach() + (x - x.detach()).
// x - x.detach() is exactly 0 for finite x, so out equals q bit for bit, while d out / d x = I.
// This is Bengio et al. 2013's straight-through estimator for a quantizer q = Q(x) (pretend
// dQ/dx = I) and the VQ-VAE trick (van den Oord et al. 2017). x and q: same shape, dtype, device.
Tensor straight_through(const Tensor& x, const Tensor& q);

// The Gumbel-Softmax (Concrete) relaxation of a one-hot sample from Categorical(softmax(l)) along
// the last axis of logits l (Jang et al. 2017; Maddison et al. 2017):
//   y = softmax((l + g) / tau),  g_k ~ Gumbel(0, 1) i.i.d.
// Gumbel-max: l_k + g_k is Gumbel with location l_k, and
//   P(argmax_j (l_j + g_j) = k) = int e^{-(x-l_k)} exp(-sum_j e^{-(x-l_j)}) dx = e^{l_k} / sum_j e^{l_j},
// so argmax y is an exact categorical sample, and y tends to its one-hot as tau -> 0. For
// tau > 0, y is differentiable in l (the noise carries the randomness, as in rsample), but
// d f(y)/dl estimates the gradient of E[f(y)], not of E[f(one_hot)]: biased, with the bias
// shrinking as tau -> 0 while the variance grows (the softmax gets steeper, ~1/tau).
// hard = true, straight-through Gumbel: the forward value is the exact one-hot of argmax y, the
// backward is the soft y's, straight_through(y, one_hot(argmax y)). tau must be positive.
Tensor gumbel_softmax(const Tensor& logits, double tau, bool hard, Generator& gen);

// The score-function (likelihood-ratio, REINFORCE; Williams 1992) surrogate loss
//   s = log p_theta(z) * stop_gradient(f(z) - b),  elementwise (the three broadcast),
// whose gradient is the estimate (f(z) - b) grad log p_theta(z). Unbiased for any b that does not
// depend on z, because
//   grad E_p[f] = int f grad p = int f p grad log p = E_p[f grad log p]   and
//   E_p[grad log p] = int grad p = grad int p = grad 1 = 0.
// A b near E[f] lowers the variance. An undefined baseline means b = 0. The value of s is not
// the objective; when f also depends on theta directly (a decoder), add f to the loss as well:
// its pathwise gradient E[grad_theta f] is the other half of grad E[f].
Tensor score_function(const Tensor& log_prob, const Tensor& f, const Tensor& baseline = Tensor());

// Leave-one-out baseline over K >= 2 samples along `axis` (Kool et al. 2019):
//   b_k = (sum_j f_j - f_k) / (K - 1),
// the mean of the other samples. b_k depends only on z_j, j != k, which are independent of z_k,
// so (f_k - b_k) grad log p(z_k) stays unbiased, and the average over k of these K terms has
// variance close to the one with the ideal constant baseline E[f]. No gradient.
Tensor leave_one_out_baseline(const Tensor& f, int64_t axis = 0);

// Exponential moving average of the mean of f over earlier estimates:
//   b_t = decay * b_{t-1} + (1 - decay) * mean(f_{t-1}),  b_1 = mean(f_0) (value() is 0 before).
// b_t depends only on earlier samples, hence not on this step's z: the estimate stays unbiased.
class MovingAverageBaseline {
 public:
  explicit MovingAverageBaseline(double decay = 0.9);
  double value() const { return value_; }
  void update(double mean_f);

 private:
  double decay_, value_ = 0;
  bool started_ = false;
};

}  // namespace tg
