// Module registration, traversal, state dicts and the train/eval flag (see module.h).
#include "nn/module.h"

#include <set>

#include "autograd/grad_mode.h"
#include "autograd/ops/elementwise.h"

namespace tg::nn {
namespace {

std::string join(const std::string& prefix, const std::string& name) {
  if (prefix.empty() || name.empty()) return prefix + name;
  return prefix + "." + name;
}

// Points the parameter's impl at `value`'s storage and dtype, so every handle to it sees the
// move. Its gradient and gradient accumulator belong to the old dtype/device and are dropped, and
// the old storage's version moves on: a graph recorded before the move cannot backward through it.
void rebind(const Tensor& param, const Tensor& value) {
  param.bump_version();
  TensorImpl& impl = param.impl();
  impl.storage = value.impl().storage;
  impl.dtype = value.dtype();
  impl.grad.reset();
  impl.grad_accumulator.reset();
}

}  // namespace

void Module::check_name(const std::string& name, const char* what) const {
  TG_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: {} name '{}' must be non-empty and "
           "contain no '.'", what, name);
  for (const auto& [n, p] : params_)
    TG_CHECK(n != name, "Module: {} name '{}' is already a parameter of this module", what, name);
  for (const auto& [n, b] : buffers_)
    TG_CHECK(n != name, "Module: {} name '{}' is already a buffer of this module", what, name);
  for (const auto& [n, c] : children_)
    TG_CHECK(n != name, "Module: {} name '{}' is already a submodule of this module", what, name);
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name, "parameter");
  TG_CHECK(value.defined() && value.is_leaf() && is_floating(value.dtype()), "Module: parameter '{}' must be a "
           "floating-point leaf tensor, got {}", name, describe(value));
  value.requires_grad_();
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, "buffer");
  TG_CHECK(value.defined() && !value.requires_grad(), "Module: buffer '{}' must be a defined tensor that does not "
           "require grad, got {}", name, value.defined() ? describe(value) : "an undefined tensor");
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "submodule");
  TG_CHECK(module != nullptr, "Module: submodule '{}' is null", name);
  children_.emplace_back(name, std::move(module));
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out = params_;
  for (const auto& [name, child] : children_)
    for (auto& [sub, p] : child->named_parameters()) out.emplace_back(join(name, sub), p);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out = buffers_;
  for (const auto& [name, child] : children_)
    for (auto& [sub, b] : child->named_buffers()) out.emplace_back(join(name, sub), b);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [name, child] : children_)
    for (auto& [sub, m] : child->named_modules()) out.emplace_back(join(name, sub), m);
  return out;
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [name, p] : named_parameters()) out.insert(name, p.detach());
  for (auto& [name, b] : named_buffers()) out.insert(name, b.detach());
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  std::vector<std::string> problems;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (parameter, value), applied only if all is well
  auto entries = named_parameters();
  for (auto& entry : named_buffers()) entries.push_back(std::move(entry));
  for (auto& [name, p] : entries) {
    if (!state.contains(name)) {
      if (strict) problems.push_back(fmt::format("missing key '{}' ({})", name, describe(p)));
      continue;
    }
    const Tensor& v = state.at(name);
    if (v.shape() != p.shape() || v.dtype() != p.dtype())
      problems.push_back(fmt::format("'{}': the state dict has {}, the model has {}", name, describe(v), describe(p)));
    else
      copies.emplace_back(p, v);
  }
  if (strict) {
    std::set<std::string> known;
    for (auto& [name, p] : entries) known.insert(name);
    for (auto& [name, v] : state)
      if (!known.count(name)) problems.push_back(fmt::format("unexpected key '{}' ({})", name, describe(v)));
  }
  TG_CHECK(problems.empty(), "load_state_dict: {} problem(s):\n  {}", problems.size(), fmt::join(problems, "\n  "));
  for (auto& [p, v] : copies) copy_(p, v, "load_state_dict");
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto& [name, p] : named_parameters())
    if (p.device() != device) rebind(p, p.detach().to(device));
  for (auto& [name, b] : named_buffers())
    if (b.device() != device) rebind(b, b.detach().to(device));
}

void Module::to(DType dtype) {
  NoGradGuard no_grad;
  TG_CHECK(is_floating(dtype), "Module::to: parameters must stay floating point, asked for {}", dtype_name(dtype));
  for (auto& [name, p] : named_parameters())
    if (p.dtype() != dtype) rebind(p, p.detach().to(dtype));
  for (auto& [name, b] : named_buffers())
    if (is_floating(b.dtype()) && b.dtype() != dtype) rebind(b, b.detach().to(dtype));
}

}  // namespace tg::nn
