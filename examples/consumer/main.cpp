// Fits y = 3x - 2 with one nn::Linear and SGD, from outside the tapegrad tree (built against the
// installed package by scripts/test.sh), and fails unless the weights reach the line.
// Least squares on 8 exact points: the loss is a convex quadratic, so gradient descent with a
// small enough step converges to w = 3, b = -2.
#include <cmath>
#include <cstdio>

#include "tapegrad.h"

int main() {
  using namespace tg;
  Tensor x = tensor({-1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0}, {8, 1});
  Tensor y = x * 3.0 - 2.0;
  manual_seed(0);
  nn::Linear line(1, 1);
  nn::SGD opt(line.parameters(), {.lr = 0.5});
  for (int step = 0; step < 200; ++step) {
    line.zero_grad();
    Tensor loss = mean(square(line(x) - y));
    loss.backward();
    opt.step();
  }
  double w = line.weight.item<double>(), b = line.bias.item<double>();
  std::printf("consumer: fitted y = %.6f x %+.6f (expected 3x - 2)\n", w, b);
  bool ok = std::fabs(w - 3) < 1e-4 && std::fabs(b + 2) < 1e-4;
  if (!ok) std::printf("consumer: FAILED, the fit did not reach the line\n");
  return ok ? 0 : 1;
}
