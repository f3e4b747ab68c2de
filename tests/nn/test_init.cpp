// Initialisation schemes: fans and gains exactly, and the bounds and standard deviations of
// the draws with fixed seeds. With n = 32768 draws the sample std is within ~0.5% of the true
// one (1 sigma), so the 3% tolerances below are over 5 sigma.
#include <algorithm>
#include <cmath>

#include "test_util.h"

using namespace tg;

namespace {

struct Stats {
  double mean, std, min, max;
};
Stats stats(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / double(v.size())), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

}  // namespace

TEST_CASE("fans and gains follow PyTorch") {
  auto f = nn::init::calculate_fan_in_and_fan_out(empty({8, 4, 3, 3}));
  CHECK(f.fan_in == 36);
  CHECK(f.fan_out == 72);
  CHECK_THROWS_AS(nn::init::calculate_fan_in_and_fan_out(empty({5})), Error);
  CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::Relu) == doctest::Approx(std::sqrt(2.0)));
  CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::Tanh) == doctest::Approx(5.0 / 3));
  CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::LeakyRelu, std::sqrt(5.0)) ==
        doctest::Approx(std::sqrt(1.0 / 3)));
}

TEST_CASE("uniform schemes stay in their bounds with std bound/sqrt(3)") {
  Generator gen(42);
  Tensor w = empty({256, 128});
  struct Case {
    const char* name;
    std::function<void()> init;
    double bound;
  };
  std::vector<Case> cases = {
      {"kaiming_uniform_", [&w, &gen] { nn::init::kaiming_uniform_(w, gen); }, std::sqrt(6.0 / 128)},
      {"kaiming_uniform_ fan_out", [&w, &gen] {
         nn::init::kaiming_uniform_(w, gen, 0, nn::init::FanMode::FanOut, nn::init::Nonlinearity::Tanh);
       }, std::sqrt(3.0) * 5.0 / 3 / std::sqrt(256.0)},
      {"xavier_uniform_", [&w, &gen] { nn::init::xavier_uniform_(w, gen, 2.0); }, 2 * std::sqrt(6.0 / 384)},
      {"uniform_", [&w, &gen] { nn::init::uniform_(w, gen, -0.3, 0.3); }, 0.3},
  };
  for (const Case& c : cases) {
    INFO("init ", c.name);
    c.init();
    Stats s = stats(w);
    CHECK(s.min >= -c.bound);
    CHECK(s.max <= c.bound);
    CHECK(s.max > 0.99 * c.bound);
    CHECK(std::fabs(s.mean) < 0.02 * c.bound);
    CHECK(s.std == doctest::Approx(c.bound / std::sqrt(3.0)).epsilon(0.03));
  }
}

TEST_CASE("normal schemes have the stated std") {
  Generator gen(7);
  Tensor w = empty({256, 128});
  nn::init::kaiming_normal_(w, gen, 0, nn::init::FanMode::FanIn, nn::init::Nonlinearity::Relu);
  CHECK(stats(w).std == doctest::Approx(std::sqrt(2.0 / 128)).epsilon(0.03));
  nn::init::xavier_normal_(w, gen);
  CHECK(stats(w).std == doctest::Approx(std::sqrt(2.0 / 384)).epsilon(0.03));
  nn::init::normal_(w, gen, 1.5, 0.25);
  CHECK(stats(w).mean == doctest::Approx(1.5).epsilon(0.01));
  CHECK(stats(w).std == doctest::Approx(0.25).epsilon(0.03));
  nn::init::zeros_(w);
  CHECK(stats(w).max == 0);
  nn::init::ones_(w);
  CHECK(stats(w).min == 1);
}

TEST_CASE("Linear's default init is PyTorch's U(-1/sqrt(in), 1/sqrt(in)) for weight and bias") {
  Generator gen(3);
  nn::Linear lin(64, 512, true, gen);
  double bound = 1 / std::sqrt(64.0);
  Stats w = stats(lin.weight), b = stats(lin.bias);
  CHECK(w.min >= -bound);
  CHECK(w.max <= bound);
  CHECK(w.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.03));
  CHECK(b.min >= -bound);
  CHECK(b.max <= bound);
  CHECK(b.max > 0.9 * bound);
  // The same seed gives the same layer.
  Generator again(3);
  CHECK_CLOSE(nn::Linear(64, 512, true, again).weight, lin.weight, 0, 0);
}
