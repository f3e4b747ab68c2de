// The reverse pass. Every node's consumers were recorded after it, so they have larger
// sequence numbers: popping nodes from a max-heap on seq guarantees that when a node runs,
// every gradient that will ever reach it has already been summed into its pending gradient.
// All working state (the heap, the pending gradients, which nodes tg::grad needs) lives in the
// call, never on the nodes, so threads can run backward on graphs that share parameters.
#include "autograd/engine.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/raw.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

// The heap's order: 2 seq for an op's node. A leaf's AccumulateGrad node would run last (seq 0), but
// one with hooks runs at 2 s - 1, just after the first op recorded on the leaf (sequence number s):
// every op that used the leaf has a larger number, so its gradient is complete by then.
uint64_t run_order(const Node* n) {
  if (n->op != Op::AccumulateGrad || n->post_accumulate_hooks.empty()) return 2 * n->seq;
  uint64_t first = n->first_consumer_seq.load(std::memory_order_relaxed);
  return first == UINT64_MAX ? 0 : 2 * first - 1;
}
using Heap = std::priority_queue<std::pair<uint64_t, Node*>>;

// The gradient summed so far for each node a backward call has reached: an open-addressing table
// keyed by node address (no allocation per node, unlike std::unordered_map; the tape overhead bench
// showed the difference). Entries are not erased during a call: a node runs once, after its last
// deposit. clear() empties only the slots the call used, so the table can serve the next call.
class PendingGrads {
 public:
  struct Slot {
    Node* node = nullptr;
    Tensor grad;
  };
  // The slot of `node`, created empty if the node is new (then `created` is set).
  Slot& find(Node* node, bool& created) {
    if (2 * (occupied_.size() + 1) > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(node) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      created = s.node == nullptr;
      if (created) {
        s.node = node;
        occupied_.push_back(i);
      }
      if (s.node == node) return s;
    }
  }
  void clear() {
    for (size_t i : occupied_) slots_[i] = Slot{};
    occupied_.clear();
  }
  size_t capacity() const { return slots_.size(); }

 private:
  static size_t hash(const Node* p) { return (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15ull >> 16; }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_ = std::vector<Slot>(std::max<size_t>(64, old.size() * 2));
    occupied_.clear();
    bool created;
    for (Slot& s : old)
      if (s.node) find(s.node, created) = std::move(s);
  }
  std::vector<Slot> slots_;
  std::vector<size_t> occupied_;
};

// Tables kept for reuse by later backward calls on this thread: a fresh table per call meant a
// large allocation (mmap, page faults) for every backward of a long tape. A backward started from
// inside another (a rule calling tg::grad) takes a second table, so nothing is shared.
thread_local std::vector<std::unique_ptr<PendingGrads>> spare_tables;
constexpr size_t kKeptTableSlots = size_t(1) << 16;  // 1.5 MB: tapes of up to 32k nodes

// One backward call's state: the nodes waiting to run and the gradient summed so far for each.
struct Pass {
  Heap heap;
  std::unique_ptr<PendingGrads> pending;
  const std::unordered_set<Node*>* needed = nullptr;  // tg::grad: only nodes that reach an input

  Pass() {
    if (spare_tables.empty()) {
      pending = std::make_unique<PendingGrads>();
    } else {
      pending = std::move(spare_tables.back());
      spare_tables.pop_back();
    }
  }
  ~Pass() {
    pending->clear();  // drops the gradients of nodes left over when a rule threw
    // a table grown for a huge tape is freed rather than kept for the life of the thread
    if (pending->capacity() <= kKeptTableSlots) spare_tables.push_back(std::move(pending));
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  void deposit(Node* node, const Tensor& g) {
    if (needed && !needed->count(node)) return;
    bool first;
    PendingGrads::Slot& slot = pending->find(node, first);
    // A slot whose gradient was taken belongs to a node that ran already: only an AccumulateGrad
    // node with hooks can see that, scheduled by a consumer of another graph (run_order); it runs
    // again with the late gradient, so .grad still gets the whole sum.
    if (first || !slot.grad.defined()) {
      slot.grad = g;
      heap.push({run_order(node), node});
    } else {
      slot.grad = add(slot.grad, g);
    }
  }
  Tensor take(Node* node) {
    bool first;
    return std::move(pending->find(node, first).grad);
  }
};

// Serialises deposits into .grad: two threads' backward passes may reach the same parameter.
std::mutex leaf_grad_mutex;

// .grad is owned by its leaf and accumulated in place, so a handle the user holds stays the
// gradient and no two leaves ever share a gradient's storage. The first gradient is taken as it is
// when nothing else refers to its storage, copied otherwise (the gradient of a + b reaches a and b
// as the same tensor). With create_graph the sum stays on the tape (out of place, as in PyTorch).
void accumulate_into_leaf(TensorImpl& leaf, Tensor g, bool create_graph) {
  std::lock_guard<std::mutex> lock(leaf_grad_mutex);
  if (!leaf.grad) {
    bool exclusive = g.impl_ptr().use_count() == 1 && g.impl().storage.use_count() == 1;
    Tensor value = create_graph ? g : g.detach();
    leaf.grad = (exclusive ? value : value.clone()).impl_ptr();
    return;
  }
  Tensor current(leaf.grad);
  if (create_graph || current.requires_grad()) {
    leaf.grad = add(current, g).impl_ptr();
    return;
  }
  raw::add_(current, g);
}

void check_grad(const Node& producer, size_t input, const Node& target, const Tensor& g) {
  TG_CHECK(g.shape() == target.out_shape && g.dtype() == target.out_dtype && g.device() == target.out_device,
           "backward of {}: produced a gradient {} for its input {}, which is {} {} {}", op_name(producer.op),
           describe(g), input, dtype_name(target.out_dtype), shape_str(target.out_shape), target.out_device.str());
}

// detect_anomaly: the first non-finite gradient names the op that made it and the forward call.
void check_finite(const Node& node, size_t input, const Tensor& g) {
  if (backend(g.device()).all_finite(g.dtype(), g.data(), g.numel())) return;
  std::string shapes = "not recorded (enable detect_anomaly before the forward pass)";
  if (!node.anomaly_input_shapes.empty()) {
    shapes.clear();
    for (const Shape& s : node.anomaly_input_shapes) shapes += (shapes.empty() ? "" : ", ") + shape_str(s);
  }
  fail("detect_anomaly: the backward of {} returned a NaN or infinite gradient for its input {} ({}); the "
       "forward call was {}() with inputs of shapes {}, op #{} on the tape",
       op_name(node.op), input, describe(g), op_name(node.op), shapes, node.seq);
}

Tensor default_grad(const Tensor& out, const Tensor& given, size_t i) {
  if (given.defined()) {
    TG_CHECK(given.shape() == out.shape() && given.dtype() == out.dtype() && given.device() == out.device(),
             "backward: grad_outputs[{}] is {} but the output is {}", i, describe(given), describe(out));
    return given;
  }
  TG_CHECK(out.numel() == 1, "backward: output {} is not a scalar; pass a gradient of the same shape "
           "(grad_outputs) to backpropagate from it", describe(out));
  return ones_like(out);
}

// The nodes from which some target can be reached (targets included): all tg::grad has to run.
// Iterative depth-first search, so a chain of a million ops does not overflow the stack.
std::unordered_set<Node*> nodes_reaching(const std::vector<Node*>& roots,
                                         const std::unordered_map<Node*, size_t>& targets) {
  std::unordered_map<Node*, bool> reaches;  // visited nodes: whether a target is below
  std::vector<std::pair<Node*, size_t>> stack;  // a node and the next input edge to follow
  for (Node* root : roots) {
    if (reaches.count(root)) continue;
    reaches[root] = targets.count(root) > 0;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Node* node = stack.back().first;
      size_t& next = stack.back().second;
      if (next < node->inputs.size()) {
        Node* child = node->inputs[next++].get();
        if (!child) continue;
        auto it = reaches.find(child);
        if (it == reaches.end()) {
          reaches[child] = targets.count(child) > 0;
          stack.push_back({child, 0});
        } else if (it->second) {
          reaches[node] = true;
        }
        continue;
      }
      stack.pop_back();
      if (!stack.empty() && reaches[node]) reaches[stack.back().first] = true;
    }
  }
  std::unordered_set<Node*> needed;
  for (auto& [node, yes] : reaches)
    if (yes) needed.insert(node);
  return needed;
}

// Runs the tape from `outputs`. With `targets` (tg::grad), the gradient arriving at each target
// node is returned in `captured` and leaves' .grad is left alone.
void run(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
         bool create_graph, const std::unordered_map<Node*, size_t>* targets, std::vector<Tensor>* captured) {
  TG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
           "backward: {} outputs but {} grad_outputs", outputs.size(), grad_outputs.size());
  EnableGradGuard mode(create_graph);
  const bool anomaly = AnomalyMode::enabled();
  Pass pass;
  std::vector<Node*> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    TG_CHECK(outputs[i].requires_grad(), "backward: output {} does not require grad (no input it was computed "
             "from requires grad, or it was computed under no_grad)", describe(outputs[i]));
    roots.push_back(gradient_edge(outputs[i]).get());
  }
  std::unordered_set<Node*> needed;
  if (targets) {
    needed = nodes_reaching(roots, *targets);
    pass.needed = &needed;
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    pass.deposit(roots[i], default_grad(outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i], i));

  while (!pass.heap.empty()) {
    Node* node = pass.heap.top().second;
    pass.heap.pop();
    Tensor g = pass.take(node);

    if (targets) {
      auto it = targets->find(node);
      if (it != targets->end()) {
        Tensor& slot = (*captured)[it->second];
        slot = slot.defined() ? add(slot, g) : g;
      }
    }
    if (node->op == Op::AccumulateGrad) {
      if (targets) continue;
      if (std::shared_ptr<TensorImpl> leaf = node->leaf.lock()) {
        TG_CHECK(leaf->dtype == node->out_dtype && leaf->storage->device == node->out_device,
                 "backward: a leaf {} {} was moved to {} {} (Module::to) after the graph was recorded; "
                 "compute the forward again after moving the model", dtype_name(node->out_dtype),
                 node->out_device.str(), dtype_name(leaf->dtype), leaf->storage->device.str());
        accumulate_into_leaf(*leaf, std::move(g), create_graph);
        if (!node->post_accumulate_hooks.empty()) {
          node->first_consumer_seq.store(UINT64_MAX, std::memory_order_relaxed);  // the next forward sets it
          Tensor handle(leaf);
          for (const auto& hook : node->post_accumulate_hooks) hook(handle);
        }
      }
      continue;
    }
    TG_CHECK(!node->released, "backward: trying to backward through the graph of {} a second time; its saved "
             "tensors were freed after the first backward. Pass retain_graph=true the first time.",
             op_name(node->op));
    node->check_saved_versions();
    Grads grads = node->backward(g, *node);
    TG_CHECK(grads.size() == node->inputs.size(), "backward of {}: returned {} gradients for {} inputs",
             op_name(node->op), grads.size(), node->inputs.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      Node* next = node->inputs[i].get();
      if (!next || !grads[i].defined()) continue;
      check_grad(*node, i, *next, grads[i]);
      if (anomaly) check_finite(*node, i, grads[i]);
      pass.deposit(next, grads[i]);
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

void register_post_accumulate_grad_hook(const Tensor& leaf, std::function<void(const Tensor& leaf)> hook) {
  TG_CHECK(leaf.is_leaf() && leaf.requires_grad(), "register_post_accumulate_grad_hook: {} is not a leaf that "
           "requires grad (a parameter); only leaves accumulate into .grad", describe(leaf));
  gradient_edge(leaf)->post_accumulate_hooks.push_back(std::move(hook));
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
