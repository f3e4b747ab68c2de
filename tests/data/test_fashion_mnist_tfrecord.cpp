// Fashion-MNIST through TFRecord: written from the IDX files and loaded back, the tensors are
// bit-identical to load_fashion_mnist's (so vae_fmnist --tfrecord trains the same run); a
// corrupted record is reported with the file and its byte offset.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "data/fashion_mnist_tfrecord.h"
#include "test_util.h"

using namespace tg;
using namespace tg::data;

TEST_CASE("fashion-mnist: TFRecord copies load to the same tensors as the IDX files" * TG_NEEDS_FASHION_MNIST) {
  // The pid keeps concurrent runs of the suite (CTest -j, other checkouts) apart.
  std::string dir =
      (std::filesystem::temp_directory_path() / ("tapegrad_test_fmnist_tfrecord_" + std::to_string(getpid()))).string();
  write_fashion_mnist_tfrecord(dir);
  for (const char* split : {"train", "test"}) {
    INFO(split);
    LabeledImages a = load_fashion_mnist(split), b = load_fashion_mnist_tfrecord(split, dir);
    CHECK(test::bitwise_equal(a.images, b.images));
    CHECK(test::bitwise_equal(a.labels, b.labels));
  }
  // Flip one byte inside the third record's image (every record is 16 + 822 bytes long).
  std::string path = dir + "/test.tfrecord";
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * 838 + 100);
    f.put('\x7f');
  }
  CHECK(test::error_report([&] { load_fashion_mnist_tfrecord("test", dir); },
                           {path, "record at byte 1676", "data CRC mismatch"}) == "");
  std::filesystem::remove_all(dir);
}
