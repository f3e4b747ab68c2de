// The Fashion-MNIST classifier, its checkpoint file, and the FD / class-histogram helpers the
// generative examples share (see classifier.h).
#include "models/classifier.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/ops/conv.h"
#include "nn/safetensors.h"
#include "nn/state_dict.h"

namespace tg::models {

Classifier::Classifier(ClassifierConfig config, Generator& init) : config_(config) {
  TG_CHECK(config.channels1 >= 1 && config.channels2 >= 1 && config.features >= 1,
           "Classifier: channel and feature counts must be >= 1, got {}, {}, {}", config.channels1, config.channels2,
           config.features);
  // no conv biases: the batch norms that follow subtract them again
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(1, config.channels1, 3, 1, 1, false, init));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(config.channels1));
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(config.channels1, config.channels2, 3, 1, 1, false, init));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(config.channels2));
  fc_ = register_module("fc", std::make_shared<nn::Linear>(config.channels2 * 49, config.features, true, init));
  out_ = register_module("out", std::make_shared<nn::Linear>(config.features, 10, true, init));
}

Tensor Classifier::features(const Tensor& images) const {
  TG_CHECK((images.dim() == 2 && images.size(1) == 784) ||
               (images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28),
           "Classifier: images must be (N, 784) or (N, 1, 28, 28), got {}", describe(images));
  Tensor x = reshape(images, {images.size(0), 1, 28, 28});
  Tensor h = avg_pool2d(relu(bn1_->forward(conv1_->forward(x))), {2, 2});  // (N, c1, 14, 14)
  h = avg_pool2d(relu(bn2_->forward(conv2_->forward(h))), {2, 2});         // (N, c2, 7, 7)
  return relu(fc_->forward(flatten(h, 1)));          // (N, features)
}

Tensor Classifier::forward(const Tensor& images) const { return out_->forward(features(images)); }

void save_classifier(const std::string& path, const Classifier& model, std::map<std::string, std::string> extra) {
  extra["model"] = "tapegrad Fashion-MNIST classifier";
  extra["channels1"] = std::to_string(model.config().channels1);
  extra["channels2"] = std::to_string(model.config().channels2);
  extra["features"] = std::to_string(model.config().features);
  NamedTensors tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back(name, t.detach().to(Device::cpu));
  save_safetensors(path, tensors, extra);
}

std::string classifier_missing_hint(const std::string& path) {
  return fmt::format("no classifier checkpoint at {}: train it with `classifier_fmnist --out {}` (a few minutes) to "
                     "get FD and class histograms", path, std::filesystem::path(path).parent_path().string());
}

std::shared_ptr<Classifier> load_classifier(const std::string& path, Device device) {
  TG_CHECK(std::filesystem::exists(path), "load_classifier: {}", classifier_missing_hint(path));
  SafetensorsFile file = load_safetensors(path);
  auto config_value = [&](const char* key) {
    auto it = file.metadata.find(key);
    TG_CHECK(it != file.metadata.end(), "load_classifier: {} has no '{}' in its metadata; is it a classifier "
             "checkpoint written by classifier_fmnist?", path, key);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    TG_CHECK(ec == std::errc() && end == it->second.data() + it->second.size() && v >= 1 && v <= 65536,
             "load_classifier: {} has {} = '{}', not a count in [1, 65536]", path, key, it->second);
    return v;
  };
  ClassifierConfig config{config_value("channels1"), config_value("channels2"), config_value("features")};
  Generator unused(0);
  auto model = std::make_shared<Classifier>(config, unused);
  nn::StateDict state;
  for (const auto& [name, t] : file.tensors) state.insert(name, t);
  model->load_state_dict(state);
  model->to(device);
  model->eval();
  return model;
}

namespace {

// Rows [i, i + 500) of images, on the model's device.
Tensor chunk(const Classifier& model, const Tensor& images, int64_t i) {
  return slice(images, 0, i, std::min(i + 500, images.size(0))).to(model.parameters()[0].device());
}

}  // namespace

Tensor classifier_features(const Classifier& model, const Tensor& images) {
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += 500) parts.push_back(model.features(chunk(model, images, i)).to(Device::cpu));
  return cat(parts, 0);
}

std::vector<int64_t> class_histogram(const Classifier& model, const Tensor& images) {
  NoGradGuard no_grad;
  std::vector<int64_t> counts(10, 0);
  for (int64_t i = 0; i < images.size(0); i += 500) {
    Tensor logits = model.forward(chunk(model, images, i));
    for (int64_t c : argmax(logits, 1).to(Device::cpu).to_vector<int64_t>()) ++counts[size_t(c)];
  }
  return counts;
}

double frechet_distance_to_test(const Classifier& model, const Tensor& images, const Tensor& test_images) {
  return frechet_distance(fit_gaussian(classifier_features(model, images)),
                          fit_gaussian(classifier_features(model, test_images)));
}

}  // namespace tg::models
