// Sequential: modules applied in order, y = m_{n-1}(... m_1(m_0(x))), named "0", "1", ... as
// torch.nn.Sequential, so state-dict keys read "0.weight", "2.bias". Any module with a
// `forward(const Tensor&)` can be pushed: Sequential keeps a type-erased call to it next to the
// registered submodule, so layers need no common virtual base (docs/decisions.md).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace tg::nn {

class Sequential : public Module {
 public:
  // Appends `module` under the name of its position and returns it (for keeping a typed handle).
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    TG_CHECK(module != nullptr, "Sequential::push_back: module {} is null", steps_.size());
    // The raw pointer stays valid: the registered shared_ptr keeps the module alive with `this`.
    steps_.push_back([m = module.get()](const Tensor& x) { return m->forward(x); });
    return register_module(std::to_string(steps_.size() - 1), std::move(module));
  }
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  size_t size() const { return steps_.size(); }

 private:
  std::vector<std::function<Tensor(const Tensor&)>> steps_;
};

}  // namespace tg::nn
