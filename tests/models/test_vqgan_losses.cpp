// VQGAN's losses: hinge values by hand, the perceptual loss against its formula, and the adaptive
// weight as the ratio of gradient norms worked out in closed form, clamped, with the graphs kept.
#include <cmath>

#include "models/vqvae/vqgan_losses.h"
#include "test_util.h"

using namespace tg;

TEST_CASE("vqgan: hinge losses") {
  Tensor real = tensor({2, 0.5, -1, 1}, {1, 1, 2, 2}), fake = tensor({-3, -0.5, 0, 2}, {1, 1, 2, 2});
  // relu(1 - real) = (0, 0.5, 2, 0) -> 0.625;  relu(1 + fake) = (0, 0.5, 1, 3) -> 1.125
  CHECK_CLOSE(models::hinge_discriminator_loss(real, fake), {1.75});
  CHECK_CLOSE(models::hinge_generator_loss(fake), {0.375});
}

TEST_CASE("vqgan: perceptual loss is the mean squared feature distance, with no gradient into the target") {
  Tensor w = tensor({1, 2, 0, -1, 3, 1}, {3, 2});  // features f(x) = x W, (B, 3) -> (B, 2)
  auto features = [&w](const Tensor& x) { return matmul(x, w); };
  Tensor x = tensor({1, 0, 0, 0, 1, 1}, {2, 3}, {.requires_grad = true});
  Tensor y = tensor({0, 1, 0, 1, 1, 1}, {2, 3}, {.requires_grad = true});
  // f(x) = (1, 2), (3, 0); f(y) = (0, -1), (4, 2): squared distances 1 + 9 = 10 and 1 + 4 = 5
  Tensor l = models::perceptual_loss(features, x, y);
  CHECK_CLOSE(l, {7.5});
  l.backward();
  CHECK_FALSE(x.grad().defined());
  // dl/dy_b = (f(y_b) - f(x_b)) W^T (2 / B 2): row 0: (-1, -3) W^T = (-7, 3, -6), row 1: (1, 2) W^T = (5, -2, 5)
  CHECK_CLOSE(y.grad(), {-7, 3, -6, 5, -2, 5});
}

TEST_CASE("vqgan: the adaptive weight is the ratio of the two gradient norms at the last layer") {
  Tensor w = tensor({1, -2, 2}, {3}, {.requires_grad = true});
  // L_rec = sum w^2: gradient 2w, norm 6.  L_GAN = 0.5 sum (w * c), c = (3, 0, 4): gradient c / 2, norm 2.5
  Tensor rec = sum(square(w));
  Tensor gan = mul(sum(mul(w, tensor({3, 0, 4}, {3}))), 0.5);
  rec.backward();  // the training step's order: L_rec's backward first, its gradient read from .grad
  CHECK(models::adaptive_gan_weight(w.grad(), gan, w) == doctest::Approx(6.0 / (2.5 + 1e-4)).epsilon(1e-9));
  // the GAN loss's graph is still there for the step's second backward, and .grad was not touched
  CHECK_CLOSE(w.grad(), {2, -4, 4});
  gan.backward();
  CHECK_CLOSE(w.grad(), {2 + 1.5, -4, 4 + 2});
  // a GAN loss with a vanishing gradient: 6 / 1e-4 = 6e4 is clamped to 1e4
  CHECK(models::adaptive_gan_weight(tensor({2, -4, 4}, {3}), mul(sum(w), 0.0), w) == 1e4);
  Tensor other = tensor({1}, {1}, {.requires_grad = true});
  CHECK_ERROR(models::adaptive_gan_weight(tensor({2, -4, 4}, {3}), sum(other), w), "adaptive_gan_weight", "GAN");
  CHECK_ERROR(models::adaptive_gan_weight(tensor({2, -4}, {2}), gan, w), "adaptive_gan_weight", "(2,)", "(3,)");
}
