// The VAE: its loss is reconstruction + analytic KL per image, training lowers it on a small
// Fashion-MNIST subset, the IWAE bound is tighter than the ELBO, and a run interrupted by a
// checkpoint and resumed ends with bit-identical weights.
#include <filesystem>

#include "data/fashion_mnist.h"
#include "models/vae.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace tg;

namespace {

models::VaeConfig small() { return {.input = 784, .hidden = 64, .latent = 8}; }

// Pixels in [0, 1] for tests that do not need real images.
Tensor fake_images(int64_t n, uint64_t seed) {
  Generator gen(seed);
  return rand({n, 784}, gen);
}

// Steps [first, last) of a fixed schedule: batch i is rows 32 (i mod 4) onwards of `x`.
void train_steps(models::Vae& vae, nn::Adam& opt, const Tensor& x, Generator& gen, int first, int last) {
  for (int i = first; i < last; ++i) {
    Tensor loss = mean(vae.loss(slice(x, 0, 32 * (i % 4), 32 * (i % 4) + 32), gen).neg_elbo);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
}

}  // namespace

TEST_CASE("vae: the loss is reconstruction + KL per image, and the KL is N(mu, sigma) against N(0, I)") {
  Generator gen(0);
  models::Vae vae(small(), gen);
  Tensor x = fake_images(5, 1);
  models::VaeLoss l = vae.loss(x, gen);
  CHECK(l.neg_elbo.shape() == Shape{5});
  CHECK_CLOSE(l.neg_elbo, add(l.reconstruction, l.kl));
  // KL(N(mu, s^2) || N(0, 1)) = (mu^2 + s^2 - 1 - log s^2) / 2 per latent, summed.
  Normal q = vae.encode(x);
  std::vector<float> mu = q.loc.to_vector(), s = q.scale.to_vector();
  std::vector<double> expected(5, 0.0);
  for (size_t i = 0; i < mu.size(); ++i)
    expected[i / 8] += 0.5 * (double(mu[i]) * mu[i] + double(s[i]) * s[i] - 1 - std::log(double(s[i]) * s[i]));
  CHECK_CLOSE(l.kl, expected, 1e-5, 1e-5);
  CHECK_ERROR(vae.loss(zeros({2, 783}), gen), "Vae", "784", "(2, 783)");
  CHECK_ERROR(vae.iwae_neg_log_likelihood(x, 0, gen), "K >= 1");
}

TEST_CASE("vae: the IWAE bound with K = 64 is tighter than the ELBO") {
  Generator gen(0);
  models::Vae vae(small(), gen);
  Tensor x = fake_images(64, 2);
  NoGradGuard no_grad;
  double elbo = mean(vae.loss(x, gen).neg_elbo).item<double>();
  double iwae = mean(vae.iwae_neg_log_likelihood(x, 64, gen)).item<double>();
  // -log p(x) <= IWAE_K <= negative ELBO in expectation (Burda et al. 2016, theorem 1); with this
  // seed the untrained model's gap is 2.7 nats per image.
  CAPTURE(elbo);
  CAPTURE(iwae);
  CHECK(iwae < elbo - 1.0);
}

TEST_CASE("vae: training lowers the negative ELBO on 512 Fashion-MNIST images" * TG_NEEDS_FASHION_MNIST) {
  data::LabeledImages train = data::load_fashion_mnist("train");
  Tensor x = slice(train.images, 0, 0, 512);
  Generator gen(0);
  models::Vae vae({.input = 784, .hidden = 128, .latent = 10}, gen);
  nn::Adam opt(vae.parameters(), {.lr = 1e-3});
  auto eval = [&] {
    NoGradGuard no_grad;
    Generator noise(7);
    return mean(vae.loss(x, noise).neg_elbo).item<double>();
  };
  double before = eval();
  for (int epoch = 0; epoch < 8; ++epoch)
    for (int64_t b = 0; b < 512; b += 64) {
      Tensor loss = mean(vae.loss(slice(x, 0, b, b + 64), gen).neg_elbo);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
  double after = eval();
  // An untrained decoder predicts p = 1/2 everywhere: 784 log 2 = 543 nats. 64 steps take the
  // model below 350 (335 with these seeds when this test was written).
  CAPTURE(before);
  CAPTURE(after);
  CHECK(before > 500);
  CHECK(after < 350);
}

TEST_CASE("vae: a run stopped at a checkpoint and resumed ends bit-identical to one that was not") {
  Tensor x = fake_images(128, 3);
  Generator gen_a(5);
  models::Vae a(small(), gen_a);
  nn::Adam opt_a(a.parameters(), {.lr = 1e-3});
  train_steps(a, opt_a, x, gen_a, 0, 6);

  std::string path = (std::filesystem::temp_directory_path() / "tapegrad_vae_resume.safetensors").string();
  {
    Generator gen(5);
    models::Vae b(small(), gen);
    nn::Adam opt(b.parameters(), {.lr = 1e-3});
    train_steps(b, opt, x, gen, 0, 3);
    nn::save_checkpoint(path, b, opt, {{"generator_offset", std::to_string(gen.offset())}});
  }
  Generator gen_c(99);  // a fresh process: other initial weights, the generator restored from the file
  models::Vae c(small(), gen_c);
  nn::Adam opt_c(c.parameters(), {.lr = 1e-3});
  nn::Metadata meta = nn::load_checkpoint(path, c, opt_c);
  gen_c.set_state(5, std::stoull(meta.at("generator_offset")));
  train_steps(c, opt_c, x, gen_c, 3, 6);

  auto pa = a.named_parameters(), pc = c.named_parameters();
  REQUIRE(pa.size() == pc.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    CAPTURE(pa[i].first);
    CHECK(test::bitwise_equal(pa[i].second, pc[i].second));
  }
  std::filesystem::remove(path);
}
