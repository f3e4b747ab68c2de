// Fashion-MNIST through TFRecord (see fashion_mnist_tfrecord.h).
#include "data/fashion_mnist_tfrecord.h"

#include <filesystem>

#include "core/creation.h"
#include "data/idx.h"
#include "data/parse_example.h"
#include "data/tfrecord.h"

namespace tg::data {

void write_fashion_mnist_tfrecord(const std::string& out_dir, const std::string& idx_dir) {
  std::filesystem::create_directories(out_dir);
  for (const char* split : {"train", "test"}) {
    std::string prefix = idx_dir + "/" + (std::string(split) == "train" ? "train" : "t10k");
    for (const std::string& p : {prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz"})
      TG_CHECK(std::filesystem::exists(p), "Fashion-MNIST file {} not found: install the dataset with "
               "`sudo apt-get install dataset-fashion-mnist` (scripts/run.sh does this)", p);
    IdxArray images = read_idx(prefix + "-images-idx3-ubyte.gz"), labels = read_idx(prefix + "-labels-idx1-ubyte.gz");
    TG_CHECK(images.dims.size() == 3 && images.dims[1] * images.dims[2] == 784 && labels.dims[0] == images.dims[0],
             "write_fashion_mnist_tfrecord: {}: unexpected shapes ({}) and ({})", prefix, fmt::join(images.dims, ", "),
             fmt::join(labels.dims, ", "));
    TFRecordWriter w(out_dir + "/" + split + ".tfrecord");
    for (int64_t i = 0; i < images.dims[0]; ++i) {
      Example e;
      const auto* px = reinterpret_cast<const char*>(images.values.data() + i * 784);
      e.features["image"] = Feature::bytes({std::string(px, 784)});
      e.features["label"] = Feature::int64s({int64_t(labels.values[size_t(i)])});
      w.write(encode_example(e));
    }
    w.close();
  }
}

LabeledImages load_fashion_mnist_tfrecord(const std::string& split, const std::string& dir) {
  TG_CHECK(split == "train" || split == "test",
           "load_fashion_mnist_tfrecord: split must be \"train\" or \"test\", got \"{}\"", split);
  std::string path = dir + "/" + split + ".tfrecord";
  std::vector<FeatureSpec> spec = {fixed_len_feature("image", FeatureType::bytes),
                                   fixed_len_feature("label", FeatureType::int64)};
  std::vector<float> pixels;
  std::vector<int64_t> classes;
  TFRecordReader reader(path);
  std::span<const uint8_t> r;
  while (reader.next(r)) {
    uint64_t at = reader.offset() - r.size() - 16;
    ParsedFeatures f;
    try {
      f = parse_example({decode_example(r.data(), r.size())}, spec);
    } catch (const Error& e) {
      fail("load_fashion_mnist_tfrecord: {}: record at byte {}: {}", path, at, e.what());
    }
    const std::string& image = f["image"].bytes[0];
    int64_t label = f["label"].int64s[0];
    TG_CHECK(image.size() == 784 && label >= 0 && label < 10, "load_fashion_mnist_tfrecord: {}: record at byte {} "
             "has a {}-byte image and label {} (expected 784 bytes, a label in [0, 10))", path, at, image.size(), label);
    for (unsigned char p : image) pixels.push_back(float(p) / 255.0f);
    classes.push_back(label);
  }
  int64_t n = int64_t(classes.size());
  TG_CHECK(n > 0, "load_fashion_mnist_tfrecord: {} holds no records", path);
  return {from_host(pixels.data(), {n, 784}), from_host(classes.data(), {n}, {.dtype = DType::i64})};
}

}  // namespace tg::data
