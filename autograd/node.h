// One entry of the tape. A node knows the op that made it, the nodes of its inputs (the edges
// backward follows), the tensors its backward rule captured, and its sequence number: its place
// on the tape. Leaves that require grad get an AccumulateGrad node that deposits into .grad.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/op_list.h"
#include "core/tensor.h"

namespace tg {

using Grads = std::vector<Tensor>;  // one per input; undefined where the input gets no gradient

// The storage of a tensor a backward rule reads, and its version when the op was recorded.
struct SavedVersion {
  const Storage* storage;
  uint64_t version;
  int input;  // which input it is, or -1 for the op's output, -2 for another tensor
};

// What a backward rule reads of the forward pass, given to record(): the tensors its lambda
// captures (inputs or others), and whether it reads the op's own output (Node::output()).
struct Saved {
  std::initializer_list<Tensor> tensors = {};
  bool output = false;
};

struct Node : std::enable_shared_from_this<Node> {
  // The backward rule: given dL/d(output), return dL/d(input_i) for each input, written in tg ops
  // so that create_graph can differentiate it again. `self` gives access to the saved output.
  using BackwardFn = std::function<Grads(const Tensor& dout, Node& self)>;

  Op op = Op::AccumulateGrad;
  uint64_t seq = 0;
  std::vector<std::shared_ptr<Node>> inputs;  // nullptr where that input does not require grad
  BackwardFn backward;
  Shape out_shape;  // the shape every gradient arriving at this node must have
  DType out_dtype = DType::f32;
  Device out_device;

  // Ops whose backward needs their own result (exp, tanh, softmax, ...) save it here. Only the
  // storage is kept, never the output tensor itself: that would make a cycle output -> node -> output.
  std::shared_ptr<Storage> saved_output;
  // The versions of everything the rule reads; the engine checks them before running it.
  std::vector<SavedVersion> saved_versions;
  // Raises if an in-place write changed a saved tensor since the op was recorded.
  void check_saved_versions() const;
  // The saved output as a tensor whose grad_fn is this node, so that a create_graph backward
  // through it is differentiated correctly.
  Tensor output();

  std::weak_ptr<TensorImpl> leaf;  // AccumulateGrad nodes: the leaf tensor, if still alive
  // AccumulateGrad nodes: called with the leaf after each backward has deposited into its .grad
  // (register_post_accumulate_grad_hook, autograd/engine.h).
  std::vector<std::function<void(const Tensor& leaf)>> post_accumulate_hooks;
  // AccumulateGrad nodes with hooks: the smallest sequence number of an op recorded on the leaf
  // since this node last ran. The engine runs the node just after that op (instead of at the end
  // of the backward), which is as soon as its gradient is complete, so the hooks fire early.
  std::atomic<uint64_t> first_consumer_seq{UINT64_MAX};
  bool released = false;           // backward ran without retain_graph; saved tensors are gone

  // Under detect_anomaly at record time: the input shapes, for the message that names where a NaN
  // was born (the op, its sequence number and these shapes).
  std::vector<Shape> anomaly_input_shapes;
};

// True when grad mode is on and any of `inputs` requires grad: the op must record a node.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return GradMode::enabled() && a.requires_grad(); }
inline bool needs_grad(const Tensor& a, const Tensor& b) {
  return GradMode::enabled() && (a.requires_grad() || (b.defined() && b.requires_grad()));
}
bool needs_grad(const std::vector<Tensor>& inputs);

// Records `out` as produced by `op` from `inputs`, with backward rule `fn`, which reads `saved`
// (their versions are taken now and checked before fn runs). Call only when needs_grad(...) holds.
// With saved.output the node keeps out's storage for Node::output().
// The initializer_list form serves the usual `record(op, out, {a, b}, ...)` without building a vector.
void record(Op op, Tensor& out, std::initializer_list<Tensor> inputs, Node::BackwardFn fn, Saved saved = {});
void record(Op op, Tensor& out, const std::vector<Tensor>& inputs, Node::BackwardFn fn, Saved saved = {});

// The node that receives gradients for tensor `t`: its grad_fn, or its (lazily created)
// AccumulateGrad node for a leaf that requires grad; nullptr otherwise.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

}  // namespace tg
