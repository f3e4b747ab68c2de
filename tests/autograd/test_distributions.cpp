// Normal: rsample gradients by gradcheck (the same eps on every call via a fresh Generator),
// log_prob/entropy/KL against closed forms, and rsample statistics with a fixed seed.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;

TEST_CASE("normal: rsample is differentiable in loc and scale (gradcheck)") {
  std::vector<Tensor> in{leaf({3, 2}, 1), leaf({3, 2}, 2, 0.1, 1.0)};
  CHECK_GRADCHECK([](const std::vector<Tensor>& x) {
    Generator gen(42);  // same eps on every evaluation, so the sample is a deterministic function
    return square(Normal(x[0], x[1]).rsample(gen));
  }, in);
}

TEST_CASE("normal: rsample gradient of E[z] is 1 for loc and eps for scale") {
  Tensor mu = tensor({0.5}, {}, {.dtype = DType::f64}), sigma = tensor({2.0}, {}, {.dtype = DType::f64});
  mu.requires_grad_();
  sigma.requires_grad_();
  Generator gen(3), same(3);
  Tensor z = Normal(mu, sigma).rsample(gen);
  z.backward();
  double eps = randn({}, same, {.dtype = DType::f64}).item<double>();
  CHECK(mu.grad().item<double>() == 1.0);
  CHECK(sigma.grad().item<double>() == doctest::Approx(eps).epsilon(1e-12));
  CHECK(z.item<double>() == doctest::Approx(0.5 + 2.0 * eps).epsilon(1e-12));
}

TEST_CASE("normal: log_prob, entropy and KL match closed forms") {
  TensorOptions f64{.dtype = DType::f64};
  Normal p(tensor({0.0, 1.0}, {}, f64), tensor({1.0, 0.5}, {}, f64));
  // log N(x) = -(x-mu)^2/(2 s^2) - log s - log(2 pi)/2
  std::vector<double> x = {0.3, -1.0};
  auto expect_lp = [](double x, double m, double s) { return -(x - m) * (x - m) / (2 * s * s) - std::log(s) - 0.5 * std::log(2 * M_PI); };
  CHECK_CLOSE(p.log_prob(tensor(x, {}, f64)), {expect_lp(0.3, 0, 1), expect_lp(-1.0, 1, 0.5)}, 1e-12, 1e-12);
  CHECK_CLOSE(p.entropy(), {0.5 + 0.5 * std::log(2 * M_PI), 0.5 + 0.5 * std::log(2 * M_PI) + std::log(0.5)}, 1e-12, 1e-12);
  Normal q(tensor({0.5, 1.0}, {}, f64), tensor({2.0, 0.5}, {}, f64));
  // KL = log(sq/sp) + (sp^2 + (mp - mq)^2) / (2 sq^2) - 1/2
  double kl0 = std::log(2.0) + (1.0 + 0.25) / 8.0 - 0.5;
  CHECK_CLOSE(kl_divergence(p, q), {kl0, 0.0}, 1e-12, 1e-12);
}

TEST_CASE("normal: KL gradient checks and KL to N(0,1) is the VAE's closed form") {
  std::vector<Tensor> in{leaf({4}, 5), leaf({4}, 6, 0.1, 1.0)};
  CHECK_GRADCHECK([](const std::vector<Tensor>& x) {
    return kl_divergence(Normal(x[0], x[1]), Normal(zeros_like(x[0]), ones_like(x[1])));
  }, in);
  // KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1 - log s^2) / 2
  Tensor m = tensor({0.7}, {}, {.dtype = DType::f64}), s = tensor({0.4}, {}, {.dtype = DType::f64});
  double expect = 0.5 * (0.49 + 0.16 - 1 - std::log(0.16));
  CHECK(kl_divergence(Normal(m, s), Normal(zeros_like(m), ones_like(s))).item<double>() == doctest::Approx(expect));
}

TEST_CASE("normal: rsample mean and variance with a fixed seed") {
  Generator gen(11);
  int64_t n = 200000;
  Normal d(full({n}, 3.0), full({n}, 2.0));
  Tensor z = d.rsample(gen);
  double m = mean(z).item<double>(), v = var(z).item<double>();
  // standard errors: sigma/sqrt(n) = 0.0045 for the mean, sigma^2 sqrt(2/n) = 0.0126 for the variance
  CHECK(std::fabs(m - 3.0) < 4 * 0.0045);
  CHECK(std::fabs(v - 4.0) < 4 * 0.0126);
}
