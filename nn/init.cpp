// Initialisation schemes (see init.h). All of them end in one uniform or normal draw.
#include "nn/init.h"

#include <cmath>

#include "core/backend.h"
#include "core/creation.h"

namespace tg::nn::init {
namespace {

double fan(const Tensor& t, FanMode mode) {
  Fans f = calculate_fan_in_and_fan_out(t);
  int64_t n = mode == FanMode::FanIn ? f.fan_in : f.fan_out;
  TG_CHECK(n > 0, "init: {} has a zero fan; cannot scale by 1/sqrt(fan)", describe(t));
  return double(n);
}

}  // namespace

Fans calculate_fan_in_and_fan_out(const Tensor& t) {
  TG_CHECK(t.dim() >= 2, "init: fan in and fan out need a tensor with at least 2 dims, got {}", describe(t));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(Nonlinearity nonlinearity, double a) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::Relu: return std::sqrt(2.0);
    case Nonlinearity::LeakyRelu: return std::sqrt(2.0 / (1.0 + a * a));
  }
  return 1.0;
}

void uniform_(const Tensor& t, Generator& gen, double lo, double hi) {
  TG_CHECK(lo <= hi, "init::uniform_: empty range [{}, {})", lo, hi);
  Tensor handle = t;
  tg::uniform_(handle, lo, hi, gen);
}
void normal_(const Tensor& t, Generator& gen, double mean, double std) {
  TG_CHECK(std >= 0, "init::normal_: negative std {}", std);
  Tensor handle = t;
  tg::normal_(handle, mean, std, gen);
}
void constant_(const Tensor& t, double value) {
  backend(t.device()).fill(t.dtype(), t.data(), t.numel(), value);
  t.bump_version();
}
void zeros_(const Tensor& t) { constant_(t, 0.0); }
void ones_(const Tensor& t) { constant_(t, 1.0); }

void kaiming_uniform_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode));
  uniform_(t, gen, -bound, bound);
}
void kaiming_normal_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  normal_(t, gen, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode)));
}

// The same std for both draws: gain * sqrt(2 / (fan_in + fan_out)).
static double xavier_std(const Tensor& t, double gain) {
  Fans f = calculate_fan_in_and_fan_out(t);
  TG_CHECK(f.fan_in + f.fan_out > 0, "init: {} has zero fans; cannot scale by them", describe(t));
  return gain * std::sqrt(2.0 / double(f.fan_in + f.fan_out));
}
void xavier_uniform_(const Tensor& t, Generator& gen, double gain) {
  double bound = std::sqrt(3.0) * xavier_std(t, gain);
  uniform_(t, gen, -bound, bound);
}
void xavier_normal_(const Tensor& t, Generator& gen, double gain) { normal_(t, gen, 0.0, xavier_std(t, gain)); }

}  // namespace tg::nn::init
