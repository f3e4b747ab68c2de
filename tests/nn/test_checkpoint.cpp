// Checkpoints: model and optimizer state round trip bit for bit through one safetensors file, and
// a file that does not fit (wrong shape, unknown name, bad optimizer state) is an error that
// leaves the model and optimizer exactly as they were.
#include <filesystem>

#include "nn/checkpoint.h"
#include "nn/mlp.h"
#include "nn/safetensors.h"
#include "test_util.h"

using namespace tg;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_ckpt_" + name)).string();
}

// A few Adam steps on a fixed regression problem, so that every state tensor is non-trivial.
void train(nn::MLP& model, nn::Adam& opt, int steps) {
  Generator gen(3);
  Tensor x = randn({16, 4}, gen), y = randn({16, 2}, gen);
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    mse_loss(model(x), y).backward();
    opt.step();
  }
}

bool bitwise_equal(const nn::StateDict& a, const nn::StateDict& b) {
  if (a.keys() != b.keys()) return false;
  for (const auto& [name, t] : a) {
    if (!test::bitwise_equal(t, b.at(name))) return false;
  }
  return true;
}

nn::StateDict snapshot(const nn::StateDict& s) {
  nn::StateDict copy;
  for (const auto& [name, t] : s) copy.insert(name, t.clone());
  return copy;
}

}  // namespace

TEST_CASE("checkpoint: model and Adam state round trip bit for bit, with metadata") {
  Generator g1(1), g2(2);
  nn::MLP a({4, 8, 2}, nn::Activation::Relu, true, g1), b({4, 8, 2}, nn::Activation::Relu, true, g2);
  nn::Adam opt_a(a.parameters(), {.lr = 1e-2}), opt_b(b.parameters(), {.lr = 1e-2});
  train(a, opt_a, 3);
  std::string path = temp_path("roundtrip.safetensors");
  nn::save_checkpoint(path, a, opt_a, {{"epoch", "3"}});

  nn::Metadata meta = nn::load_checkpoint(path, b, opt_b);
  CHECK(meta.at("epoch") == "3");
  CHECK(bitwise_equal(a.state_dict(), b.state_dict()));
  CHECK(bitwise_equal(opt_a.state_dict(), opt_b.state_dict()));
  // The names inside are what PyTorch-side tools see.
  SafetensorsFile file = load_safetensors(path);
  CHECK(file.tensors.front().first == "model.layers.0.weight");
  CHECK(file.tensors.back().first == "optim.state.3.exp_avg_sq");

  // Training on from either gives the same weights.
  train(a, opt_a, 2);
  train(b, opt_b, 2);
  CHECK(bitwise_equal(a.state_dict(), b.state_dict()));
  std::filesystem::remove(path);
}

TEST_CASE("checkpoint: a file that does not fit is an error and changes nothing") {
  Generator gen(1);
  nn::MLP model({4, 8, 2}, nn::Activation::Relu, true, gen);
  nn::Adam opt(model.parameters(), {.lr = 1e-2});
  train(model, opt, 2);
  nn::StateDict params = snapshot(model.state_dict()), state = snapshot(opt.state_dict());
  auto unchanged = [&] {
    return bitwise_equal(model.state_dict(), params) && bitwise_equal(opt.state_dict(), state);
  };
  std::string path = temp_path("bad.safetensors");

  SUBCASE("a missing file") {
    CHECK_ERROR(nn::load_checkpoint(temp_path("does_not_exist"), model, opt), "does_not_exist");
  }
  SUBCASE("a layer of another width") {
    nn::MLP wider({4, 9, 2}, nn::Activation::Relu, true, gen);
    nn::Adam wider_opt(wider.parameters(), {});
    nn::save_checkpoint(path, wider, wider_opt);
    CHECK_ERROR(nn::load_checkpoint(path, model, opt), path, "layers.0.weight", "(9, 4)", "(8, 4)");
  }
  SUBCASE("good weights but optimizer state of the wrong shape: the weights are rolled back") {
    NamedTensors tensors;
    for (const auto& [name, t] : model.state_dict()) tensors.emplace_back("model." + name, add(t, 1.0));
    tensors.emplace_back("optim.state.0.step", tensor({1}, {1}, {.dtype = DType::i64}));
    tensors.emplace_back("optim.state.0.exp_avg", zeros({3}));
    tensors.emplace_back("optim.state.0.exp_avg_sq", zeros({3}));
    save_safetensors(path, tensors);
    CHECK_ERROR(nn::load_checkpoint(path, model, opt), path, "state.0.exp_avg");
  }
  SUBCASE("an optimizer step count outside [1, 2^53]") {
    for (double bad : {0.0, -3.0}) {
      NamedTensors tensors;
      for (const auto& [name, t] : model.state_dict()) tensors.emplace_back("model." + name, t);
      for (const auto& [name, t] : opt.state_dict())
        tensors.emplace_back("optim." + name, name == "state.0.step" ? tensor({bad}, {}, {.dtype = DType::i64}) : t);
      save_safetensors(path, tensors);
      CHECK_ERROR(nn::load_checkpoint(path, model, opt), path, "state.0.step", fmt::format("is {}", bad), "[1, 2^53]");
    }
  }
  SUBCASE("a tensor outside model.* and optim.*") {
    save_safetensors(path, {{"weights", zeros({2})}});
    CHECK_ERROR(nn::load_checkpoint(path, model, opt), path, "'weights'");
  }
  CHECK(unchanged());
  std::filesystem::remove(path);
}

TEST_CASE("checkpoint: metadata_at names the file and the missing key") {
  nn::Metadata meta = {{"epoch", "2"}};
  CHECK(nn::metadata_at(meta, "epoch", "f.safetensors") == "2");
  CHECK_ERROR(nn::metadata_at(meta, "step", "f.safetensors"), "f.safetensors", "'step'");
}

TEST_CASE("checkpoint: numeric metadata is parsed whole and range-checked, naming the key and the file") {
  nn::Metadata meta = {{"epoch", "2"}, {"batch", "12x"}, {"lr", "1e-3"}, {"loss", "1.5,2,-0.25"}, {"empty", ""},
                       {"bad_list", "1,,2"}, {"nan", "nan"}, {"big", "99999999999999999999"}};
  CHECK(nn::metadata_int(meta, "epoch", "f.safetensors", 0, 10) == 2);
  CHECK_ERROR(nn::metadata_int(meta, "epoch", "f.safetensors", 3, 10), "f.safetensors", "'epoch'", "[3, 10]");
  CHECK_ERROR(nn::metadata_int(meta, "batch", "f.safetensors", 0, 100), "f.safetensors", "'batch'", "'12x'", "integer");
  CHECK_ERROR(nn::metadata_int(meta, "big", "f.safetensors", 0, 100), "'big'", "not an integer");
  CHECK_ERROR(nn::metadata_int(meta, "lr", "f.safetensors", 0, 100), "'lr'", "'1e-3'");
  CHECK(nn::metadata_double(meta, "lr", "f.safetensors") == 1e-3);
  CHECK_ERROR(nn::metadata_double(meta, "nan", "f.safetensors"), "f.safetensors", "'nan'", "finite");
  CHECK(nn::metadata_doubles(meta, "loss", "f.safetensors") == std::vector<double>{1.5, 2, -0.25});
  CHECK(nn::metadata_doubles(meta, "empty", "f.safetensors").empty());
  CHECK_ERROR(nn::metadata_doubles(meta, "bad_list", "f.safetensors"), "f.safetensors", "'bad_list'", "''");
  CHECK_ERROR(nn::metadata_double(meta, "missing", "f.safetensors"), "f.safetensors", "'missing'");
}
