// The reverse pass. Every node's consumers were recorded after it, so they have larger
// sequence numbers: popping nodes from a max-heap on seq guarantees that when a node runs,
// every gradient that will ever reach it has already been summed into its pending_grad.
#include "autograd/engine.h"

#include <queue>
#include <unordered_map>

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "core/creation.h"

namespace tg {
namespace {

struct BySeq {
  bool operator()(const Node* a, const Node* b) const { return a->seq < b->seq; }
};
using Heap = std::priority_queue<Node*, std::vector<Node*>, BySeq>;

void deposit(Heap& heap, Node* node, const Tensor& g) {
  node->pending_grad = node->pending_grad.defined() ? add(node->pending_grad, g) : g;
  if (!node->queued) {
    node->queued = true;
    heap.push(node);
  }
}

void check_grad_shape(const Node& producer, const Node& target, const Tensor& g) {
  TG_CHECK(g.shape() == target.out_shape && g.dtype() == target.out_dtype,
           "backward of {}: produced a gradient {} for an input of shape {} {}", op_name(producer.op),
           describe(g), dtype_name(target.out_dtype), shape_str(target.out_shape));
}

Tensor default_grad(const Tensor& out, const Tensor& given, size_t i) {
  if (given.defined()) {
    TG_CHECK(given.shape() == out.shape(), "backward: grad_outputs[{}] has shape {} but the output has shape {}",
             i, shape_str(given.shape()), shape_str(out.shape()));
    return given;
  }
  TG_CHECK(out.numel() == 1, "backward: output {} is not a scalar; pass a gradient of the same shape "
           "(grad_outputs) to backpropagate from it", describe(out));
  return ones_like(out);
}

// Runs the tape from `outputs`. With `targets` (tg::grad), the gradient arriving at each target
// node is returned in `captured` and leaves' .grad is left alone.
void run(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
         bool create_graph, const std::unordered_map<Node*, size_t>* targets, std::vector<Tensor>* captured) {
  TG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
           "backward: {} outputs but {} grad_outputs", outputs.size(), grad_outputs.size());
  EnableGradGuard mode(create_graph);
  Heap heap;
  // Leave no pending gradient behind if a backward rule throws half way.
  struct Cleanup {
    Heap& heap;
    ~Cleanup() {
      while (!heap.empty()) {
        heap.top()->pending_grad = Tensor();
        heap.top()->queued = false;
        heap.pop();
      }
    }
  } cleanup{heap};

  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    TG_CHECK(out.requires_grad(), "backward: output {} does not require grad (no input it was computed "
             "from requires grad, or it was computed under no_grad)", describe(out));
    deposit(heap, gradient_edge(out).get(), default_grad(out, grad_outputs.empty() ? Tensor() : grad_outputs[i], i));
  }

  while (!heap.empty()) {
    Node* node = heap.top();
    heap.pop();
    Tensor g = std::move(node->pending_grad);
    node->pending_grad = Tensor();
    node->queued = false;

    if (targets) {
      auto it = targets->find(node);
      if (it != targets->end()) {
        Tensor& slot = (*captured)[it->second];
        slot = slot.defined() ? add(slot, g) : g;
      }
    }
    if (node->op == Op::AccumulateGrad) {
      if (targets) continue;
      std::shared_ptr<TensorImpl> leaf = node->leaf.lock();
      if (!leaf) continue;
      Tensor value = create_graph ? g : g.detach();
      leaf->grad = leaf->grad ? add(Tensor(leaf->grad), value).impl_ptr() : value.impl_ptr();
      continue;
    }
    TG_CHECK(!node->released, "backward: trying to backward through the graph of {} a second time; its saved "
             "tensors were freed after the first backward. Pass retain_graph=true the first time.",
             op_name(node->op));
    Grads grads = node->backward(g, *node);
    TG_CHECK(grads.size() == node->inputs.size(), "backward of {}: returned {} gradients for {} inputs",
             op_name(node->op), grads.size(), node->inputs.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      Node* next = node->inputs[i].get();
      if (!next || !grads[i].defined()) continue;
      check_grad_shape(*node, *next, grads[i]);
      deposit(heap, next, grads[i]);
    }
    if (!retain_graph) {
      node->backward = nullptr;
      node->saved_output.reset();
      node->released = true;
    }
  }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  run(outputs, grad_outputs, retain_graph || create_graph, create_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options) {
  std::unordered_map<Node*, size_t> targets;
  std::vector<std::shared_ptr<Node>> keep;  // AccumulateGrad nodes created here must outlive the pass
  for (size_t i = 0; i < inputs.size(); ++i) {
    TG_CHECK(inputs[i].requires_grad(), "grad: inputs[{}] ({}) does not require grad", i, describe(inputs[i]));
    keep.push_back(gradient_edge(inputs[i]));
    TG_CHECK(targets.emplace(keep.back().get(), i).second, "grad: inputs[{}] appears twice", i);
  }
  std::vector<Tensor> result(inputs.size());
  run(outputs, options.grad_outputs, options.retain_graph || options.create_graph, options.create_graph,
      &targets, &result);
  for (size_t i = 0; i < inputs.size(); ++i)
    TG_CHECK(result[i].defined() || options.allow_unused,
             "grad: inputs[{}] ({}) was not used to compute the outputs; set allow_unused to get an "
             "undefined gradient instead", i, describe(inputs[i]));
  return result;
}

}  // namespace tg
