// Parameter initialisation schemes (torch.nn.init): each fills a tensor in place from a
// Generator, without autograd. Fans follow PyTorch: for a (out, in, k...) weight,
// fan_in = in * prod(k), fan_out = out * prod(k).
#pragma once
#include "core/random.h"
#include "core/tensor.h"

namespace tg::nn::init {

enum class FanMode { FanIn, FanOut };
enum class Nonlinearity { Linear, Sigmoid, Tanh, Relu, LeakyRelu };

struct Fans {
  int64_t fan_in, fan_out;
};
Fans calculate_fan_in_and_fan_out(const Tensor& t);  // needs t.dim() >= 2
// The gain that keeps activations' variance stable: 1 (linear, sigmoid), 5/3 (tanh),
// sqrt(2) (relu), sqrt(2 / (1 + a^2)) (leaky relu with negative slope a).
double calculate_gain(Nonlinearity nonlinearity, double a = 0);

void uniform_(const Tensor& t, Generator& gen, double lo = 0, double hi = 1);
void normal_(const Tensor& t, Generator& gen, double mean = 0, double std = 1);
void constant_(const Tensor& t, double value);
void zeros_(const Tensor& t);
void ones_(const Tensor& t);

// std = gain / sqrt(fan); uniform draws from U(-sqrt(3) std, sqrt(3) std), normal from N(0, std^2).
// PyTorch's defaults: a = 0, fan_in, leaky_relu (which with a = 0 is relu's gain sqrt(2)).
void kaiming_uniform_(const Tensor& t, Generator& gen, double a = 0, FanMode mode = FanMode::FanIn,
                      Nonlinearity nonlinearity = Nonlinearity::LeakyRelu);
void kaiming_normal_(const Tensor& t, Generator& gen, double a = 0, FanMode mode = FanMode::FanIn,
                     Nonlinearity nonlinearity = Nonlinearity::LeakyRelu);
// std = gain * sqrt(2 / (fan_in + fan_out)), drawn the same two ways.
void xavier_uniform_(const Tensor& t, Generator& gen, double gain = 1);
void xavier_normal_(const Tensor& t, Generator& gen, double gain = 1);

}  // namespace tg::nn::init
