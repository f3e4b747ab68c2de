// IDX parsing on small files the test writes: valid (plain and gzip), truncated, wrong magic,
// unsupported type, trailing bytes, corrupt gzip; and the real Fashion-MNIST when installed.
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/fashion_mnist.h"
#include "data/idx.h"
#include "test_util.h"

using namespace tg;
using namespace tg::data;

namespace {

std::vector<uint8_t> idx_bytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> b = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(uint8_t(d >> 24));
    b.push_back(uint8_t(d >> 16));
    b.push_back(uint8_t(d >> 8));
    b.push_back(uint8_t(d));
  }
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

std::string temp_path(const std::string& name) {
  // The pid keeps concurrent runs of the suite (data, data@loopback under CTest -j) apart.
  return (std::filesystem::temp_directory_path() / ("tapegrad_test_" + std::to_string(getpid()) + "_" + name)).string();
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}

// The message of the tg::Error that fn throws ("" if none).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("idx: a valid 2x3 file parses, plain and gzip-compressed") {
  std::vector<uint8_t> bytes = idx_bytes({2, 3}, {1, 2, 3, 4, 5, 255});
  IdxArray a = parse_idx(bytes.data(), bytes.size(), "mem");
  CHECK(a.dims == std::vector<int64_t>{2, 3});
  CHECK(a.values == std::vector<uint8_t>{1, 2, 3, 4, 5, 255});
  std::string plain = temp_path("plain.idx"), gz = temp_path("file.idx.gz");
  write_file(plain, bytes);
  write_gzip(gz, bytes);
  CHECK(read_idx(plain).values == a.values);
  CHECK(read_idx(gz).dims == a.dims);
  std::remove(plain.c_str());
  std::remove(gz.c_str());
}

TEST_CASE("idx: truncated data names the file and the offsets") {
  std::vector<uint8_t> bytes = idx_bytes({2, 3}, {1, 2, 3, 4});
  CHECK(error_of([&] { parse_idx(bytes.data(), bytes.size(), "short.idx"); }) ==
        "short.idx: truncated: the header promises 6 data bytes from offset 12, but the file ends at byte 16");
  std::vector<uint8_t> header_cut(bytes.begin(), bytes.begin() + 7);
  CHECK(error_of([&] { parse_idx(header_cut.data(), header_cut.size(), "cut.idx"); }) ==
        "cut.idx: file ends at byte 7, inside the 2-dim IDX header (12 bytes)");
}

TEST_CASE("idx: wrong magic, unsupported type, zero dim and trailing bytes are errors") {
  std::vector<uint8_t> bytes = idx_bytes({2}, {7, 8});
  bytes[1] = 1;
  CHECK(error_of([&] { parse_idx(bytes.data(), bytes.size(), "m"); }) == "m: bad IDX magic 00 01 at offset 0 (expected 00 00)");
  bytes = idx_bytes({2}, {7, 8});
  bytes[2] = 0x0d;
  CHECK(error_of([&] { parse_idx(bytes.data(), bytes.size(), "t"); }).find("0x0d at offset 2 is not supported") != std::string::npos);
  bytes = idx_bytes({0}, {});
  CHECK(error_of([&] { parse_idx(bytes.data(), bytes.size(), "z"); }) == "z: dimension 0 at offset 4 is zero");
  bytes = idx_bytes({2}, {7, 8, 9});
  CHECK(error_of([&] { parse_idx(bytes.data(), bytes.size(), "x"); }) ==
        "x: 1 unexpected trailing bytes after the data, starting at offset 10");
  CHECK(error_of([&] { parse_idx(bytes.data(), 2, "tiny"); }).find("too short") != std::string::npos);
}

TEST_CASE("idx: a truncated gzip stream is an error, not a short read") {
  std::vector<uint8_t> bytes = idx_bytes({64, 64}, std::vector<uint8_t>(4096, 3));
  std::string gz = temp_path("cut.idx.gz");
  write_gzip(gz, bytes);
  std::ifstream in(gz, std::ios::binary);
  std::vector<uint8_t> compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  compressed.resize(compressed.size() / 2);
  write_file(gz, compressed);
  std::string err = error_of([&] { read_idx(gz); });
  CHECK(err.find("corrupt or truncated gzip data") != std::string::npos);
  CHECK(err.find(gz) != std::string::npos);
  std::remove(gz.c_str());
  CHECK(error_of([&] { read_idx(temp_path("does_not_exist")); }).find("cannot open") != std::string::npos);
}

TEST_CASE("fashion-mnist: a missing directory says which package to install") {
  std::string err = error_of([] { load_fashion_mnist("train", "/nonexistent/fashion"); });
  CHECK(err.find("apt-get install dataset-fashion-mnist") != std::string::npos);
  CHECK(error_of([] { load_fashion_mnist("validation"); }).find("split must be") != std::string::npos);
}

TEST_CASE("fashion-mnist: TG_DATA_DIR moves the folder; one missing file of four makes it unavailable" *
          TG_CPU_ONLY) {
  const char* old = std::getenv("TG_DATA_DIR");
  std::string saved = old ? old : "";
  setenv("TG_DATA_DIR", "/srv/data", 1);
  CHECK(fashion_mnist_dir() == "/srv/data/fashion-mnist");
  setenv("TG_DATA_DIR", "", 1);  // empty counts as unset
  CHECK(fashion_mnist_dir() == kFashionMnistDir);
  unsetenv("TG_DATA_DIR");
  CHECK(fashion_mnist_dir() == kFashionMnistDir);
  if (old) setenv("TG_DATA_DIR", saved.c_str(), 1);

  // The suites' runs on each device share /tmp: the folder name carries the process id.
  std::string dir = temp_path("fmnist_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  CHECK_FALSE(fashion_mnist_available(dir));
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"})
    write_file(dir + "/" + name, {});
  CHECK_FALSE(fashion_mnist_available(dir));
  write_file(dir + "/t10k-labels-idx1-ubyte.gz", {});
  CHECK(fashion_mnist_available(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("fashion-mnist: the installed test split has 10,000 images with balanced labels" * TG_NEEDS_FASHION_MNIST) {
  LabeledImages test = load_fashion_mnist("test");
  CHECK(test.images.shape() == Shape{10000, 784});
  CHECK(test.labels.shape() == Shape{10000});
  std::vector<int64_t> counts(10, 0);
  for (int64_t y : test.labels.to_vector<int64_t>()) ++counts[size_t(y)];
  for (int64_t c : counts) CHECK(c == 1000);  // the test split has exactly 1,000 per class
  std::vector<float> px = test.images.to_vector<float>();
  CHECK(*std::min_element(px.begin(), px.end()) == 0.0f);
  CHECK(*std::max_element(px.begin(), px.end()) == 1.0f);
}
