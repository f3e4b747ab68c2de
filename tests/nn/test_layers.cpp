// Layers: Linear against its closed form, MLP training on XOR, LayerNorm against PyTorch and
// gradcheck, Embedding lookups and gradients, Dropout in train and eval mode.
#include <cmath>

#include "reference/nn_reference.h"
#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {
TensorOptions f64{.dtype = DType::f64};
}

TEST_CASE("Linear forward and backward match y = x W^T + b") {
  nn::Linear lin(3, 2);
  lin.to(DType::f64);
  std::vector<double> W = {1, -2, 0.5, 3, 0.25, -1}, b = {0.5, -1.5};  // W is (2, 3)
  nn::copy_(lin.weight, tensor(W, {2, 3}, f64));
  nn::copy_(lin.bias, tensor(b, {2}, f64));
  std::vector<double> x = {1, 2, 3, -1, 0, 2, 0.5, -0.5, 1, 2, 1, 0};  // (4, 3)
  std::vector<double> c = {1, 2, -1, 0.5, 3, -2, 0.25, 1};              // dL/dy, (4, 2)
  Tensor xt = tensor(x, {4, 3}, f64);
  xt.requires_grad_();
  Tensor y = lin(xt);
  sum(mul(y, tensor(c, {4, 2}, f64))).backward();

  // y[n,o] = sum_i x[n,i] W[o,i] + b[o];  dx = c W;  dW = c^T x;  db = sum_n c
  std::vector<double> ey(8, 0), edx(12, 0), edW(6, 0), edb(2, 0);
  for (int n = 0; n < 4; ++n)
    for (int o = 0; o < 2; ++o) {
      ey[n * 2 + o] = b[o];
      edb[o] += c[n * 2 + o];
      for (int i = 0; i < 3; ++i) {
        ey[n * 2 + o] += x[n * 3 + i] * W[o * 3 + i];
        edx[n * 3 + i] += c[n * 2 + o] * W[o * 3 + i];
        edW[o * 3 + i] += c[n * 2 + o] * x[n * 3 + i];
      }
    }
  CHECK(y.shape() == Shape{4, 2});
  CHECK_CLOSE(y, ey, 1e-12, 1e-12);
  CHECK_CLOSE(xt.grad(), edx, 1e-12, 1e-12);
  CHECK_CLOSE(lin.weight.grad(), edW, 1e-12, 1e-12);
  CHECK_CLOSE(lin.bias.grad(), edb, 1e-12, 1e-12);
}

TEST_CASE("Linear takes leading batch dims, checks its input, and gradchecks") {
  Generator gen(3);
  nn::Linear lin(4, 3, /*bias=*/true, gen);
  lin.to(DType::f64);
  Tensor x = leaf({2, 5, 4}, 7);
  Tensor y = lin(x);
  CHECK(y.shape() == Shape{2, 5, 3});
  CHECK_CLOSE(reshape(y, {10, 3}), lin(reshape(x, {10, 4})), 1e-12, 1e-12);
  const std::string message =
      fmt::format("Linear(4, 3): input f64 (2, 5) {} must end in 4 features", test::device_name());
  CHECK_THROWS_WITH_AS(lin(zeros({2, 5}, f64)), message.c_str(), Error);
  CHECK_GRADCHECK([&lin](auto& in) { return lin(in[0]); }, (std::vector<Tensor>{leaf({3, 4}, 8)}));
  CHECK_GRADCHECK([&lin](auto&) { return lin(tensor({0.5, -1, 2, 0.25}, {1, 4}, {.dtype = DType::f64})); },
                  (std::vector<Tensor>{lin.weight, lin.bias}));

  nn::Linear no_bias(4, 3, /*bias=*/false, gen);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.parameters().size() == 1);
}

TEST_CASE("MLP learns XOR: MSE falls at least 50x in 300 Adam steps (seed 0)") {
  Generator gen(0);
  nn::MLP mlp({2, 8, 1}, nn::Activation::Tanh, /*bias=*/true, gen);
  CHECK(mlp.layers.size() == 2);
  Tensor x = tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor t = tensor({0, 1, 1, 0}, {4, 1});
  nn::Adam opt(mlp.parameters(), {.lr = 0.05});
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor loss = mse_loss(mlp(x), t);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  MESSAGE("XOR MSE " << first << " -> " << last);
  CHECK(last * 50 < first);
}

TEST_CASE("LayerNorm matches PyTorch values and gradients") {
  for (DType dt : {DType::f64, DType::f32}) {
    INFO("dtype ", dtype_name(dt));
    double tol = dt == DType::f64 ? 1e-12 : 2e-6;
    nn::LayerNorm ln(5);
    ln.to(dt);
    nn::copy_(ln.weight, tensor(nn_ref::layer_norm_weight, {5}, {.dtype = dt}));
    nn::copy_(ln.bias, tensor(nn_ref::layer_norm_bias, {5}, {.dtype = dt}));
    Tensor x = tensor(nn_ref::layer_norm_x, {3, 5}, {.dtype = dt, .requires_grad = true});
    Tensor y = ln(x);
    sum(mul(y, tensor(nn_ref::layer_norm_c, {3, 5}, {.dtype = dt}))).backward();
    CHECK_CLOSE(y, nn_ref::layer_norm_y, tol, tol);
    CHECK_CLOSE(x.grad(), nn_ref::layer_norm_dx, tol, tol);
    CHECK_CLOSE(ln.weight.grad(), nn_ref::layer_norm_dweight, tol, tol);
    CHECK_CLOSE(ln.bias.grad(), nn_ref::layer_norm_dbias, tol, tol);
  }
}

TEST_CASE("LayerNorm gradchecks in f64 and normalises without affine") {
  nn::LayerNorm ln(6, 1e-5);
  ln.to(DType::f64);
  Generator gen(11);
  nn::init::normal_(ln.weight, gen, 1.0, 0.5);
  nn::init::normal_(ln.bias, gen, 0.0, 0.5);
  CHECK_GRADCHECK([&ln](auto& in) { return ln(in[0]); }, (std::vector<Tensor>{leaf({2, 3, 6}, 12, 2.0, 1.0)}));
  CHECK_GRADCHECK([&ln](auto&) { return ln(tensor({1, -2, 0.5, 3, 0, -1}, {1, 6}, {.dtype = DType::f64})); },
                  (std::vector<Tensor>{ln.weight, ln.bias}));

  nn::LayerNorm plain(4, 0.0, /*elementwise_affine=*/false);
  CHECK(plain.parameters().empty());
  // (1, 2, 3, 4): mean 2.5, population variance 1.25
  CHECK_CLOSE(plain(tensor({1, 2, 3, 4}, {1, 4}, f64)), {-1.5 / std::sqrt(1.25), -0.5 / std::sqrt(1.25),
                                                         0.5 / std::sqrt(1.25), 1.5 / std::sqrt(1.25)}, 1e-12, 1e-12);
}

TEST_CASE("Embedding looks up rows and accumulates gradients of repeated indices") {
  Generator gen(5);
  nn::Embedding emb(3, 2, gen);
  std::vector<double> w = emb.weight.to_vector<double>();
  Tensor out = emb(tensor({1, 1, 0, 2}, {2, 2}, {.dtype = DType::i64}));
  CHECK(out.shape() == Shape{2, 2, 2});
  CHECK_CLOSE(out, {w[2], w[3], w[2], w[3], w[0], w[1], w[4], w[5]}, 0, 0);
  sum(out).backward();
  CHECK_CLOSE(emb.weight.grad(), {1, 1, 2, 2, 1, 1});
  CHECK_THROWS_AS(emb(tensor({3}, {1}, {.dtype = DType::i64})), Error);
}

TEST_CASE("Dropout zeroes about p of the elements in training and is the identity in eval") {
  Generator gen(21);
  nn::Dropout drop(0.25, gen);
  Tensor x = ones({100, 100});
  std::vector<float> y = drop(x).to_vector();
  int zeros = 0;
  bool scaled = true;
  for (float v : y) {
    zeros += v == 0;
    scaled = scaled && (v == 0 || std::fabs(v - 1 / 0.75f) < 1e-6);
  }
  // 10000 Bernoulli(0.25) draws: std of the fraction is 0.0043, so +-0.02 is over 4 sigma.
  CHECK(std::fabs(zeros / 1e4 - 0.25) < 0.02);
  CHECK(scaled);
  drop.eval();
  CHECK_FALSE(drop.is_training());
  CHECK(drop(x).same(x));
  CHECK_THROWS_AS(nn::Dropout(1.5), Error);
}

TEST_CASE("activation modules apply their functions") {
  Tensor x = tensor({-1, 0, 2}, {}, f64);
  CHECK_CLOSE(nn::ReLU().forward(x), {0, 0, 2});
  CHECK_CLOSE(nn::Tanh().forward(x), {std::tanh(-1.0), 0, std::tanh(2.0)}, 1e-12, 1e-12);
  CHECK_CLOSE(nn::GELU().forward(x), gelu(x), 0, 0);
}
