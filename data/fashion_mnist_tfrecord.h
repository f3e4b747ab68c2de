// Fashion-MNIST as TFRecord files of tf.Examples {"image": 784 raw bytes, row-major 28x28,
// "label": int64}: <dir>/train.tfrecord and <dir>/test.tfrecord, written from Debian's IDX files
// and loaded back into the same tensors as load_fashion_mnist (pixels / 255, labels i64).
#pragma once
#include <string>

#include "data/fashion_mnist.h"

namespace tg::data {

// Writes both splits into `out_dir` (created if needed).
void write_fashion_mnist_tfrecord(const std::string& out_dir, const std::string& idx_dir = fashion_mnist_dir());
// split "train" or "test", from <dir>/<split>.tfrecord; errors name the file and the record.
LabeledImages load_fashion_mnist_tfrecord(const std::string& split, const std::string& dir);

}  // namespace tg::data
