// Module: parameter and module names, state_dict round trips and load_state_dict's checks,
// the train/eval flag, zero_grad, and moving a module to another dtype.
#include <functional>

#include "test_util.h"

using namespace tg;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A small composite: submodules at two depths and a parameter of its own.
struct Block : nn::Module {
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::LayerNorm> norm;
  std::shared_ptr<nn::Dropout> drop;
  Tensor scale;
  Block() {
    scale = register_parameter("scale", ones({4}));
    fc = register_module("fc", std::make_shared<nn::Linear>(3, 4));
    norm = register_module("norm", std::make_shared<nn::LayerNorm>(4));
    drop = register_module("drop", std::make_shared<nn::Dropout>(0.1));
  }
};

}  // namespace

TEST_CASE("named_parameters uses dotted names in registration order") {
  nn::MLP mlp({3, 5, 2});
  std::vector<std::string> names;
  for (auto& [name, p] : mlp.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"});
  CHECK(mlp.state_dict().keys() == names);
  CHECK(mlp.parameters()[2].same(mlp.layers[1]->weight));
  CHECK(mlp.layers[1]->weight.shape() == Shape{2, 5});  // (out, in) as in PyTorch

  Block block;
  std::vector<std::string> block_names, module_names;
  for (auto& [name, p] : block.named_parameters()) block_names.push_back(name);
  for (auto& [name, m] : block.named_modules()) module_names.push_back(name);
  CHECK(block_names == std::vector<std::string>{"scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias"});
  CHECK(module_names == std::vector<std::string>{"", "fc", "norm", "drop"});
  CHECK(block.named_children().size() == 3);
  for (const Tensor& p : block.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("registration rejects bad and duplicate names") {
  struct Bad : nn::Module {
    void add(const std::string& name) { register_parameter(name, zeros({1})); }
  } bad;
  bad.add("w");
  CHECK(error_of([&bad] { bad.add("w"); }).find("'w' is already a parameter") != std::string::npos);
  CHECK(error_of([&bad] { bad.add("a.b"); }).find("contain no '.'") != std::string::npos);
}

TEST_CASE("state_dict round trip through load_state_dict reproduces the model") {
  Generator g1(1), g2(2);
  nn::MLP a({3, 5, 2}, nn::Activation::Gelu, true, g1), b({3, 5, 2}, nn::Activation::Gelu, true, g2);
  Tensor x = randn({4, 3}, g1);
  CHECK_FALSE(test::compare(a(x), b(x)).empty());
  b.load_state_dict(a.state_dict());
  CHECK_CLOSE(b(x), a(x), 0, 0);
  // Loading copies values: the parameters keep their own storage.
  CHECK(b.layers[0]->weight.data() != a.layers[0]->weight.data());
  // state_dict() tensors alias the parameters, like PyTorch's.
  CHECK(a.state_dict().at("layers.0.bias").data() == a.layers[0]->bias.data());
}

TEST_CASE("load_state_dict names missing, unexpected, misshapen and mistyped entries") {
  nn::MLP model({3, 5, 2});
  nn::StateDict wrong;
  for (auto& [name, t] : nn::MLP({3, 4, 2}).state_dict())
    if (name != "layers.1.bias") wrong.insert(name, t);
  wrong.insert("layers.7.weight", zeros({1}));
  std::vector<float> before = model.layers[0]->weight.to_vector();
  std::string msg = error_of([&model, &wrong] { model.load_state_dict(wrong); });
  CHECK(msg.find("missing key 'layers.1.bias'") != std::string::npos);
  CHECK(msg.find("unexpected key 'layers.7.weight'") != std::string::npos);
  const std::string dev = test::device_name();
  CHECK(msg.find(fmt::format("'layers.0.weight': the state dict has f32 (4, 3) {0}, the model has f32 (5, 3) {0}",
                             dev)) != std::string::npos);
  CHECK(model.layers[0]->weight.to_vector() == before);  // nothing was loaded

  nn::StateDict f64_state;
  for (auto& [name, t] : model.state_dict()) f64_state.insert(name, t.to(DType::f64));
  CHECK(error_of([&model, &f64_state] { model.load_state_dict(f64_state); }).find("has f64 (5, 3) " + dev) !=
        std::string::npos);

  // Non-strict loading skips missing and unexpected keys but still checks shapes.
  nn::StateDict partial;
  partial.insert("layers.1.bias", tensor({7, 8}));
  partial.insert("extra", zeros({1}));
  model.load_state_dict(partial, /*strict=*/false);
  CHECK_CLOSE(model.layers[1]->bias, {7, 8});
  CHECK_THROWS_AS(partial.insert("extra", zeros({1})), Error);
}

TEST_CASE("train/eval reaches every submodule; zero_grad clears every grad") {
  Block block;
  CHECK(block.drop->is_training());
  block.eval();
  for (auto& [name, m] : block.named_modules()) CHECK_FALSE(m->is_training());
  block.train();
  CHECK(block.drop->is_training());

  Tensor loss = sum(block.norm->forward(block.fc->forward(ones({2, 3}))));
  loss.backward();
  CHECK(block.fc->weight.grad().defined());
  block.zero_grad();
  for (const Tensor& p : block.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("to(dtype) converts parameters in place of the same handles") {
  nn::Linear lin(2, 3);
  Tensor handle = lin.parameters()[0];
  std::vector<double> values = lin.weight.to_vector<double>();
  lin.to(DType::f64);
  CHECK(lin.weight.dtype() == DType::f64);
  CHECK(handle.dtype() == DType::f64);
  CHECK_CLOSE(lin.weight, values, 0, 0);
  sum(lin(ones({1, 2}, {.dtype = DType::f64}))).backward();
  CHECK(lin.weight.grad().dtype() == DType::f64);
  CHECK_THROWS_AS(lin.to(DType::i64), Error);
}
