// Optimizers (torch.optim): SGD with momentum/Nesterov, Adam and AdamW. Each step reads every
// parameter's .grad (parameters without one are skipped) and updates the parameter's storage
// in place under no_grad. Per-parameter state lives in tensors, so state_dict() can be saved.
//
// With g = grad, p the parameter, t its step count:
//   SGD:   g += wd p;  b = g (first step) or mu b + (1 - dampening) g;
//          g = nesterov ? g + mu b : b;  p -= lr g
//   Adam:  g += wd p (AdamW instead: p -= lr wd p);
//          m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//          p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//          (amsgrad: v_max = max(v_max, v) replaces v in the denominator)
// Parameters come as one list or as parameter groups (torch's param_groups), each with its own lr
// and weight decay (the options' values where a group leaves them unset).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/state_dict.h"

namespace tg::nn {

// One parameter group as given to an optimizer: unset options take the optimizer's.
struct ParamGroup {
  std::vector<Tensor> params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
};

// A group as the optimizer runs it: its parameters' positions in params() and its live options.
struct ParamGroupState {
  std::vector<size_t> indices;
  double lr;
  double weight_decay;
};

class Optimizer {
 public:
  Optimizer(std::vector<ParamGroup> groups, double lr, double weight_decay, std::string name);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  void zero_grad();  // every parameter's .grad back to none

  double lr() const { return groups_[0].lr; }  // the first group's (the only one's, without groups)
  void set_lr(double lr);                      // every group's lr
  void set_lr(size_t group, double lr);        // one group's: what LR schedulers call
  // Every parameter of every group, in order: state keys number them in this order, as in torch.
  const std::vector<Tensor>& params() const { return params_; }
  const std::vector<ParamGroupState>& param_groups() const { return groups_; }

  // "state.<i>.<name>" for parameter i (its position in params()), e.g. "state.0.exp_avg".
  // Entries appear once a parameter has taken a step. The tensors are the live state.
  StateDict state_dict() const;
  // Replaces the state with copies of `state`'s tensors, checked against the parameters.
  void load_state_dict(const StateDict& state);

 protected:
  // The per-parameter state names this optimizer keeps, for load_state_dict's checks.
  virtual std::vector<std::string> state_names() const = 0;
  // p's grad after checking it matches p (user code can set any .grad); undefined when absent.
  Tensor checked_grad(size_t i) const;

  std::vector<Tensor> params_;
  std::vector<StateDict> state_;  // state_[i]: parameter i's named state tensors
  std::vector<ParamGroupState> groups_;
  std::vector<size_t> group_of_;  // group_of_[i]: the group of parameter i
  std::string name_;  // "SGD", "Adam", "AdamW": names the optimizer in errors
};

// `lr` is the initial learning rate; the live one is Optimizer::lr() (schedulers change it).
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  SGD(std::vector<ParamGroup> groups, SGDOptions options);
  void step() override;
  const SGDOptions options;

 protected:
  std::vector<std::string> state_names() const override { return {"momentum_buffer"}; }
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // Adam: L2 added to the gradient; AdamW: decoupled decay of p
  bool amsgrad = false;      // AMSGrad: keep max_exp_avg_sq, the running max of exp_avg_sq
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  Adam(std::vector<ParamGroup> groups, AdamOptions options);
  void step() override;
  const AdamOptions options;

 protected:
  Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled, std::string name);
  std::vector<std::string> state_names() const override {
    if (options.amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    return {"step", "exp_avg", "exp_avg_sq"};
  }

 private:
  bool decoupled_;
};

// AdamW: Adam with weight decay applied to the parameter (p -= lr wd p) rather than the
// gradient. Set weight_decay explicitly: AdamOptions defaults it to 0, PyTorch's AdamW to 0.01.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options);
  AdamW(std::vector<ParamGroup> groups, AdamOptions options);
};

}  // namespace tg::nn
