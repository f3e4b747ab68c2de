// Recording ops on the tape.
#include "autograd/node.h"

#include <atomic>

namespace tg {

namespace {
std::atomic<uint64_t> next_seq{1};
thread_local bool grad_enabled = true;
}  // namespace

bool GradMode::enabled() { return grad_enabled; }
void GradMode::set_enabled(bool on) { grad_enabled = on; }

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
void record(Op op, Tensor& out, const Tensor* inputs, size_t n_inputs, Node::BackwardFn&& fn, bool save_output) {
  auto node = std::make_shared<Node>();
  node->op = op;
  node->seq = next_seq.fetch_add(1, std::memory_order_relaxed);
  node->inputs.reserve(n_inputs);
  for (size_t i = 0; i < n_inputs; ++i) node->inputs.push_back(gradient_edge(inputs[i]));
  node->backward = std::move(fn);
  node->out_shape = out.shape();
  node->out_dtype = out.dtype();
  node->out_device = out.device();
  if (save_output) node->saved_output = out.impl().storage;
  TensorImpl& impl = out.impl();
  impl.requires_grad = true;
  impl.grad_fn = std::move(node);
}
}  // namespace

void record(Op op, Tensor& out, std::initializer_list<Tensor> inputs, Node::BackwardFn fn, bool save_output) {
  record(op, out, inputs.begin(), inputs.size(), std::move(fn), save_output);
}
void record(Op op, Tensor& out, const std::vector<Tensor>& inputs, Node::BackwardFn fn, bool save_output) {
  record(op, out, inputs.data(), inputs.size(), std::move(fn), save_output);
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
