// The backward pass: run the tape in decreasing sequence order from the outputs, summing the
// gradients that reach each node, and deposit them into leaves' .grad (backward) or return
// them (grad). create_graph records the backward ops too, for gradients of gradients.
#pragma once
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace tg {

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

struct GradOptions {
  std::vector<Tensor> grad_outputs;  // default: ones for scalar outputs
  bool retain_graph = false;         // forced on when create_graph is set
  bool create_graph = false;
  bool allow_unused = false;         // inputs the outputs do not depend on get an undefined tensor
};

// Calls hook(leaf) each time a backward has accumulated into leaf.grad (PyTorch's
// register_post_accumulate_grad_hook). A node runs once per backward, after every gradient reaching
// it was summed, so .grad is final for that backward when the hook runs: DistributedDataParallel
// starts averaging a bucket of gradients there while the rest of the backward goes on. Not called
// by tg::grad, which leaves .grad alone. The hook stays as long as the leaf.
void register_post_accumulate_grad_hook(const Tensor& leaf, std::function<void(const Tensor& leaf)> hook);

// d(sum of outputs . grad_outputs)/d(inputs), without touching any .grad.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options = {});

}  // namespace tg
