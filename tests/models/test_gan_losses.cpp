// The GAN losses: exact values of the non-saturating and Wasserstein losses on small logits, the
// gradient penalty of a linear critic in closed form, and the penalty's gradient wrt a critic's
// parameters (through double backward) against central finite differences in f64.
#include <cmath>

#include "models/gan_losses.h"
#include "test_util.h"

using namespace tg;

namespace {

double softplus_d(double x) { return std::log1p(std::exp(x)); }

Tensor f64(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, {.dtype = DType::f64}); }

}  // namespace

TEST_CASE("gan losses: non-saturating and Wasserstein losses on small logits") {
  Tensor real = f64({0.5, -1.0, 2.0}, {3, 1}), fake = f64({2.0, 0.0, -0.5}, {3, 1});
  // BCE(l, 1) = softplus(-l), BCE(l, 0) = softplus(l)
  double d_loss = (softplus_d(-0.5) + softplus_d(1.0) + softplus_d(-2.0)) / 3 +
                  (softplus_d(2.0) + softplus_d(0.0) + softplus_d(-0.5)) / 3;
  double g_loss = (softplus_d(-2.0) + softplus_d(0.0) + softplus_d(0.5)) / 3;
  CHECK(models::ns_discriminator_loss(real, fake).item<double>() == doctest::Approx(d_loss).epsilon(1e-14));
  CHECK(models::ns_generator_loss(fake).item<double>() == doctest::Approx(g_loss).epsilon(1e-14));
  // E[D(fake)] - E[D(real)] = 0.5 - 0.5 = 0 ... with (N,) scores too
  CHECK(models::wgan_critic_loss(reshape(real, {3}), reshape(fake, {3})).item<double>() ==
        doctest::Approx(0.5 - 0.5).epsilon(1e-14));
  CHECK(models::wgan_critic_loss(real, mul(fake, 2.0)).item<double>() == doctest::Approx(1.0 - 0.5).epsilon(1e-14));
  CHECK(models::wgan_generator_loss(fake).item<double>() == doctest::Approx(-0.5).epsilon(1e-14));
  CHECK(test::error_report([&] { models::ns_generator_loss(zeros({3, 2})); }, {"ns_generator_loss", "(3, 2)"}) == "");
}

TEST_CASE("gan losses: a linear critic D(x) = <w, x> + b has GP = (|w| - 1)^2 and dGP/dw = 2 (|w| - 1) w / |w|") {
  // images (N, 1, 2, 2): w has 4 entries, |w| = sqrt(0.25 + 1 + 4 + 0.09)
  Tensor w = test::leaf_values({0.5, -1.0, 2.0, 0.3}, {1, 1, 2, 2});
  Tensor b = test::leaf_values({0.7}, {1});
  models::Discriminator critic = [&](const Tensor& x) { return add(sum(mul(x, w), {1, 2, 3}), b); };
  Generator gen(3);
  Tensor real = randn({5, 1, 2, 2}, gen, {.dtype = DType::f64}), fake = randn({5, 1, 2, 2}, gen, {.dtype = DType::f64});
  Tensor eps = rand({5}, gen, {.dtype = DType::f64});
  Tensor gp = models::gradient_penalty(critic, real, fake, eps);
  double norm = std::sqrt(0.25 + 1 + 4 + 0.09);
  CHECK(gp.item<double>() == doctest::Approx((norm - 1) * (norm - 1)).epsilon(1e-10));
  gp.backward();
  std::vector<double> dw;
  for (double wi : {0.5, -1.0, 2.0, 0.3}) dw.push_back(2 * (norm - 1) * wi / norm);
  CHECK_CLOSE(w.grad(), dw, 1e-10, 1e-10);
  CHECK(!b.grad().defined());  // the bias does not move dD/dx
  CHECK(!real.grad().defined());
}

TEST_CASE("gan losses: the gradient penalty's gradient wrt an MLP critic's parameters matches finite differences") {
  // critic(x) = act(flatten(x) W1^T + b1) W2^T + b2 on (4, 1, 2, 3) images, hidden 5: leaky ReLU
  // (the DCGAN discriminator's activation, piecewise linear) and tanh (a non-zero second derivative)
  Generator gen(7);
  Tensor real = randn({4, 1, 2, 3}, gen, {.dtype = DType::f64}), fake = randn({4, 1, 2, 3}, gen, {.dtype = DType::f64});
  Tensor eps = rand({4}, gen, {.dtype = DType::f64});
  for (bool leaky : {true, false}) {
    INFO("activation ", std::string(leaky ? "leaky_relu(0.2)" : "tanh"));
    std::vector<Tensor> params = {test::leaf({5, 6}, 11, 0.5), test::leaf({5}, 12, 0.5), test::leaf({1, 5}, 13),
                                  test::leaf({1}, 14)};
    auto penalty = [&](const std::vector<Tensor>& p) {
      models::Discriminator critic = [&](const Tensor& x) {
        Tensor h = add(matmul(flatten(x, 1), p[0], false, true), p[1]);
        return add(matmul(leaky ? leaky_relu(h, 0.2) : tanh(h), p[2], false, true), p[3]);
      };
      return models::gradient_penalty(critic, real, fake, eps);
    };
    GradcheckResult r = gradcheck(penalty, params);
    CHECK_MESSAGE(r.ok, r.report);
    // the penalty does reach W1 and W2 (so the check above compares non-zero numbers)
    Tensor gp = penalty(params);
    gp.backward();
    CHECK(sum(abs(params[0].grad())).item<double>() > 1e-3);
    CHECK(sum(abs(params[2].grad())).item<double>() > 1e-3);
  }
}

TEST_CASE("gan losses: the gradient penalty rejects mismatched shapes") {
  models::Discriminator critic = [](const Tensor& x) { return sum(x, {1}); };
  CHECK(test::error_report([&] { models::gradient_penalty(critic, zeros({4, 3}), zeros({4, 2}), zeros({4})); },
                           {"gradient_penalty", "(4, 3)", "(4, 2)"}) == "");
  CHECK(test::error_report([&] { models::gradient_penalty(critic, zeros({4, 3}), zeros({4, 3}), zeros({3})); },
                           {"gradient_penalty", "eps f32 (3,)"}) == "");
}
