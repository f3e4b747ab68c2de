// The Tensor methods that need the tape (backward, reshape, to, clone) are declared on tg::Tensor
// in core, but the tape lives one layer up. Core calls them through this interface, which
// autograd/tensor_methods.cpp implements and installs before main (PyTorch's VariableHooksInterface
// in spirit), so core compiles and links without autograd and never includes it.
#pragma once
#include "core/tensor.h"

namespace tg {

struct AutogradHooks {
  virtual ~AutogradHooks() = default;
  virtual void backward(const Tensor& t, const Tensor& grad, bool retain_graph, bool create_graph) const = 0;
  virtual Tensor reshape(const Tensor& x, const Shape& shape) const = 0;  // shares storage
  virtual Tensor cast(const Tensor& x, DType dtype) const = 0;            // copies, even to the same dtype
  virtual Tensor to_device(const Tensor& x, Device device) const = 0;     // copies
};

// Installed once, by the autograd layer; nullptr uninstalls (tests only).
void set_autograd_hooks(const AutogradHooks* hooks);
// The installed hooks; throws tg::Error naming `caller` when the autograd layer is not linked.
const AutogradHooks& autograd_hooks(const char* caller);

}  // namespace tg
