// Module: the base of every layer. It registers parameters, buffers and submodules by name, so a
// model's parameters can be listed with dotted names ("layers.0.weight"), saved as a state dict and
// loaded back with shape and dtype checks; it also carries the train/eval flag (PyTorch's nn.Module).
// Buffers are state that is saved but not trained (BatchNorm's running statistics): they are in the
// state dict and move with to(), but are not parameters, so optimizers never see them.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/state_dict.h"

namespace tg::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Copies would share parameters and children with the original; hold modules by shared_ptr.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Parameters of this module and all submodules, in registration order, depth first.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  // Buffers of this module and all submodules, named and ordered as the parameters.
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  // This module ("") and every submodule under its dotted path.
  std::vector<std::pair<std::string, Module*>> named_modules();
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }

  // Every parameter, then every buffer, under its dotted name. The tensors share storage with the
  // parameters and buffers (as in PyTorch): clone them to keep a snapshot across later updates.
  StateDict state_dict() const;
  // Copies values into the existing parameters and buffers. With strict, the keys must match
  // exactly; shapes and dtypes must always match. Throws tg::Error listing every problem found.
  void load_state_dict(const StateDict& state, bool strict = true);

  // The training flag, set on this module and all submodules (Dropout reads it).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad();  // every parameter's .grad back to none
  // Moves or casts every parameter and buffer (a cast leaves integer buffers, such as a step
  // count, as they are); handles to them (layer members, optimizers) see the change. Call before
  // building graphs or optimizers: gradients and optimizer state are not converted.
  void to(Device device);
  void to(DType dtype);

 protected:
  // Registers `value` as a leaf parameter that requires grad, and returns it.
  Tensor register_parameter(const std::string& name, Tensor value);
  // Registers `value` as a buffer (no grad), and returns it. Update it in place (nn::copy_), so the
  // registered tensor stays the one the state dict sees.
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_name(const std::string& name, const char* what) const;

  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A list of submodules named "0", "1", ... (PyTorch's nn.ModuleList); it has no forward.
class ModuleList : public Module {
 public:
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size()), std::move(module));
  }
  size_t size() const { return named_children().size(); }
};

}  // namespace tg::nn
