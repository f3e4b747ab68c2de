// Loading Fashion-MNIST's IDX files into tensors, with shape checks between images and labels.
#include "data/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>

#include "core/creation.h"
#include "data/idx.h"

namespace tg::data {

namespace {
std::string split_prefix(const std::string& dir, const std::string& split) {
  return dir + "/" + (split == "train" ? "train" : "t10k");
}
}  // namespace

std::string fashion_mnist_dir() {
  const char* root = std::getenv("TG_DATA_DIR");
  return root && *root ? std::string(root) + "/fashion-mnist" : std::string(kFashionMnistDir);
}

bool fashion_mnist_available(const std::string& dir) {
  for (const char* split : {"train", "test"})
    for (const char* kind : {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz"})
      if (!std::filesystem::exists(split_prefix(dir, split) + kind)) return false;
  return true;
}

LabeledImages load_fashion_mnist(const std::string& split, const std::string& dir) {
  TG_CHECK(split == "train" || split == "test", "load_fashion_mnist: split must be \"train\" or \"test\", got \"{}\"",
           split);
  std::string prefix = split_prefix(dir, split);
  std::string images_path = prefix + "-images-idx3-ubyte.gz", labels_path = prefix + "-labels-idx1-ubyte.gz";
  for (const std::string& p : {images_path, labels_path})
    TG_CHECK(std::filesystem::exists(p), "Fashion-MNIST file {} not found: install the dataset with "
             "`sudo apt-get install dataset-fashion-mnist` (scripts/run.sh does this), or point TG_DATA_DIR "
             "at a folder holding fashion-mnist/", p);
  IdxArray images = read_idx(images_path), labels = read_idx(labels_path);
  TG_CHECK(images.dims.size() == 3 && images.dims[1] == 28 && images.dims[2] == 28,
           "{}: expected (N, 28, 28) images, the header says ({})", images_path, fmt::join(images.dims, ", "));
  TG_CHECK(labels.dims.size() == 1 && labels.dims[0] == images.dims[0],
           "{}: expected {} labels to match the images, the header says ({})", labels_path, images.dims[0],
           fmt::join(labels.dims, ", "));
  int64_t n = images.dims[0];
  std::vector<float> pixels(images.values.size());
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = float(images.values[i]) / 255.0f;
  std::vector<int64_t> classes(labels.values.size());
  for (size_t i = 0; i < classes.size(); ++i) {
    TG_CHECK(labels.values[i] < 10, "{}: label {} at offset {} is not a class in [0, 10)", labels_path,
             labels.values[i], 8 + i);
    classes[i] = labels.values[i];
  }
  return {from_host(pixels.data(), {n, 784}), from_host(classes.data(), {n}, {.dtype = DType::i64})};
}

}  // namespace tg::data
