// Recording ops on the tape.
#include "autograd/node.h"

#include <atomic>
#include <mutex>

namespace tg {

namespace {
std::atomic<uint64_t> next_seq{1};
thread_local bool grad_enabled = true;
thread_local bool anomaly_enabled = false;
// Serialises the lazy creation of a leaf's AccumulateGrad node: two threads recording ops on the
// same parameter must get the same node.
std::mutex accumulator_mutex;
}  // namespace

bool GradMode::enabled() { return grad_enabled; }
void GradMode::set_enabled(bool on) { grad_enabled = on; }
bool AnomalyMode::enabled() { return anomaly_enabled; }
void AnomalyMode::set_enabled(bool on) { anomaly_enabled = on; }

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  TensorImpl& impl = t.impl();
  if (impl.grad_fn) return impl.grad_fn;
  std::lock_guard<std::mutex> lock(accumulator_mutex);
  if (!impl.grad_accumulator) {
    auto acc = std::make_shared<Node>();
    acc->op = Op::AccumulateGrad;
    acc->out_shape = impl.shape;
    acc->out_dtype = impl.dtype;
    acc->out_device = t.device();
    acc->leaf = t.impl_ptr();
    impl.grad_accumulator = std::move(acc);
  }
  return impl.grad_accumulator;
}

namespace {
int input_index(const Storage* storage, const Tensor* inputs, size_t n_inputs) {
  for (size_t i = 0; i < n_inputs; ++i)
    if (inputs[i].defined() && inputs[i].impl().storage.get() == storage) return int(i);
  return -2;
}

void record(Op op, Tensor& out, const Tensor* inputs, size_t n_inputs, Node::BackwardFn&& fn, const Saved& saved) {
  auto node = std::make_shared<Node>();
  node->op = op;
  node->seq = next_seq.fetch_add(1, std::memory_order_relaxed);
  node->inputs.reserve(n_inputs);
  for (size_t i = 0; i < n_inputs; ++i) {
    node->inputs.push_back(gradient_edge(inputs[i]));
    Node* edge = node->inputs.back().get();
    if (edge && edge->op == Op::AccumulateGrad && !edge->post_accumulate_hooks.empty()) {
      uint64_t first = edge->first_consumer_seq.load(std::memory_order_relaxed);
      while (node->seq < first && !edge->first_consumer_seq.compare_exchange_weak(first, node->seq)) {
      }
    }
  }
  node->backward = std::move(fn);
  node->out_shape = out.shape();
  node->out_dtype = out.dtype();
  node->out_device = out.device();
  if (saved.tensors.size() > 0 || saved.output) {
    node->saved_versions.reserve(saved.tensors.size() + saved.output);
    for (const Tensor& t : saved.tensors) {
      if (!t.defined()) continue;
      const Storage* storage = t.impl().storage.get();
      node->saved_versions.push_back({storage, t.version(), input_index(storage, inputs, n_inputs)});
    }
    if (saved.output) {
      node->saved_output = out.impl().storage;
      node->saved_versions.push_back({node->saved_output.get(), out.version(), -1});
    }
  }
  if (AnomalyMode::enabled())
    for (size_t i = 0; i < n_inputs; ++i) node->anomaly_input_shapes.push_back(inputs[i].shape());
  TensorImpl& impl = out.impl();
  impl.requires_grad = true;
  impl.grad_fn = std::move(node);
}
}  // namespace

void record(Op op, Tensor& out, std::initializer_list<Tensor> inputs, Node::BackwardFn fn, Saved saved) {
  record(op, out, inputs.begin(), inputs.size(), std::move(fn), saved);
}
void record(Op op, Tensor& out, const std::vector<Tensor>& inputs, Node::BackwardFn fn, Saved saved) {
  record(op, out, inputs.data(), inputs.size(), std::move(fn), saved);
}

void Node::check_saved_versions() const {
  for (const SavedVersion& s : saved_versions) {
    uint64_t now = s.storage->version.load(std::memory_order_relaxed);
    if (now == s.version) continue;
    std::string which = s.input >= 0 ? fmt::format("its input {}", s.input)
                        : s.input == -1 ? std::string("its output")
                                        : std::string("a tensor it saved");
    fail("backward of {} (op #{} on the tape, output {} {}): {}, saved for the gradient, was modified by an "
         "in-place operation (an optimizer step, copy_, an init or a random fill) after {} was recorded: it is "
         "at version {}, the gradient needs version {}. Compute the forward again after the update, or "
         "clone() the tensor before changing it.",
         op_name(op), seq, dtype_name(out_dtype), shape_str(out_shape), which, op_name(op), now, s.version);
  }
}

Tensor Node::output() {
  TG_CHECK(saved_output, "{}: backward asked for the saved output, but the op did not save it (or the "
           "graph was already freed; use retain_graph=true to backward twice)", op_name(op));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = out_shape;
  impl->dtype = out_dtype;
  impl->storage = saved_output;
  impl->requires_grad = true;
  impl->grad_fn = shared_from_this();
  return Tensor(std::move(impl));
}

}  // namespace tg
