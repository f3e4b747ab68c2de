// Normal distribution: reparameterized sampling, log density, entropy and KL (see the header).
#include "autograd/distributions.h"

#include <cmath>

#include "autograd/ops.h"
#include "core/creation.h"

namespace tg {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // log(2 pi) / 2
}

Normal::Normal(Tensor loc_, Tensor scale_) : loc(std::move(loc_)), scale(std::move(scale_)) {
  TG_CHECK(loc.dtype() == scale.dtype() && loc.device() == scale.device(),
           "Normal: loc {} and scale {} must share dtype and device", describe(loc), describe(scale));
  broadcast_shapes(loc.shape(), scale.shape(), "Normal");
}

Shape Normal::batch_shape() const { return broadcast_shapes(loc.shape(), scale.shape(), "Normal"); }

Tensor Normal::rsample(Generator& gen) const {
  Tensor eps = randn(batch_shape(), gen, {.dtype = loc.dtype(), .device = loc.device()});
  return add(loc, mul(scale, eps));
}

Tensor Normal::sample(Generator& gen) const { return rsample(gen).detach(); }

Tensor Normal::log_prob(const Tensor& x) const {
  Tensor z = div(sub(x, loc), scale);
  return sub(add(mul(square(z), -0.5), -kHalfLog2Pi), log(scale));
}

Tensor Normal::entropy() const { return add(log(expand(scale, batch_shape())), 0.5 + kHalfLog2Pi); }

Tensor kl_divergence(const Normal& p, const Normal& q) {
  Tensor var_ratio = square(div(p.scale, q.scale));
  Tensor t = square(div(sub(p.loc, q.loc), q.scale));
  // log(sq/sp) = -log(var_ratio)/2
  return mul(sub(add(var_ratio, t), add(log(var_ratio), 1.0)), 0.5);
}

}  // namespace tg
