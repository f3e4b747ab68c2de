// Fashion-MNIST (Zalando; 28x28 grey images of clothing in 10 classes) from Debian's
// dataset-fashion-mnist package. Images become f32 rows in [0, 1], labels i64.
#pragma once
#include <string>

#include "core/tensor.h"

namespace tg::data {

inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline const char* kFashionMnistClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct LabeledImages {
  Tensor images;  // (N, 784) f32 in [0, 1]
  Tensor labels;  // (N,) i64 in [0, 10)
};

// split is "train" (60,000 images) or "test" (10,000). A missing directory or file is an error
// that says which package to install.
LabeledImages load_fashion_mnist(const std::string& split, const std::string& dir = kFashionMnistDir);

}  // namespace tg::data
