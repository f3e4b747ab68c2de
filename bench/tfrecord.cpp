// TFRecord read throughput on one core: Fashion-MNIST written as tf.Examples ({"image": 784 raw
// bytes, "label": int64}) and repeated to --mb megabytes, then read back from the page cache with
// CRCs checked (records/s, MB/s), with decode_example on top, and without CRCs; beside them the
// CRC32C throughput (SSE4.2 and table) and one core's memory bandwidth (read pass, memcpy), all
// per second of the thread's CPU time.
// bench/tfrecord_compare.py runs this and the `tfrecord` PyPI reader / TensorFlow on the same file.
//   build/bench_tfrecord [--mb 512] [--file PATH] [--reps 3] [--out DIR]
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <tuple>
#include <span>

#include "bench/bench_util.h"
#include "data/crc32c.h"
#include "data/example.h"
#include "data/fashion_mnist.h"
#include "data/tfrecord.h"

using namespace tg::data;

namespace {

struct Options {
  int64_t mb = 512;
  int reps = 3;
  std::string file = "bench_out/tfrecord/fmnist.tfrecord", out;
};

// Median CPU seconds of this thread over `reps` runs after one warmup. The 2 cores here are shared
// (load averages of 10 are common), so wall time measures the queue; the thread's CPU time (user
// + kernel, which includes the page-cache copies of read()) measures what one core does.
double thread_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}
double seconds_of(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> s;
  for (int i = 0; i < reps; ++i) {
    double t0 = thread_seconds();
    fn();
    s.push_back(thread_seconds() - t0);
  }
  std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end());
  return s[s.size() / 2];
}

void make_file(const Options& o) {
  auto train = load_fashion_mnist("train");
  std::vector<float> pixels = train.images.to_vector<float>();
  std::vector<int64_t> labels = train.labels.to_vector<int64_t>();
  std::vector<std::string> records;
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string image(784, '\0');
    for (size_t p = 0; p < 784; ++p) image[p] = char(uint8_t(pixels[i * 784 + p] * 255.0f + 0.5f));
    Example e;
    e.features["image"] = Feature::bytes({image});
    e.features["label"] = Feature::int64s({labels[i]});
    records.push_back(encode_example(e));
  }
  std::filesystem::create_directories(std::filesystem::path(o.file).parent_path());
  TFRecordWriter w(o.file);
  uint64_t written = 0;
  while (written < uint64_t(o.mb) << 20)
    for (const auto& r : records) {
      w.write(r);
      written += r.size() + 16;
    }
  w.close();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mb" && i + 1 < argc) o.mb = std::atoll(argv[++i]);
    else if (a == "--file" && i + 1 < argc) o.file = argv[++i];
    else if (a == "--reps" && i + 1 < argc) o.reps = std::atoi(argv[++i]);
    else if (a == "--out" && i + 1 < argc) o.out = argv[++i];
    else {
      fmt::print("usage: bench_tfrecord [--mb 512] [--file PATH] [--reps 3] [--out DIR]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (!std::filesystem::exists(o.file) || std::filesystem::file_size(o.file) < uint64_t(o.mb) << 20) {
    fmt::print("writing {} (Fashion-MNIST train as tf.Examples, repeated to {} MB)\n", o.file, o.mb);
    make_file(o);
  }
  double file_mb = double(std::filesystem::file_size(o.file)) / 1e6;
  std::vector<std::pair<std::string, double>> m;

  // CRC32C on a buffer that fits in L2 and one that does not.
  for (size_t bytes : {size_t(256) << 10, size_t(256) << 20}) {
    std::vector<uint8_t> buf(bytes);
    for (size_t i = 0; i < bytes; ++i) buf[i] = uint8_t(i * 2654435761u >> 24);
    volatile uint32_t sink = 0;
    int reps = bytes < (1u << 20) ? 2000 : 3;
    std::string tag = bytes < (1u << 20) ? "256KiB" : "256MiB";
    if (crc32c_hardware_available()) {
      double s = seconds_of([&] { sink = sink + crc32c_hardware(buf.data(), bytes); }, reps);
      m.emplace_back("crc32c_sse42_" + tag + "_GBps", double(bytes) / s / 1e9);
    }
    double s = seconds_of([&] { sink = sink + crc32c_portable(buf.data(), bytes); }, std::min(reps, 200));
    m.emplace_back("crc32c_table_" + tag + "_GBps", double(bytes) / s / 1e9);
    if (bytes > (1u << 20)) {
      // One core's memory bandwidth: a summing read pass, and memcpy (bytes copied per second).
      std::vector<uint8_t> dst(bytes);
      uint64_t acc = 0;
      double r = seconds_of([&] {
        const uint64_t* p = reinterpret_cast<const uint64_t*>(buf.data());
        uint64_t a = 0;
        for (size_t i = 0; i < bytes / 8; ++i) a += p[i];
        acc += a;
      }, 3);
      double c = seconds_of([&] { std::memcpy(dst.data(), buf.data(), bytes); }, 3);
      m.emplace_back("memory_read_GBps", double(bytes) / r / 1e9);
      m.emplace_back("memcpy_GBps", double(bytes) / c / 1e9);
      sink = sink + uint32_t(acc + dst[bytes / 3]);
    }
  }

  // The file, from the page cache after one untimed pass.
  int64_t records = 0, features = 0;  // features: keeps the decoding from being optimised away
  auto read_pass = [&](bool crc, bool decode) {
    TFRecordReader reader(o.file, {.check_crc = crc});
    std::span<const uint8_t> r;
    int64_t n = 0;
    while (reader.next(r)) {
      if (decode) features += int64_t(decode_example(r.data(), r.size()).features.size());
      ++n;
    }
    records = n;
  };
  for (auto [name, crc, decode] : {std::tuple{"read_crc", true, false}, std::tuple{"read_nocrc", false, false},
                                   std::tuple{"read_crc_decode", true, true}}) {
    double s = seconds_of([&] { read_pass(crc, decode); }, o.reps);
    m.emplace_back(std::string(name) + "_MBps", file_mb / s);
    m.emplace_back(std::string(name) + "_records_per_s", double(records) / s);
  }
  m.emplace_back("file_MB", file_mb);
  m.emplace_back("records", double(records));
  if (features == 0) fmt::print("(no features decoded?)\n");

  for (const auto& [k, v] : m) fmt::print("{:32s} {:.4g}\n", k, v);
  if (!o.out.empty()) bench::write_metrics(o.out, m);
  return 0;
}
