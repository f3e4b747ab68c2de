// The autograd side of core/autograd_hooks.h: Tensor::backward, reshape, to and clone run the
// differentiable ops here. Installed before main by a static initializer; the autograd target's
// link options name `tg_autograd_hooks` (CMakeLists.txt) so the linker keeps this object, which
// nothing else refers to, when it takes the layer from its archive.
#include "autograd/engine.h"
#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/shape.h"
#include "core/autograd_hooks.h"

namespace tg {
namespace {

struct TapeHooks final : AutogradHooks {
  void backward(const Tensor& t, const Tensor& grad, bool retain_graph, bool create_graph) const override {
    tg::backward({t}, grad.defined() ? std::vector<Tensor>{grad} : std::vector<Tensor>{}, retain_graph,
                 create_graph);
  }
  Tensor reshape(const Tensor& x, const Shape& shape) const override { return tg::reshape(x, shape); }
  Tensor cast(const Tensor& x, DType dtype) const override { return tg::cast(x, dtype); }
  // The gradient of a copy to another device is the copy back.
  Tensor to_device(const Tensor& x, Device device) const override {
    Tensor out = raw::to_device(x, device);
    if (needs_grad(x))
      record(Op::ToDevice, out, {x}, [from = x.device()](const Tensor& dy, Node&) -> Grads { return {dy.to(from)}; });
    return out;
  }
};

const TapeHooks hooks;

}  // namespace
}  // namespace tg

// The installer, with a C name the linker can be told to keep (-u tg_autograd_hooks).
extern "C" const bool tg_autograd_hooks = (tg::set_autograd_hooks(&tg::hooks), true);
