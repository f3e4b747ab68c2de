// Autograd that cannot silently compute a wrong gradient: storage version counters checked before
// each backward rule (PyTorch's "modified by an inplace operation"), gradients that own their
// storage and accumulate in place, backward state per call (two threads on graphs sharing a
// parameter), tg::grad running only what reaches its inputs, the gradient's device checked, and
// detect_anomaly naming the op where a NaN was born.
#include <cmath>
#include <thread>

#include "autograd/node.h"
#include "nn/optim.h"
#include "nn/state_dict.h"
#include "test_util.h"

using namespace tg;

namespace {
TensorOptions grad_f64{.dtype = DType::f64, .requires_grad = true};
}  // namespace

TEST_CASE("in-place: an optimizer step between forward and backward is refused, naming the op") {
  // The GAN case: the discriminator's step changes w after the generator's forward saved it.
  Tensor w = tensor({1, 2}, {}, grad_f64);
  Tensor x = tensor({3, 4}, {}, grad_f64);
  Tensor loss = sum(w * x);  // mul saves w and x
  nn::SGD opt({w}, {.lr = 0.1});
  w.set_grad(ones_like(w));
  opt.step();
  CHECK_ERROR(loss.backward(), "backward of mul", "its input 0", "modified by an in-place operation",
              "version 1", "version 0");
}

TEST_CASE("in-place: copy_, init and random fills bump the version; saved tensors notice") {
  Tensor x = tensor({0.5, 1.5}, {}, grad_f64);
  Tensor y = sum(log(x));  // log saves its input
  CHECK(x.version() == 0);
  nn::copy_(x.detach(), tensor({2, 3}, {}, {.dtype = DType::f64}));  // a detached handle shares the storage
  CHECK(x.version() == 1);
  CHECK_ERROR(y.backward(), "backward of log", "its input 0", "version 1");

  Tensor z = tensor({1, 2}, {}, grad_f64);
  Tensor e = sum(square(z));
  Generator gen(3);
  Tensor handle = z.detach();
  normal_(handle, 0, 1, gen);
  CHECK(z.version() == 1);
  CHECK_ERROR(e.backward(), "square", "modified by an in-place operation");
}

TEST_CASE("in-place: a write to a tensor the rule does not read is fine, as in PyTorch") {
  Tensor a = tensor({1, 2}, {}, grad_f64), b = tensor({3, 4}, {}, grad_f64);
  Tensor y = sum(a + b);  // add reads neither input
  nn::copy_(a.detach(), tensor({9, 9}, {}, {.dtype = DType::f64}));
  y.backward();
  CHECK_CLOSE(a.grad(), {1, 1});
  // exp keeps only its output: writing into its input after the forward does not matter
  Tensor x = tensor({0, 1}, {}, grad_f64);
  Tensor ex = sum(exp(x));
  nn::copy_(x.detach(), tensor({5, 5}, {}, {.dtype = DType::f64}));
  ex.backward();
  CHECK_CLOSE(x.grad(), {1, M_E}, 1e-15, 1e-15);
}

TEST_CASE("gradients never alias: a + b gives a and b their own .grad, and grad_outputs stays the caller's") {
  Tensor a = tensor({1, 2}, {}, grad_f64), b = tensor({3, 4}, {}, grad_f64);
  Tensor g = tensor({10, 20}, {}, {.dtype = DType::f64});
  (a + b).backward(g);
  CHECK(a.grad().data() != b.grad().data());
  CHECK(a.grad().data() != g.data());
  CHECK(b.grad().data() != g.data());
  // accumulation is in place into the owned buffer: a handle held across backward sees the sum
  Tensor held = a.grad();
  (a * 2.0).backward(g);
  CHECK(held.data() == a.grad().data());
  CHECK_CLOSE(held, {30, 60});
  CHECK_CLOSE(b.grad(), {10, 20});
  CHECK_CLOSE(g, {10, 20});  // the caller's tensor is untouched
}

TEST_CASE("backward state is per call: two threads backward through graphs sharing a parameter") {
  // Each thread runs 200 steps of d/dw sum(w * x_t) with its own x_t = t (all ones times t); the
  // shared w.grad must end up exactly the sum of every step of both threads.
  Tensor w = tensor({1, 1, 1}, {}, grad_f64);
  constexpr int kSteps = 200;
  auto work = [&w](double scale) {
    for (int i = 0; i < kSteps; ++i) {
      Tensor x = full({3}, scale, {.dtype = DType::f64});
      sum(mul(w, x) + exp(x * 0.0)).backward();
    }
  };
  std::thread t1(work, 1.0), t2(work, 2.0);
  t1.join();
  t2.join();
  CHECK_CLOSE(w.grad(), {3.0 * kSteps, 3.0 * kSteps, 3.0 * kSteps}, 0, 0);
}

TEST_CASE("tg::grad runs only the part of the graph that reaches its inputs") {
  Tensor x = tensor({1, 2}, {}, grad_f64), z = tensor({3, 4}, {}, grad_f64), w = tensor({5, 6}, {}, grad_f64);
  Tensor out = sum(x * 2.0) + sum(w * z);  // the second branch saves w
  nn::copy_(w.detach(), tensor({0, 0}, {}, {.dtype = DType::f64}));
  // d out / dx never runs mul(w, z)'s rule, so its stale saved w does not matter
  std::vector<Tensor> dx = grad({out}, {x}, {.retain_graph = true});
  CHECK_CLOSE(dx[0], {2, 2});
  CHECK_ERROR(grad({out}, {z}), "backward of mul", "modified by an in-place operation");
}

TEST_CASE("a gradient on the wrong device is refused like a wrong shape" * TG_CPU_ONLY) {
  test::LoopbackCuda other_device;
  Tensor x = tensor({1, 2}, {}, grad_f64);
  Tensor y = x * 1.0;
  Tensor out = y.detach();
  // an op whose (broken) backward rule returns its gradient on another device
  record(Op::Neg, out, {y}, [](const Tensor& dy, Node&) -> Grads { return {dy.to(Device::cuda)}; });
  CHECK_ERROR(sum(out).backward(), "backward of neg", "cuda:0", "cpu");
}

TEST_CASE("detect_anomaly names the op, its input shapes and its place on the tape where a NaN is born") {
  Tensor x = tensor({0, 4, 1}, {}, grad_f64);
  {
    DetectAnomalyGuard anomaly;
    Tensor y = sum(sqrt(x) * 3.0);  // d sqrt(x) = 1 / (2 sqrt x): infinite at 0
    CHECK_ERROR(y.backward(), "detect_anomaly", "sqrt", "(3,)", "op #", "NaN or infinite");
  }
  // without the guard the infinity is simply returned, as in PyTorch
  Tensor y = sum(sqrt(x) * 3.0);
  y.backward();
  std::vector<double> g = x.grad().to_vector<double>();
  CHECK(std::isinf(g[0]));
  CHECK(g[1] == doctest::Approx(0.75));
}

TEST_CASE("Module-style moves: a leaf moved after the forward refuses the stale gradient" * TG_CPU_ONLY) {
  Tensor w = tensor({1, 2}, {}, grad_f64);
  Tensor y = sum(w * 3.0);  // mul by a number saves nothing: only the leaf's dtype can catch it
  w.impl().dtype = DType::f32;  // what Module::to(f32) does to the parameter's impl
  w.impl().storage = zeros({2}).impl().storage;
  CHECK_ERROR(y.backward(), "moved", "f64", "f32");
}

TEST_CASE("index range checks on a device are remembered per version, and redone after a write" * TG_CPU_ONLY) {
  test::LoopbackCuda device;
  TensorOptions on_device{.device = Device::cuda}, i64_on_device{.dtype = DType::i64, .device = Device::cuda};
  Tensor x = arange(10, on_device).reshape({5, 2});
  Tensor idx = tensor({0, 4, 2}, {}, i64_on_device);
  CHECK_CLOSE(index_select(x, 0, idx).to(Device::cpu), {0, 1, 8, 9, 4, 5}, 0, 0);
  CHECK_CLOSE(index_select(x, 0, idx).to(Device::cpu), {0, 1, 8, 9, 4, 5}, 0, 0);  // the remembered check
  // a smaller limit than the one remembered is checked again
  CHECK_ERROR(index_select(zeros({3, 2}, on_device), 0, idx), "index_select", "index 4", "size 3");
  // an in-place write bumps the version, so the next use scans again
  nn::copy_(idx, tensor({0, 7, 2}, {}, i64_on_device));
  CHECK_ERROR(index_select(x, 0, idx), "index_select", "index 7", "size 5");
}
