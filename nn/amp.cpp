// Master weights and the dynamic loss scaler (the rule and a full step are described in amp.h).
#include "nn/amp.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"
#include "core/backend.h"

namespace tg::nn::amp {

MasterWeights::MasterWeights(Module& model, DType dtype) : dtype_(dtype) {
  TG_CHECK(is_half(dtype), "MasterWeights: the compute dtype must be f16 or bf16, got {}", dtype_name(dtype));
  NoGradGuard no_grad;
  for (const auto& [name, p] : model.named_parameters()) {
    TG_CHECK(p.dtype() == DType::f32, "MasterWeights: parameter '{}' is {}; the model must start in f32", name,
             describe(p));
    model_.push_back(p);
    master_.push_back(p.clone().requires_grad_());
  }
  TG_CHECK(!model_.empty(), "MasterWeights: the model has no parameters");
  model.to(dtype);
}

bool MasterWeights::unscale_grads(double inv_scale, bool check_finite) {
  NoGradGuard no_grad;
  if (check_finite) {
    // One check over all gradients (per device): a GPU synchronises once per step, not per parameter.
    std::vector<std::pair<Device, std::vector<Backend::FiniteBuffer>>> per_device;
    for (const Tensor& p : model_) {
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      auto it = std::find_if(per_device.begin(), per_device.end(), [&](const auto& d) { return d.first == g.device(); });
      if (it == per_device.end()) it = per_device.insert(per_device.end(), {g.device(), {}});
      it->second.push_back({g.dtype(), g.data(), g.numel()});
    }
    for (const auto& [device, buffers] : per_device)
      if (!backend(device).all_finite_many(buffers)) return false;
  }
  for (size_t i = 0; i < model_.size(); ++i) {
    Tensor g = model_[i].grad();
    if (!g.defined()) {
      master_[i].zero_grad();
      continue;
    }
    Tensor g32 = cast(g, DType::f32);  // always a new tensor: divided by S in place, no second copy
    if (inv_scale != 1.0)
      backend(g32.device()).unary(UnaryOp::MulScalar, DType::f32, g32.data(), g32.data(), g32.numel(), inv_scale, 0);
    master_[i].set_grad(g32);
  }
  return true;
}

void MasterWeights::copy_to_model() {
  for (size_t i = 0; i < model_.size(); ++i) {
    const Tensor& p = model_[i];
    backend(p.device()).cast(p.dtype(), p.data(), DType::f32, master_[i].data(), p.numel());
    p.bump_version();
  }
}

LossScaler::LossScaler(LossScalerOptions options) : options(options), scale_(options.init_scale) {
  TG_CHECK(std::isfinite(options.init_scale) && float(options.init_scale) > 0,
           "LossScaler: init_scale must be a positive finite f32 value, got {}", options.init_scale);
  TG_CHECK(options.growth_factor > 1 && std::isfinite(options.growth_factor),
           "LossScaler: growth_factor must be finite and > 1, got {}", options.growth_factor);
  TG_CHECK(options.backoff_factor > 0 && options.backoff_factor < 1,
           "LossScaler: backoff_factor must lie in (0, 1), got {}", options.backoff_factor);
  TG_CHECK(options.growth_interval >= 1, "LossScaler: growth_interval must be at least 1, got {}",
           options.growth_interval);
  if (!options.enabled) scale_ = 1.0;
}

Tensor LossScaler::scale(const Tensor& loss) const {
  TG_CHECK(is_floating(loss.dtype()), "LossScaler.scale: the loss must be floating point, got {}", describe(loss));
  if (!options.enabled) return loss;
  return mul(upcast_half(loss), scale_);
}

bool LossScaler::step(Optimizer& optimizer, MasterWeights& master) {
  const std::vector<Tensor>& ps = optimizer.params();
  bool same = ps.size() == master.parameters().size();
  for (size_t i = 0; same && i < ps.size(); ++i) same = ps[i].same(master.parameters()[i]);
  TG_CHECK(same, "LossScaler.step: the optimizer must be built on master.parameters() (the f32 copies), "
           "in their order; it has {} parameters, the masters are {}", ps.size(), master.parameters().size());
  bool finite = master.unscale_grads(1.0 / scale_, /*check_finite=*/options.enabled);
  if (finite) {
    optimizer.step();
    master.copy_to_model();
  }
  if (options.enabled) update(!finite);
  return finite;
}

void LossScaler::update(bool found_inf) {
  TG_CHECK(options.enabled, "LossScaler.update: the scaler is disabled (its scale stays 1)");
  if (found_inf) {
    ++skipped_;
    ++overflows_in_a_row_;
    growth_tracker_ = 0;
    TG_CHECK(float(scale_ * options.backoff_factor) > 0, "LossScaler: the loss scale fell below f32's range "
             "({}) after {} overflowing steps in a row: the gradients are inf/NaN at any scale (a diverged model "
             "or a NaN input)", scale_ * options.backoff_factor, overflows_in_a_row_);
    scale_ *= options.backoff_factor;
    return;
  }
  overflows_in_a_row_ = 0;
  if (++growth_tracker_ < options.growth_interval) return;
  growth_tracker_ = 0;
  // As torch: grow only while S stays a finite f32 (the scaled loss is an f32 tensor).
  if (std::isfinite(float(scale_ * options.growth_factor))) scale_ *= options.growth_factor;
}

}  // namespace tg::nn::amp
