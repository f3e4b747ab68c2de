// The backward pass: run the tape in decreasing sequence order from the outputs, summing the
// gradients that reach each node, and deposit them into leaves' .grad (backward) or return
// them (grad). create_graph records the backward ops too, for gradients of gradients.
#pragma once
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

// d(sum of outputs . grad_outputs)/d(inputs), without touching any .grad.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options = {});

}  // namespace tg
