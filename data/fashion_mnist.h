// Fashion-MNIST (Zalando; 28x28 grey images of clothing in 10 classes) from Debian's
// dataset-fashion-mnist package. Images become f32 rows in [0, 1], labels i64. The folder is
// $TG_DATA_DIR/fashion-mnist when TG_DATA_DIR is set (datasets kept elsewhere, or hidden from the
// tests with TG_DATA_DIR=/nonexistent), else Debian's /usr/share/datasets/fashion-mnist.
#pragma once
#include <string>

#include "core/tensor.h"

namespace tg::data {

inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline const char* kFashionMnistClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The folder load_fashion_mnist reads by default: $TG_DATA_DIR/fashion-mnist, or kFashionMnistDir.
std::string fashion_mnist_dir();
// Whether `dir` holds all four files (both splits' images and labels).
bool fashion_mnist_available(const std::string& dir = fashion_mnist_dir());

struct LabeledImages {
  Tensor images;  // (N, 784) f32 in [0, 1]
  Tensor labels;  // (N,) i64 in [0, 10)
};

// split is "train" (60,000 images) or "test" (10,000). A missing directory or file is an error
// that says which package to install.
LabeledImages load_fashion_mnist(const std::string& split, const std::string& dir = fashion_mnist_dir());

}  // namespace tg::data
