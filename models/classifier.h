// A small CNN classifier for Fashion-MNIST whose penultimate features define this project's
// Fréchet distance (FD, models/frechet_distance.h) between generated images and the test set:
//   (N, 1, 28, 28) -> conv 3x3 (c1) BN ReLU avgpool 2 -> conv 3x3 (c2) BN ReLU avgpool 2
//                  -> linear (features) ReLU [the FD features] -> linear 10 (logits)
// (average pooling: on this engine 2x2 max pooling, composed from amax or maximum, costs 4x as much;
// batch norm, which max pooling's sharper features would otherwise give, makes up the accuracy)
// Its weights are a safetensors file with the config in the metadata (examples/classifier_fmnist
// writes it); every generative example loads it the same way to report FD and class histograms.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/frechet_distance.h"
#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/linear.h"

namespace tg::models {

struct ClassifierConfig {
  int64_t channels1 = 32, channels2 = 64, features = 128;
};

class Classifier : public nn::Module {
 public:
  explicit Classifier(ClassifierConfig config = {}, Generator& init = default_generator());
  // images (N, 784) or (N, 1, 28, 28), pixel values in [0, 1] -> (N, features), after the ReLU
  Tensor features(const Tensor& images) const;
  Tensor forward(const Tensor& images) const;  // (N, 10) logits
  Tensor operator()(const Tensor& images) const { return forward(images); }
  const ClassifierConfig& config() const { return config_; }

 private:
  ClassifierConfig config_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<nn::Linear> fc_, out_;
};

// Where examples/classifier_fmnist writes the weights by default, and what the others read.
inline const char* kDefaultClassifierPath = "out/classifier/classifier.safetensors";

// The weights and BN statistics with the config (and any extra metadata, e.g. the test accuracy) in the file's metadata.
void save_classifier(const std::string& path, const Classifier& model, std::map<std::string, std::string> extra = {});
// The classifier saved at `path`, in eval mode, on `device`. A missing file is a tg::Error that says
// how to make it (run classifier_fmnist).
std::shared_ptr<Classifier> load_classifier(const std::string& path, Device device = Device::cpu);
// The sentence the examples print when the checkpoint is missing.
std::string classifier_missing_hint(const std::string& path);

// Features (N, features) of images in [0, 1] (N, 784) (any device, in batches of 500, no gradient),
// as a CPU f32 tensor.
Tensor classifier_features(const Classifier& model, const Tensor& images);
// How many of `images` the classifier puts in each of the 10 classes (argmax of its logits).
std::vector<int64_t> class_histogram(const Classifier& model, const Tensor& images);

// This project's FD for Fashion-MNIST: between the Gaussian fits of the classifier features of
// `images` (10,000 generated ones in the examples) and of `test_images`; both (N, 784) in [0, 1].
double frechet_distance_to_test(const Classifier& model, const Tensor& images, const Tensor& test_images);

}  // namespace tg::models
