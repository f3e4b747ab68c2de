// SGD, Adam and AdamW (equations in optim.h). f32 Adam runs the backend's fused adam_update
// kernel; every other update is written in tg ops and copied into the parameter's storage.
#include "nn/optim.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg::nn {
namespace {

// "state.<i>.<name>" -> (i, name); false when the key has another form.
bool parse_state_key(const std::string& key, size_t& index, std::string& name) {
  const std::string prefix = "state.";
  size_t dot = key.find('.', prefix.size());
  if (key.rfind(prefix, 0) != 0 || dot == std::string::npos) return false;
  const char* first = key.data() + prefix.size();
  const char* last = key.data() + dot;
  auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || end != last || first == last) return false;
  name = key.substr(dot + 1);
  return true;
}

std::vector<ParamGroup> one_group(std::vector<Tensor> params) { return {ParamGroup{std::move(params)}}; }

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups, double lr, double weight_decay, std::string name)
    : name_(std::move(name)) {
  TG_CHECK(!groups.empty(), "{}: got no parameter groups", name_);
  std::set<const TensorImpl*> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    ParamGroup& group = groups[g];
    TG_CHECK(!group.params.empty(), "{}: parameter group {} has an empty parameter list", name_, g);
    double wd = group.weight_decay.value_or(weight_decay);
    TG_CHECK(wd >= 0, "{}: parameter group {} has weight_decay {} < 0", name_, g, wd);
    groups_.push_back({{}, 0.0, wd});
    set_lr(g, group.lr.value_or(lr));
    for (Tensor& p : group.params) {
      size_t i = params_.size();
      TG_CHECK(p.defined() && p.is_leaf() && p.requires_grad(), "{}: parameter {} must be a leaf that requires "
               "grad, got {}", name_, i, describe(p));
      TG_CHECK(seen.insert(p.impl_ptr().get()).second, "{}: parameter {} appears twice in the list", name_, i);
      groups_[g].indices.push_back(i);
      group_of_.push_back(g);
      params_.push_back(std::move(p));
    }
  }
  state_.resize(params_.size());
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < groups_.size(); ++g) set_lr(g, lr);
}

void Optimizer::set_lr(size_t group, double lr) {
  TG_CHECK(group < groups_.size(), "{}: no parameter group {} (there are {})", name_, group, groups_.size());
  TG_CHECK(lr >= 0 && std::isfinite(lr), "{}: invalid learning rate {}", name_, lr);
  groups_[group].lr = lr;
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Tensor Optimizer::checked_grad(size_t i) const {
  const Tensor& p = params_[i];
  Tensor g = p.grad();
  TG_CHECK(!g.defined() || (g.shape() == p.shape() && g.dtype() == p.dtype() && g.device() == p.device()),
           "{}: parameter {} is {} but its grad is {}", name_, i, describe(p), describe(g));
  return g;
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < state_.size(); ++i)
    for (const auto& [name, value] : state_[i]) out.insert(fmt::format("state.{}.{}", i, name), value);
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  NoGradGuard no_grad;
  const std::vector<std::string> names = state_names();
  std::vector<StateDict> fresh(params_.size());
  for (const auto& [key, value] : state) {
    size_t i = 0;
    std::string name;
    TG_CHECK(parse_state_key(key, i, name) && i < params_.size(), "{}.load_state_dict: key '{}' is not "
             "'state.<i>.<name>' with i < {} parameters", name_, key, params_.size());
    TG_CHECK(std::find(names.begin(), names.end(), name) != names.end(), "{}.load_state_dict: unknown state '{}' "
             "in key '{}' (expected one of {})", name_, name, key, fmt::join(names, ", "));
    const Tensor& p = params_[i];
    if (name == "step") {
      TG_CHECK(value.dtype() == DType::i64 && value.numel() == 1, "{}.load_state_dict: '{}' must be one i64 "
               "value, got {}", name_, key, describe(value));
      // state exists only after a first step; past 2^53 steps the bias corrections are exactly 1
      int64_t step = value.item<int64_t>();
      TG_CHECK(step >= 1 && step <= (int64_t(1) << 53), "{}.load_state_dict: '{}' is {}, outside [1, 2^53]", name_,
               key, step);
      fresh[i].set(name, value.to(Device::cpu).clone());
    } else {
      TG_CHECK(value.shape() == p.shape() && value.dtype() == p.dtype(), "{}.load_state_dict: '{}' is {} but "
               "parameter {} is {}", name_, key, describe(value), i, describe(p));
      fresh[i].set(name, value.detach().to(p.device()).clone());
    }
  }
  for (size_t i = 0; i < fresh.size(); ++i)
    TG_CHECK(fresh[i].empty() || fresh[i].size() == names.size(), "{}.load_state_dict: parameter {} has state "
             "{} but needs all of {}", name_, i, fmt::join(fresh[i].keys(), ", "), fmt::join(names, ", "));
  state_ = std::move(fresh);
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options) : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, "SGD"), options(options) {
  TG_CHECK(options.momentum >= 0 && options.weight_decay >= 0, "SGD: momentum {} and weight_decay {} must be >= 0",
           options.momentum, options.weight_decay);
  TG_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
           "SGD: Nesterov momentum needs momentum > 0 and dampening 0, got {} and {}", options.momentum,
           options.dampening);
}

void SGD::step() {
  NoGradGuard no_grad;
  const SGDOptions& o = options;
  for (size_t i = 0; i < params_.size(); ++i) {
    const ParamGroupState& group = groups_[group_of_[i]];
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    Tensor p = params_[i].detach();
    if (group.weight_decay != 0) g = add(g, mul(p, group.weight_decay));
    if (o.momentum != 0) {
      // The buffer is our own tensor: on the first step a copy of g, which may share storage.
      Tensor buf = state_[i].contains("momentum_buffer")
                       ? add(mul(state_[i].at("momentum_buffer"), o.momentum), mul(g, 1 - o.dampening))
                       : g.clone();
      state_[i].set("momentum_buffer", buf);
      g = o.nesterov ? add(g, mul(buf, o.momentum)) : buf;
    }
    copy_(params_[i], sub(p, mul(g, group.lr)), "SGD");
  }
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(one_group(std::move(params)), options, false, "Adam") {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options) : Adam(std::move(groups), options, false, "Adam") {}
AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(one_group(std::move(params)), options, true, "AdamW") {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, true, "AdamW") {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled, std::string name)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, std::move(name)), options(options),
      decoupled_(decoupled) {
  TG_CHECK(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
           "{}: betas ({}, {}) must lie in [0, 1)", name_, options.beta1, options.beta2);
  TG_CHECK(options.eps >= 0 && options.weight_decay >= 0, "{}: eps {} and weight_decay {} must be >= 0", name_,
           options.eps, options.weight_decay);
}

void Adam::step() {
  NoGradGuard no_grad;
  const AdamOptions& o = options;
  std::vector<AdamTensor> fused;  // f32 parameters: one backend call for all of them (per device)
  Device fused_device = Device::cpu;
  auto flush = [&fused](Device d) {
    if (!fused.empty()) backend(d).adam_update(fused);
    fused.clear();
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    const double lr = groups_[group_of_[i]].lr, wd = groups_[group_of_[i]].weight_decay;
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    const Tensor& p = params_[i];
    StateDict& s = state_[i];
    if (!s.contains("step")) {
      s.set("step", scalar_tensor(0, {.dtype = DType::i64, .device = Device::cpu}));  // a host counter, as in torch
      s.set("exp_avg", zeros_like(p));
      s.set("exp_avg_sq", zeros_like(p));
      if (o.amsgrad) s.set("max_exp_avg_sq", zeros_like(p));
    }
    int64_t t = ++s.at("step").data_ptr<int64_t>()[0];
    double bc1 = 1 - std::pow(o.beta1, double(t)), bc2 = 1 - std::pow(o.beta2, double(t));
    Tensor m = s.at("exp_avg"), v = s.at("exp_avg_sq");
    Tensor v_max = o.amsgrad ? s.at("max_exp_avg_sq") : Tensor();

    if (p.dtype() == DType::f32) {  // m and v are this optimizer's own tensors: updated in place
      if (p.device() != fused_device) flush(fused_device);
      fused_device = p.device();
      // g stays alive in p's .grad until the flush below: the pointer is safe to hold.
      p.bump_version();
      m.bump_version();
      v.bump_version();
      fused.push_back({static_cast<float*>(p.data()), static_cast<const float*>(g.data()),
                       static_cast<float*>(m.data()), static_cast<float*>(v.data()),
                       v_max.defined() ? static_cast<float*>(v_max.data()) : nullptr, p.numel(),
                       {float(lr), float(o.beta1), float(o.beta2), float(o.eps), float(wd), decoupled_,
                        float(bc1), float(bc2)}});
      continue;
    }
    Tensor pv = p.detach();
    if (decoupled_) pv = mul(pv, 1 - lr * wd);
    else if (wd != 0) g = add(g, mul(pv, wd));
    m = add(mul(m, o.beta1), mul(g, 1 - o.beta1));
    v = add(mul(v, o.beta2), mul(square(g), 1 - o.beta2));
    if (o.amsgrad) {
      v_max = maximum(v_max, v);
      s.set("max_exp_avg_sq", v_max);
    }
    Tensor denom = add(mul(sqrt(o.amsgrad ? v_max : v), 1 / std::sqrt(bc2)), o.eps);
    copy_(p, sub(pv, mul(div(m, denom), lr / bc1)), name_);
    s.set("exp_avg", m);
    s.set("exp_avg_sq", v);
  }
  flush(fused_device);
}

}  // namespace tg::nn
