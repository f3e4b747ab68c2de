// Activation functions as parameter-free modules (ReLU, LeakyReLU, Tanh, Sigmoid, GELU, as in
// torch.nn; they compose in nn::Sequential), and the Activation enum MLP is configured with. The math is in autograd/ops/elementwise.h.
#pragma once
#include "autograd/ops/elementwise.h"
#include "nn/module.h"

namespace tg::nn {

enum class Activation { Relu, Tanh, Gelu };

inline Tensor apply_activation(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::Relu: return relu(x);
    case Activation::Tanh: return tanh(x);
    case Activation::Gelu: return gelu(x);
  }
  return x;
}

struct ReLU : Module {
  Tensor forward(const Tensor& x) const { return relu(x); }
};
struct LeakyReLU : Module {  // x for x >= 0, negative_slope x below
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) const { return leaky_relu(x, negative_slope); }
  double negative_slope;
};
struct Sigmoid : Module {
  Tensor forward(const Tensor& x) const { return sigmoid(x); }
};
struct Tanh : Module {
  Tensor forward(const Tensor& x) const { return tanh(x); }
};
struct GELU : Module {  // exact form x * Phi(x)
  Tensor forward(const Tensor& x) const { return gelu(x); }
};

}  // namespace tg::nn
