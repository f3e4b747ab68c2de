// Optimizers against torch.optim trajectories (generated offline, tests/reference), their
// state_dict round trip, gradient clipping by global norm, and LR schedules against PyTorch.
#include <cmath>
#include <functional>
#include <memory>

#include "reference/nn_reference.h"
#include "test_util.h"

using namespace tg;

namespace {

constexpr int kSteps = 4;
using MakeOptimizer = std::function<std::unique_ptr<nn::Optimizer>(std::vector<Tensor>)>;

std::vector<double> slice_of(const std::vector<double>& v, int step) {
  return std::vector<double>(v.begin() + step * 6, v.begin() + (step + 1) * 6);
}

// Runs kSteps steps on a (2, 3) parameter of dtype `dt` with the reference gradients and
// compares the parameter after each step with PyTorch's (f64) trajectory.
std::unique_ptr<nn::Optimizer> check_trajectory(const MakeOptimizer& make, const std::vector<double>& expected,
                                                DType dt, double tol, Tensor& p,
                                                const std::vector<double>& grads = nn_ref::optim_grads) {
  p = tensor(nn_ref::optim_p0, {2, 3}, {.dtype = dt, .requires_grad = true});
  auto opt = make({p});
  for (int s = 0; s < kSteps; ++s) {
    CAPTURE(s);
    p.set_grad(tensor(slice_of(grads, s), {2, 3}, {.dtype = dt}));
    opt->step();
    CHECK_CLOSE(p, slice_of(expected, s), tol, 0);
  }
  return opt;
}

// f32 runs the fused kernel (Adam) or f32 tg ops (SGD): rounding is ~1e-7 per step.
// f64 runs the tg-op path, which agrees with PyTorch's f64 to rounding.
void check_both_dtypes(const MakeOptimizer& make, const std::vector<double>& expected) {
  Tensor p;
  for (auto [dt, tol] : {std::pair{DType::f32, 1e-6}, std::pair{DType::f64, 1e-13}}) {
    INFO("dtype ", dtype_name(dt));
    check_trajectory(make, expected, dt, tol, p);
  }
}

}  // namespace

TEST_CASE("Adam and AdamW with amsgrad match torch.optim (amsgrad=True), including max_exp_avg_sq") {
  // shrinking gradients and a short beta2: v falls, so the running max is not v (checked below)
  struct Case {
    bool decoupled;
    nn::AdamOptions o;
    const std::vector<double>& params;
    const std::vector<double>& v;
    const std::vector<double>& v_max;
  };
  const Case cases[] = {
      {false, {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.5, .eps = 1e-8, .weight_decay = 0.1, .amsgrad = true},
       nn_ref::adam_amsgrad_params, nn_ref::adam_amsgrad_exp_avg_sq, nn_ref::adam_amsgrad_max_exp_avg_sq},
      {true, {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.6, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true},
       nn_ref::adamw_amsgrad_params, nn_ref::adamw_amsgrad_exp_avg_sq, nn_ref::adamw_amsgrad_max_exp_avg_sq}};
  for (const Case& c : cases) {
    CAPTURE(c.decoupled);
    CHECK(test::compare(c.v, c.v_max, 1e-3, 0) != "");  // the reference exercises the max
    MakeOptimizer make = [&c](auto ps) -> std::unique_ptr<nn::Optimizer> {
      if (c.decoupled) return std::make_unique<nn::AdamW>(ps, c.o);
      return std::make_unique<nn::Adam>(ps, c.o);
    };
    for (auto [dt, tol] : {std::pair{DType::f32, 1e-6}, std::pair{DType::f64, 1e-13}}) {
      INFO("dtype ", dtype_name(dt));
      Tensor p;
      auto opt = check_trajectory(make, c.params, dt, tol, p, nn_ref::optim_grads_shrinking);
      nn::StateDict state = opt->state_dict();
      CHECK_CLOSE(state.at("state.0.exp_avg_sq"), c.v, tol, 1e-6);
      CHECK_CLOSE(state.at("state.0.max_exp_avg_sq"), c.v_max, tol, 1e-6);
    }
  }
}

TEST_CASE("SGD matches torch.optim.SGD: plain, momentum with dampening and weight decay, Nesterov") {
  check_both_dtypes([](auto ps) { return std::make_unique<nn::SGD>(ps, nn::SGDOptions{.lr = 0.1}); },
                    nn_ref::sgd_params);
  check_both_dtypes([](auto ps) {
    return std::make_unique<nn::SGD>(ps, nn::SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1,
                                                        .weight_decay = 0.01});
  }, nn_ref::sgd_momentum_params);
  check_both_dtypes([](auto ps) {
    return std::make_unique<nn::SGD>(ps, nn::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01,
                                                        .nesterov = true});
  }, nn_ref::sgd_nesterov_params);
  Tensor p = zeros({1}, {.requires_grad = true});
  CHECK_THROWS_AS(nn::SGD({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}), Error);
}

TEST_CASE("Adam and AdamW match torch.optim, including their moment estimates") {
  MakeOptimizer adam = [](auto ps) {
    return std::make_unique<nn::Adam>(ps, nn::AdamOptions{.lr = 0.01, .weight_decay = 0.1});
  };
  MakeOptimizer adamw = [](auto ps) {
    return std::make_unique<nn::AdamW>(ps, nn::AdamOptions{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6,
                                                           .weight_decay = 0.1});
  };
  check_both_dtypes(adam, nn_ref::adam_params);
  check_both_dtypes(adamw, nn_ref::adamw_params);
  Tensor p;
  auto opt = check_trajectory(adamw, nn_ref::adamw_params, DType::f32, 1e-6, p);
  nn::StateDict state = opt->state_dict();
  CHECK(state.keys() == std::vector<std::string>{"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq"});
  CHECK(state.at("state.0.step").item<int64_t>() == kSteps);
  CHECK_CLOSE(state.at("state.0.exp_avg"), nn_ref::adamw_exp_avg, 1e-6, 0);
  CHECK_CLOSE(state.at("state.0.exp_avg_sq"), nn_ref::adamw_exp_avg_sq, 1e-6, 0);
}

TEST_CASE("optimizers skip parameters without a grad and never write to the grad") {
  Tensor a = tensor({1, 2}, {}, {.requires_grad = true}), b = tensor({3}, {1}, {.requires_grad = true});
  nn::Adam opt({a, b}, {.lr = 0.1});
  Tensor g = tensor({0.5, -0.5});
  a.set_grad(g);
  opt.step();
  CHECK_CLOSE(b, {3}, 0, 0);
  CHECK_CLOSE(g, {0.5, -0.5}, 0, 0);
  // first Adam step: m^ = g, v^ = g^2, so p -= lr * g / (|g| + eps)
  CHECK_CLOSE(a, {0.9, 2.1}, 1e-6, 0);
  CHECK(opt.state_dict().size() == 3);
  b.set_grad(tensor({1, 2}));
  CHECK_THROWS_WITH_AS(opt.step(),
                       fmt::format("Adam: parameter 1 is f32 (1,) {0} but its grad is f32 (2,) {0}",
                                   test::device_name()).c_str(),
                       Error);
  CHECK_THROWS_AS(nn::Adam({a, a}, {}), Error);
}

TEST_CASE("optimizer state_dict round trip continues the same trajectory") {
  auto run = [](nn::Optimizer& opt, Tensor& p, int from, int to) {
    for (int s = from; s < to; ++s) {
      p.set_grad(tensor(slice_of(nn_ref::optim_grads, s), {2, 3}));
      opt.step();
    }
  };
  for (bool adam : {true, false}) {
    CAPTURE(adam);
    auto make = [adam](Tensor p) -> std::unique_ptr<nn::Optimizer> {
      if (adam) return std::make_unique<nn::Adam>(std::vector<Tensor>{p}, nn::AdamOptions{.lr = 0.01});
      return std::make_unique<nn::SGD>(std::vector<Tensor>{p}, nn::SGDOptions{.lr = 0.1, .momentum = 0.9});
    };
    Tensor p1 = tensor(nn_ref::optim_p0, {2, 3}, {.requires_grad = true});
    auto opt1 = make(p1);
    run(*opt1, p1, 0, 2);
    nn::StateDict saved;
    for (auto& [name, t] : opt1->state_dict()) saved.insert(name, t.clone());

    Tensor p2 = p1.detach().clone().requires_grad_();
    auto opt2 = make(p2);
    opt2->load_state_dict(saved);
    run(*opt1, p1, 2, 4);
    run(*opt2, p2, 2, 4);
    CHECK_CLOSE(p2, p1.to_vector<double>(), 0, 0);
  }
  Tensor p = zeros({2, 3}, {.requires_grad = true});
  nn::Adam opt({p}, {});
  nn::StateDict bad;
  bad.insert("state.0.exp_avg", zeros({3, 2}));
  CHECK_THROWS_AS(opt.load_state_dict(bad), Error);
  nn::StateDict unknown;
  unknown.insert("state.1.step", scalar_tensor(1, {.dtype = DType::i64}));
  CHECK_THROWS_AS(opt.load_state_dict(unknown), Error);
}

TEST_CASE("clip_grad_norm_ returns the global norm and rescales grads out of place") {
  Tensor a = zeros({2}, {.requires_grad = true}), b = zeros({1}, {.requires_grad = true});
  Tensor c = zeros({3}, {.requires_grad = true});  // no grad: skipped
  Tensor ga = tensor({3, 4}), gb = tensor({12});
  a.set_grad(ga);
  b.set_grad(gb);
  // sqrt(9 + 16 + 144) = 13: under max_norm 20 nothing changes
  CHECK(nn::clip_grad_norm_({a, b, c}, 20) == doctest::Approx(13).epsilon(1e-12));
  CHECK(a.grad().same(ga));
  // max_norm 6.5: every grad scales by 6.5 / (13 + 1e-6)
  CHECK(nn::clip_grad_norm_({a, b, c}, 6.5) == doctest::Approx(13).epsilon(1e-12));
  double k = 6.5 / (13 + 1e-6);
  CHECK_CLOSE(a.grad(), {3 * k, 4 * k});
  CHECK_CLOSE(b.grad(), {12 * k});
  CHECK_CLOSE(ga, {3, 4}, 0, 0);  // the old grad tensors were not written to
  CHECK_FALSE(c.grad().defined());
  CHECK(nn::clip_grad_norm_({a, b}, 100) == doctest::Approx(6.5).epsilon(1e-6));

  b.set_grad(tensor({NAN}));
  CHECK(std::isnan(nn::clip_grad_norm_({a, b}, 1)));
  CHECK_CLOSE(a.grad(), {3 * k, 4 * k});
}

TEST_CASE("LR schedules match torch.optim.lr_scheduler") {
  auto trace = [](auto make) {
    Tensor p = zeros({1}, {.requires_grad = true});
    nn::SGD opt({p}, {.lr = 0.1});
    auto sched = make(opt);
    std::vector<double> lrs;
    for (int t = 0; t <= 10; ++t) {
      lrs.push_back(opt.lr());
      sched.step();
    }
    return lrs;
  };
  CHECK_CLOSE(trace([](nn::Optimizer& o) { return nn::StepLR(o, 3, 0.5); }), nn_ref::step_lr, 1e-15, 1e-12);
  CHECK_CLOSE(trace([](nn::Optimizer& o) { return nn::CosineAnnealingLR(o, 8, 0.001); }), nn_ref::cosine_lr, 1e-15,
              1e-12);
  CHECK_CLOSE(trace([](nn::Optimizer& o) { return nn::LinearLR(o, 0.25, 1.0, 4); }), nn_ref::linear_lr, 1e-15, 1e-12);
  Tensor p = zeros({1}, {.requires_grad = true});
  nn::SGD opt({p}, {.lr = 0.1});
  nn::StepLR sched(opt, 2, 0.5);
  for (int t = 0; t < 5; ++t) sched.step();
  CHECK(sched.last_epoch() == 5);
  CHECK(sched.base_lr() == 0.1);
  CHECK(opt.lr() == doctest::Approx(0.025));
  CHECK_THROWS_AS(nn::StepLR(opt, 0), Error);
  CHECK_THROWS_AS(nn::CosineAnnealingLR(opt, 0), Error);
}

// Peak 2, 4 warmup steps, 14 in all: warmup 0.5, 1, 1.5, 2; the cosine from 2 at step 4 through
// 2 (0.1 + 0.45) = 1.1 halfway (step 9) to the floor 2 / 10 at step 14, which it keeps after.
TEST_CASE("warmup_cosine_lr: linear warmup, then half a cosine down to a tenth") {
  const std::vector<std::pair<int64_t, double>> expected = {{0, 0.5}, {1, 1.0}, {3, 2.0}, {4, 2.0},
                                                            {9, 1.1}, {14, 0.2}, {20, 0.2}};
  for (auto [t, lr] : expected) {
    CAPTURE(t);
    CHECK(nn::warmup_cosine_lr(2.0, t, 14, 4) == doctest::Approx(lr).epsilon(1e-14));
  }
  CHECK(nn::warmup_cosine_lr(2.0, 0, 14, 0) == doctest::Approx(2.0).epsilon(1e-14));  // no warmup
}
