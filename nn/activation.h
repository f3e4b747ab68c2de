// Activation functions as parameter-free modules (ReLU, Tanh, GELU, SiLU, as in torch.nn), and the
// Activation enum MLP is configured with. The math is in autograd/ops/elementwise.h.
#pragma once
#include "autograd/ops/elementwise.h"
#include "nn/module.h"

namespace tg::nn {

enum class Activation { Relu, Tanh, Gelu, Silu };

inline Tensor apply_activation(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::Relu: return relu(x);
    case Activation::Tanh: return tanh(x);
    case Activation::Gelu: return gelu(x);
    case Activation::Silu: return silu(x);
  }
  return x;
}

struct ReLU : Module {
  Tensor forward(const Tensor& x) const { return relu(x); }
};
struct Tanh : Module {
  Tensor forward(const Tensor& x) const { return tanh(x); }
};
struct GELU : Module {  // exact form x * Phi(x)
  Tensor forward(const Tensor& x) const { return gelu(x); }
};
struct SiLU : Module {  // x * sigmoid(x)
  Tensor forward(const Tensor& x) const { return silu(x); }
};

}  // namespace tg::nn
