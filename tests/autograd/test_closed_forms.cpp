// The closed forms docs/tour.md derives, checked against the gradients the tape computes through
// the composites: cross_entropy's (softmax - one_hot) / N, and LayerNorm's backward
//   dx = (g - mean(g) - x_hat mean(g x_hat)) / sigma,  g = dy * weight,  x_hat = (x - mu) / sigma.
#include <cmath>

#include "nn/layer_norm.h"
#include "test_util.h"

using namespace tg;

TEST_CASE("closed form: d cross_entropy / d logits = (softmax(logits) - one_hot(target)) / N") {
  Tensor logits = test::leaf({4, 5}, 21);
  Tensor target = tensor({3, 0, 4, 1}, {}, {.dtype = DType::i64});
  cross_entropy(logits, target).backward();
  Tensor closed = (softmax(logits.detach(), -1) - one_hot(target, 5, DType::f64)) / 4.0;
  CHECK_CLOSE(logits.grad(), closed, 1e-15, 1e-12);
}

TEST_CASE("closed form: LayerNorm's backward") {
  const int64_t D = 6;
  nn::LayerNorm ln(D, 1e-5);
  ln.to(DType::f64);
  Generator gen(5);
  Tensor weight_values = randn({D}, gen, {.dtype = DType::f64});
  nn::copy_(ln.weight, weight_values);
  Tensor x = test::leaf({3, D}, 22), dy = randn({3, D}, gen, {.dtype = DType::f64});
  ln(x).backward(dy);

  NoGradGuard no_grad;
  Tensor mu = mean(x, {-1}, true), sigma = sqrt(var(x, {-1}, /*correction=*/0, /*keepdim=*/true) + 1e-5);
  Tensor x_hat = (x - mu) / sigma, g = dy * weight_values;
  Tensor closed = (g - mean(g, {-1}, true) - x_hat * mean(g * x_hat, {-1}, true)) / sigma;
  CHECK_CLOSE(x.grad(), closed, 1e-14, 1e-11);
  // and the parameters': d weight = sum over rows of dy x_hat, d bias = sum of dy
  CHECK_CLOSE(ln.weight.grad(), sum(dy * x_hat, {0}), 1e-14, 1e-11);
  CHECK_CLOSE(ln.bias.grad(), sum(dy, {0}), 1e-14, 1e-11);
}
