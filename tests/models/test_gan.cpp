// The DCGAN models: shapes and ranges, DCGAN's init, the WGAN-GP critic without batch norm, and
// the gradient penalty's gradient wrt a (tiny) conv critic's parameters against finite
// differences in f64: double backward through conv2d (unfold + matmul) and leaky ReLU.
#include <cmath>

#include "models/gan.h"
#include "models/gan_losses.h"
#include "nn/init.h"
#include "test_util.h"

using namespace tg;

TEST_CASE("gan: generator images are (N, 1, 28, 28) in [-1, 1]; the discriminator gives (N, 1)") {
  Generator gen(2);
  models::GanConfig config{.latent = 8, .g_width = 4, .d_width = 3};
  models::DcganGenerator g(config, gen);
  models::DcganDiscriminator d(config, gen);
  Tensor images = g(randn({5, 8}, gen));
  CHECK(images.shape() == Shape{5, 1, 28, 28});
  CHECK(amax(abs(images)).item<double>() <= 1.0);
  CHECK(d(images).shape() == Shape{5, 1});
  CHECK(d(reshape(images, {5, 784})).shape() == Shape{5, 1});
  // DCGAN init: conv weights ~ N(0, 0.02): their std over 3 x 4 x 4 x 4 = 192 draws is 0.02 +- 15%
  for (const auto& [name, p] : d.named_parameters())
    if (name == "conv2.weight") {
      double sd = std::sqrt(var(p.detach()).item<double>());
      CHECK(sd == doctest::Approx(0.02).epsilon(0.15));
    }
  CHECK(test::error_report([&] { g(zeros({2, 7})); }, {"DcganGenerator", "(2, 7)"}) == "");
  CHECK(test::error_report([&] { d(zeros({2, 1, 27, 28})); }, {"DcganDiscriminator", "(2, 1, 27, 28)"}) == "");
}

TEST_CASE("gan: the WGAN-GP critic has no batch norm, the DCGAN discriminator does") {
  Generator gen(3);
  auto names = [](const nn::Module& m) {
    std::string all;
    for (const auto& [name, p] : m.named_parameters()) all += name + " ";
    return all;
  };
  CHECK(names(models::DcganDiscriminator({.d_width = 2, .d_batch_norm = true}, gen)).find("bn.") != std::string::npos);
  CHECK(names(models::DcganDiscriminator({.d_width = 2, .d_batch_norm = false}, gen)).find("bn.") == std::string::npos);
}

TEST_CASE("gan: the gradient penalty's gradient wrt a conv critic's parameters matches finite differences") {
  Generator gen(4);
  models::DcganDiscriminator d({.d_width = 2, .d_batch_norm = false}, gen);
  d.to(DType::f64);
  // larger weights than DCGAN's init, so the penalty's terms are far from 0 and the check is tight
  for (const Tensor& p : d.parameters()) nn::init::normal_(p, gen, 0.0, 0.3);
  Tensor real = randn({2, 1, 28, 28}, gen, {.dtype = DType::f64}), fake = randn({2, 1, 28, 28}, gen, {.dtype = DType::f64});
  Tensor eps = rand({2}, gen, {.dtype = DType::f64});
  models::Discriminator critic = [&d](const Tensor& x) { return d(x); };
  auto penalty = [&](const std::vector<Tensor>&) { return models::gradient_penalty(critic, real, fake, eps); };
  GradcheckResult r = gradcheck(penalty, d.parameters());
  CHECK_MESSAGE(r.ok, r.report);
  // both convolutions' weights get a non-zero gradient (the check above compares real numbers)
  penalty({}).backward();
  for (const auto& [name, p] : d.named_parameters())
    if (name.ends_with("weight")) {
      CAPTURE(name);
      CHECK(sum(abs(p.grad())).item<double>() > 1e-3);
    }
}
