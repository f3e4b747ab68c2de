// Conv2d and ConvTranspose2d layers (shapes, PyTorch's init bounds, forward = the functional op)
// and Sequential (composition, torch's state-dict names, load_state_dict round trip).
#include <algorithm>
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {

// The largest |value|: PyTorch's conv init draws U(-bound, bound), so it lies below the bound and,
// with hundreds of draws, close to it.
double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

TEST_CASE("Conv2d: (out, in, k, k) weight, U(+-1/sqrt(in k k)) init, forward is conv2d") {
  Generator gen(3);
  nn::Conv2d conv(4, 8, 3, 2, 1, true, gen);
  CHECK(conv.weight.shape() == Shape{8, 4, 3, 3});
  CHECK(conv.bias.shape() == Shape{8});
  double bound = 1.0 / std::sqrt(4.0 * 9);
  CHECK(max_abs(conv.weight) <= bound);
  CHECK(max_abs(conv.weight) > 0.95 * bound);  // 288 draws: P(all below 0.95 bound) = 0.95^288 < 1e-6
  CHECK(max_abs(conv.bias) <= bound);
  Tensor x = randn({2, 4, 9, 7}, gen);
  Tensor y = conv(x);
  CHECK(y.shape() == Shape{2, 8, 5, 4});
  CHECK_CLOSE(y, conv2d(x, conv.weight, conv.bias, {2, 2}, {1, 1}), 0, 0);
  conv.dilation = {2, 1};
  CHECK_CLOSE(conv(x), conv2d(x, conv.weight, conv.bias, {2, 2}, {1, 1}, {2, 1}), 0, 0);
  nn::Conv2d no_bias(4, 8, 3, 1, 0, false, gen);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.parameters().size() == 1);
  CHECK_ERROR(nn::Conv2d(4, 8, 0), "Conv2d", "kernel 0");
  CHECK_ERROR(conv(randn({2, 3, 9, 7})), "conv2d", "(2, 3, 9, 7)", "(8, 4, 3, 3)");
}

TEST_CASE("ConvTranspose2d: (in, out, k, k) weight, fan_in from out k k, doubles 7 -> 14 with k4 s2 p1") {
  Generator gen(4);
  nn::ConvTranspose2d up(16, 4, 4, 2, 1, 0, true, gen);
  CHECK(up.weight.shape() == Shape{16, 4, 4, 4});
  double bound = 1.0 / std::sqrt(4.0 * 16);  // torch takes fan_in from weight.size(1) = out
  CHECK(max_abs(up.weight) <= bound);
  CHECK(max_abs(up.weight) > 0.95 * bound);
  CHECK(max_abs(up.bias) <= bound);
  Tensor x = randn({3, 16, 7, 7}, gen);
  Tensor y = up(x);
  CHECK(y.shape() == Shape{3, 4, 14, 14});
  CHECK_CLOSE(y, conv_transpose2d(x, up.weight, up.bias, {2, 2}, {1, 1}), 0, 0);
  nn::ConvTranspose2d odd(16, 4, 3, 2, 1, 1, false, gen);  // output_padding 1: 7 -> 14 with k3
  CHECK(odd(x).shape() == Shape{3, 4, 14, 14});
  CHECK_ERROR(nn::ConvTranspose2d(16, 4, 3, 2, 1, 2), "ConvTranspose2d", "output_padding 2");
}

TEST_CASE("Sequential composes modules and names them 0, 1, ... as torch") {
  Generator gen(5);
  nn::Sequential net;
  auto conv = net.push_back(std::make_shared<nn::Conv2d>(1, 4, 4, 2, 1, true, gen));
  net.push_back(std::make_shared<nn::LeakyReLU>(0.2));
  net.push_back(std::make_shared<nn::Flatten>());
  auto lin = net.push_back(std::make_shared<nn::Linear>(4 * 7 * 7, 1, true, gen));
  net.push_back(std::make_shared<nn::Sigmoid>());
  CHECK(net.size() == 5);
  std::vector<std::string> names;
  for (auto& [name, p] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"});
  Tensor x = randn({2, 1, 14, 14}, gen);
  Tensor expected = sigmoid((*lin)(reshape(leaky_relu((*conv)(x), 0.2), {2, -1})));
  CHECK_CLOSE(net(x), expected, 0, 0);
  // the state dict round-trips into a second network of the same layout
  nn::Sequential other;
  other.push_back(std::make_shared<nn::Conv2d>(1, 4, 4, 2, 1, true, gen));
  other.push_back(std::make_shared<nn::LeakyReLU>(0.2));
  other.push_back(std::make_shared<nn::Flatten>());
  other.push_back(std::make_shared<nn::Linear>(4 * 7 * 7, 1, true, gen));
  other.push_back(std::make_shared<nn::Sigmoid>());
  other.load_state_dict(net.state_dict());
  CHECK_CLOSE(other(x), expected, 0, 0);
  // Unflatten is Flatten's inverse
  nn::Unflatten unflatten(1, {4, 7, 7});
  Tensor h = randn({2, 196}, gen);
  CHECK(unflatten(h).shape() == Shape{2, 4, 7, 7});
  CHECK_CLOSE(nn::Flatten()(unflatten(h)), h, 0, 0);
  // gradients reach every parameter
  sum(net(x)).backward();
  for (auto& [name, p] : net.named_parameters()) CHECK_MESSAGE(p.grad().defined(), name);
}
