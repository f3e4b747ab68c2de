// BatchNorm1d/2d (train and eval, running statistics, buffers in the state dict and through to()),
// GroupNorm (PyTorch values, gradcheck), the Upsample/AvgPool2d modules, and optimizer parameter
// groups with an LR schedule, against PyTorch (tests/reference/make_conv_reference.py).
#include <filesystem>

#include "nn/checkpoint.h"
#include "reference/norm_layers_reference.h"
#include "test_util.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
}

TEST_CASE("BatchNorm2d: batch statistics in training, running ones in eval, as torch") {
  using namespace conv_ref;
  nn::BatchNorm2d bn(3);
  bn.to(DType::f64);
  nn::copy_(bn.weight, tensor(bn2d_weight, {3}, f64));
  nn::copy_(bn.bias, tensor(bn2d_bias, {3}, f64));
  Tensor x1 = tensor(bn2d_x1, {4, 3, 3, 2}, {.dtype = DType::f64, .requires_grad = true});
  Tensor y1 = bn(x1);
  CHECK_CLOSE(y1, bn2d_y1, 1e-12, 1e-10);
  sum(mul(y1, tensor(bn2d_c1, {4, 3, 3, 2}, f64))).backward();
  CHECK_CLOSE(x1.grad(), bn2d_dx1, 1e-12, 1e-10);
  CHECK_CLOSE(bn.weight.grad(), bn2d_dweight, 1e-12, 1e-10);
  CHECK_CLOSE(bn.bias.grad(), bn2d_dbias, 1e-12, 1e-10);
  bn(tensor(bn2d_x2, {4, 3, 3, 2}, f64));
  // after two batches: the running mean and the unbiased running variance, as torch's
  CHECK_CLOSE(bn.running_mean, bn2d_running_mean, 1e-12, 1e-10);
  CHECK_CLOSE(bn.running_var, bn2d_running_var, 1e-12, 1e-10);
  CHECK(bn.num_batches_tracked.item<int64_t>() == 2);
  bn.eval();
  CHECK_CLOSE(bn(tensor(bn2d_x3, {2, 3, 3, 2}, f64)), bn2d_y3, 1e-12, 1e-10);
  CHECK(bn.num_batches_tracked.item<int64_t>() == 2);  // eval leaves the statistics alone
  CHECK_ERROR(bn(zeros({2, 4, 3, 3}, f64)), "BatchNorm2d(3)", "(2, 4, 3, 3)");
  CHECK_ERROR(bn(zeros({2, 3}, f64)), "BatchNorm2d(3)", "(2, 3)");
  bn.train();
  CHECK_ERROR(bn(zeros({1, 3, 1, 1}, f64)), "BatchNorm2d(3)", "more than one value");
}

TEST_CASE("BatchNorm1d on (N, C), momentum 0.3, as torch; f32 agrees too") {
  using namespace conv_ref;
  for (DType dt : {DType::f64, DType::f32}) {
    double tol = dt == DType::f64 ? 1e-12 : 1e-5;
    nn::BatchNorm1d bn(3, 1e-5, 0.3);
    bn.to(dt);
    CHECK_CLOSE(bn(tensor(bn1d_x, {5, 3}, {.dtype = dt})), bn1d_y, tol, 10 * tol);
    CHECK_CLOSE(bn.running_mean, bn1d_running_mean, tol, 10 * tol);
    CHECK_CLOSE(bn.running_var, bn1d_running_var, tol, 10 * tol);
  }
}

TEST_CASE("BatchNorm buffers: in the state dict under torch's names, not parameters, moved by to()") {
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Conv2d>(1, 2, 3));
  auto bn = net.push_back(std::make_shared<nn::BatchNorm2d>(2));
  std::vector<std::string> params, buffers, keys;
  for (auto& [name, p] : net.named_parameters()) params.push_back(name);
  for (auto& [name, b] : net.named_buffers()) buffers.push_back(name);
  for (auto& [name, v] : net.state_dict()) keys.push_back(name);
  CHECK(params == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"});
  CHECK(buffers == std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"});
  CHECK(keys.size() == 7);
  // an optimizer over parameters() never sees the buffers
  CHECK(net.parameters().size() == 4);
  CHECK_FALSE(bn->running_mean.requires_grad());
  // load_state_dict restores the buffers (strict: they are required keys)
  net(randn({4, 1, 5, 5}));
  nn::StateDict saved;
  for (auto& [name, v] : net.state_dict()) saved.insert(name, v.clone());
  nn::Sequential other;
  other.push_back(std::make_shared<nn::Conv2d>(1, 2, 3));
  auto bn2 = other.push_back(std::make_shared<nn::BatchNorm2d>(2));
  other.load_state_dict(saved);
  CHECK_CLOSE(bn2->running_mean, bn->running_mean, 0, 0);
  CHECK_CLOSE(bn2->running_var, bn->running_var, 0, 0);
  CHECK(bn2->num_batches_tracked.item<int64_t>() == 1);
  nn::StateDict partial;
  for (auto& [name, v] : saved)
    if (name != "1.running_var") partial.insert(name, v);
  CHECK_ERROR(other.load_state_dict(partial), "missing key '1.running_var'");
  // a checkpoint file carries them too (safetensors, the i64 step count included)
  std::string path = (std::filesystem::temp_directory_path() / "tg_test_bn_buffers.safetensors").string();
  nn::SGD sgd(net.parameters(), {.lr = 0.1});
  nn::save_checkpoint(path, net, sgd);
  nn::Sequential third;
  third.push_back(std::make_shared<nn::Conv2d>(1, 2, 3));
  auto bn3 = third.push_back(std::make_shared<nn::BatchNorm2d>(2));
  nn::SGD sgd3(third.parameters(), {.lr = 0.1});
  nn::load_checkpoint(path, third, sgd3);
  std::filesystem::remove(path);
  CHECK_CLOSE(bn3->running_var, bn->running_var, 0, 0);
  CHECK(bn3->num_batches_tracked.item<int64_t>() == 1);
  // to(f64) casts the floating buffers and keeps the step count an integer
  other.to(DType::f64);
  CHECK(bn2->running_mean.dtype() == DType::f64);
  CHECK(bn2->num_batches_tracked.dtype() == DType::i64);
  CHECK_CLOSE(bn2->running_var, bn->running_var.to(DType::f64), 1e-7, 0);
}

TEST_CASE("GroupNorm(2, 4) against torch; gradcheck; groups must divide the channels") {
  using namespace conv_ref;
  nn::GroupNorm gn(2, 4);
  gn.to(DType::f64);
  nn::copy_(gn.weight, tensor(group_norm_in1, {4}, f64));
  nn::copy_(gn.bias, tensor(group_norm_in2, {4}, f64));
  Tensor x = tensor(group_norm_in0, {2, 4, 3, 3}, {.dtype = DType::f64, .requires_grad = true});
  Tensor y = gn(x);
  CHECK_CLOSE(y, group_norm_y, 1e-12, 1e-10);
  sum(mul(y, tensor(group_norm_c, {2, 4, 3, 3}, f64))).backward();
  CHECK_CLOSE(x.grad(), group_norm_d0, 1e-12, 1e-10);
  CHECK_CLOSE(gn.weight.grad(), group_norm_d1, 1e-12, 1e-10);
  CHECK_CLOSE(gn.bias.grad(), group_norm_d2, 1e-12, 1e-10);
  auto fn = [](const In& in) {
    nn::GroupNorm g(3, 6);
    g.to(DType::f64);
    return add(mul(g(in[0]), reshape(in[1], {1, 6, 1})), reshape(in[2], {1, 6, 1}));
  };
  CHECK_GRADCHECK(fn, (In{leaf({2, 6, 4}, 1), leaf({6}, 2), leaf({6}, 3)}));
  CHECK_ERROR(nn::GroupNorm(3, 4), "GroupNorm", "3 groups", "4 channels");
  CHECK_ERROR(gn(zeros({2, 6, 3, 3}, f64)), "GroupNorm(2, 4)", "(2, 6, 3, 3)");
}

TEST_CASE("Upsample and AvgPool2d modules are the ops") {
  Tensor x = randn({2, 3, 4, 4});
  CHECK_CLOSE(nn::Upsample(2)(x), upsample_nearest2d(x, 2), 0, 0);
  CHECK_CLOSE(nn::AvgPool2d(2)(x), avg_pool2d(x, {2, 2}), 0, 0);
  CHECK(nn::AvgPool2d(3, 1, 1)(x).shape() == Shape{2, 3, 4, 4});
  CHECK_ERROR(nn::Upsample(0), "Upsample", "0");
}

TEST_CASE("parameter groups: per-group lr and weight decay, StepLR scales every group, as torch") {
  using namespace conv_ref;
  auto run = [](const char* name, auto make, const std::vector<double>& ea, const std::vector<double>& eb,
                const std::vector<double>& elrs) {
    CAPTURE(name);
    Tensor a = tensor(groups_pa0, {2, 3}, {.dtype = DType::f64, .requires_grad = true});
    Tensor b = tensor(groups_pb0, {3}, {.dtype = DType::f64, .requires_grad = true});
    auto opt = make(a, b);
    nn::StepLR sched(opt, 1, 0.5);
    std::vector<double> lrs;
    for (int64_t s = 0; s < 3; ++s) {
      a.set_grad(tensor(std::vector<double>(groups_ga.begin() + s * 6, groups_ga.begin() + s * 6 + 6), {2, 3}, f64));
      b.set_grad(tensor(std::vector<double>(groups_gb.begin() + s * 3, groups_gb.begin() + s * 3 + 3), {3}, f64));
      for (const nn::ParamGroupState& g : opt.param_groups()) lrs.push_back(g.lr);
      opt.step();
      sched.step();
    }
    CHECK_CLOSE(a, ea, 1e-12, 1e-10);
    CHECK_CLOSE(b, eb, 1e-12, 1e-10);
    CHECK_CLOSE(lrs, elrs, 0, 1e-15);
  };
  run("sgd", [](Tensor a, Tensor b) {
    return nn::SGD(std::vector<nn::ParamGroup>{{{a}}, {{b}, 0.01, 0.1}}, {.lr = 0.1, .momentum = 0.9});
  }, groups_sgd_a, groups_sgd_b, groups_sgd_lrs);
  run("adam", [](Tensor a, Tensor b) {
    return nn::Adam(std::vector<nn::ParamGroup>{{{a}, {}, 0.2}, {{b}, 0.05}}, {.lr = 0.01});
  }, groups_adam_a, groups_adam_b, groups_adam_lrs);
  run("adamw", [](Tensor a, Tensor b) {
    return nn::AdamW(std::vector<nn::ParamGroup>{{{a}}, {{b}, 0.05, 0.0}}, {.lr = 0.01, .weight_decay = 0.1});
  }, groups_adamw_a, groups_adamw_b, groups_adamw_lrs);
  // f32 parameters take the fused Adam kernel: the group's lr and weight decay reach it too
  Tensor a = tensor(groups_pa0, {2, 3}, {.requires_grad = true}), b = tensor(groups_pb0, {3}, {.requires_grad = true});
  nn::Adam adam(std::vector<nn::ParamGroup>{{{a}, {}, 0.2}, {{b}, 0.05}}, {.lr = 0.01});
  a.set_grad(tensor(std::vector<double>(groups_ga.begin(), groups_ga.begin() + 6), {2, 3}));
  b.set_grad(tensor(std::vector<double>(groups_gb.begin(), groups_gb.begin() + 3), {3}));
  adam.step();
  Tensor a64 = tensor(groups_pa0, {2, 3}, {.dtype = DType::f64, .requires_grad = true});
  Tensor b64 = tensor(groups_pb0, {3}, {.dtype = DType::f64, .requires_grad = true});
  nn::Adam adam64(std::vector<nn::ParamGroup>{{{a64}, {}, 0.2}, {{b64}, 0.05}}, {.lr = 0.01});
  a64.set_grad(a.grad().to(DType::f64));
  b64.set_grad(b.grad().to(DType::f64));
  adam64.step();
  CHECK_CLOSE(a, a64, 1e-6, 1e-5);
  CHECK_CLOSE(b, b64, 1e-6, 1e-5);
  CHECK_ERROR(nn::SGD(std::vector<nn::ParamGroup>{{{a}}, {{}}}, {.lr = 0.1}), "SGD", "group 1", "empty");
  CHECK_ERROR(nn::SGD(std::vector<nn::ParamGroup>{{{a}}, {{a}}}, {.lr = 0.1}), "SGD", "twice");
  CHECK_ERROR(nn::SGD(std::vector<nn::ParamGroup>{{{a}, -1.0}}, {.lr = 0.1}), "SGD", "learning rate -1");
}
