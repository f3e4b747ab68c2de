// tabular: TensorFlow's input pipeline on tapegrad. The Seattle weather table (1,461 days of
// precipitation, max/min temperature, wind and the day's weather: drizzle, fog, rain, snow, sun;
// from Debian's python3-vega-datasets) goes CSV -> tf.Example -> TFRecord files (train plain,
// test GZIP) -> parse_example -> feature columns (standardised numbers, bucketized temperature,
// a month embedding, a hashed month x rain cross) -> an MLP trained with cross-entropy and Adam.
// It prints test accuracy against the majority-class baseline and writes, to --out (default
// out/tabular): train.tfrecord, test.tfrecord.gz, metrics.csv, metrics.json, confusion.png.
// Run: build/tabular [--epochs 60 --seed 0 --csv PATH ...]; --help lists every flag.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "data/feature_columns.h"
#include "data/tfrecord.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/image.h"
#include "util/output.h"
#include "util/progress.h"

using namespace tg;
using namespace tg::data;

namespace {

const char* kDefaultCsv = "/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv";
const std::vector<std::string> kClasses = {"drizzle", "fog", "rain", "snow", "sun"};

struct Options {
  int64_t epochs = 60, seed = 0, hidden = 32;
  double lr = 0.01, test_fraction = 0.2;
  std::string csv = kDefaultCsv, out = "out/tabular";
  Device device = Device::cpu;
};

// One Example per CSV row: date,precipitation,temp_max,temp_min,wind,weather.
std::vector<Example> read_csv(const std::string& path) {
  std::ifstream in(path);
  TG_CHECK(in.good(), "tabular: cannot open {} (install it with: apt-get install python3-vega-datasets)", path);
  std::string line;
  std::getline(in, line);
  TG_CHECK(line.rfind("date,precipitation,temp_max,temp_min,wind,weather", 0) == 0,
           "tabular: {} does not start with the seattle-weather header, got '{}'", path, line);
  std::vector<Example> rows;
  for (int64_t n = 2; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    TG_CHECK(f.size() == 6 && f[0].size() >= 7, "tabular: {} line {}: expected 6 fields, got '{}'", path, n, line);
    auto label = std::find(kClasses.begin(), kClasses.end(), f[5]);
    TG_CHECK(label != kClasses.end(), "tabular: {} line {}: unknown weather '{}'", path, n, f[5]);
    Example e;
    try {
      for (int k = 1; k <= 4; ++k) e.features[k == 1 ? "precipitation" : k == 2 ? "temp_max" : k == 3 ? "temp_min" : "wind"] =
          Feature::floats({std::stof(f[size_t(k)])});
    } catch (const std::exception&) {
      fail("tabular: {} line {}: a number does not parse in '{}'", path, n, line);
    }
    e.features["month"] = Feature::bytes({f[0].substr(5, 2)});  // "2012/01/01" -> "01"
    e.features["weather"] = Feature::int64s({int64_t(label - kClasses.begin())});
    rows.push_back(std::move(e));
  }
  TG_CHECK(rows.size() >= 10, "tabular: {} has only {} rows", path, rows.size());
  return rows;
}

void write_records(const std::string& path, const std::vector<Example>& rows, Compression c) {
  TFRecordWriter w(path, c);
  for (const auto& e : rows) w.write(encode_example(e));
  w.close();
}

std::vector<Example> read_records(const std::string& path, Compression c) {
  std::vector<Example> out;
  TFRecordReader reader(path, {.compression = c});
  std::span<const uint8_t> r;
  while (reader.next(r)) out.push_back(decode_example(r.data(), r.size()));
  return out;
}

// mean and standard deviation of a float feature over the training rows (for the normaliser)
std::pair<float, float> moments(const std::vector<Example>& rows, const std::string& key) {
  double s = 0, s2 = 0;
  for (const auto& e : rows) {
    double v = e.features.at(key).float_list.at(0);
    s += v;
    s2 += v * v;
  }
  double m = s / double(rows.size());
  return {float(m), float(std::sqrt(std::max(s2 / double(rows.size()) - m * m, 1e-12)))};
}

std::vector<int64_t> labels(const std::vector<Example>& rows) {
  std::vector<int64_t> y;
  for (const auto& e : rows) y.push_back(e.features.at("weather").int64_list.at(0));
  return y;
}

// A 5x5 grid of counts, shaded by each true class's share; rows = true class, columns = predicted.
void draw_confusion(const std::vector<std::vector<int64_t>>& cm, const std::string& title, const std::string& path) {
  const int cell = 70, left = 90, top = 90, k = int(kClasses.size());
  util::Image img(std::max(left + k * cell + 20, util::Image::text_width(title, 2) + 20), top + k * cell + 40);
  const util::Rgb ink{30, 30, 30}, blue{49, 100, 189};
  img.text(10, 10, title, ink, 2);
  img.text(left, top - 45, "predicted class:", ink, 1);
  img.text(10, top + k * cell + 12, "rows: true class", ink, 1);
  for (int r = 0; r < k; ++r) {
    int64_t total = std::accumulate(cm[size_t(r)].begin(), cm[size_t(r)].end(), int64_t(0));
    img.text(10, top + r * cell + cell / 2 - 6, kClasses[size_t(r)], ink, 1);
    img.text(left + r * cell + 8, top - 18, kClasses[size_t(r)], ink, 1);
    for (int c = 0; c < k; ++c) {
      double share = total ? double(cm[size_t(r)][size_t(c)]) / double(total) : 0.0;
      util::Rgb fill = util::mix({255, 255, 255}, blue, share);
      img.fill_rect(left + c * cell + 1, top + r * cell + 1, cell - 2, cell - 2, fill);
      std::string n = std::to_string(cm[size_t(r)][size_t(c)]);
      util::Rgb text = share > 0.5 ? util::Rgb{255, 255, 255} : ink;
      img.text(left + c * cell + (cell - util::Image::text_width(n, 2)) / 2, top + r * cell + cell / 2 - 12, n, text, 2);
    }
  }
  img.write_png(path);
}

int run(const Options& o) {
  set_default_device(o.device);
  Generator gen(uint64_t(o.seed));
  util::create_output_dir(o.out);

  // CSV -> Examples -> a seeded shuffle -> TFRecord files.
  std::vector<Example> all = read_csv(o.csv);
  std::vector<int64_t> order = randint(0, 1 << 30, {int64_t(all.size())}, gen, {.dtype = DType::i64, .device = Device::cpu})
                                   .to_vector<int64_t>();
  std::vector<size_t> perm(all.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](size_t a, size_t b) { return order[a] < order[b]; });
  size_t n_test = size_t(std::round(o.test_fraction * double(all.size())));
  std::vector<Example> train_rows, test_rows;
  for (size_t i = 0; i < perm.size(); ++i) (i < n_test ? test_rows : train_rows).push_back(all[perm[i]]);
  write_records(o.out + "/train.tfrecord", train_rows, Compression::none);
  write_records(o.out + "/test.tfrecord.gz", test_rows, Compression::gzip);

  // ... and back: everything below sees only what the files hold.
  std::vector<Example> train = read_records(o.out + "/train.tfrecord", Compression::none);
  std::vector<Example> test = read_records(o.out + "/test.tfrecord.gz", Compression::gzip);
  TG_CHECK(train.size() == train_rows.size() && test.size() == test_rows.size(), "tabular: record count changed");

  std::vector<std::shared_ptr<DenseColumn>> columns;
  for (const char* key : {"precipitation", "temp_max", "temp_min", "wind"}) {
    auto [m, s] = moments(train, key);
    columns.push_back(numeric_column(key, 1, std::nullopt, standardize(m, s)));
  }
  columns.push_back(bucketized_column(numeric_column("temp_max"), {0, 5, 10, 15, 20, 25, 30}));
  std::vector<std::string> months;
  for (int m = 1; m <= 12; ++m) months.push_back(fmt::format("{:02d}", m));
  auto month = categorical_column_with_vocabulary_list("month", months);
  columns.push_back(embedding_column(month, 3, Combiner::mean, gen));
  auto wet = bucketized_column(numeric_column("precipitation"), {0.05f});
  columns.push_back(indicator_column(crossed_column({{.column = month}, {.column = wet}}, 48)));
  auto input = std::make_shared<InputLayer>(columns);

  auto to_xy = [&](const std::vector<Example>& rows) {
    std::vector<int64_t> y = labels(rows);
    return std::pair{parse_example(rows, input->spec()), from_host(y.data(), {int64_t(y.size())}, {.dtype = DType::i64})};
  };
  auto [train_x, train_y] = to_xy(train);
  auto [test_x, test_y] = to_xy(test);

  nn::MLP mlp({input->dimension(), o.hidden, o.hidden, int64_t(kClasses.size())}, nn::Activation::Relu, true, gen);
  mlp.to(o.device);
  std::vector<Tensor> params = mlp.parameters();
  for (const Tensor& p : input->parameters()) params.push_back(p);
  nn::Adam opt(params, {.lr = o.lr});
  fmt::print("seattle-weather: {} train / {} test days from {}; input layer {} features ({} columns); MLP {}-{}-{}-{}\n",
             train.size(), test.size(), o.csv, input->dimension(), columns.size(), input->dimension(), o.hidden,
             o.hidden, kClasses.size());

  util::CsvWriter csv(o.out + "/metrics.csv", {"epoch", "loss", "train_accuracy"});
  auto accuracy = [](const Tensor& logits, const Tensor& y) {
    return mean(eq(argmax(logits, 1), y).to(DType::f64)).item<double>();
  };
  double loss_value = 0, train_acc = 0;
  auto start = std::chrono::steady_clock::now();
  {
    util::ProgressBar bar(o.epochs, "train");
    for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
      opt.zero_grad();
      Tensor logits = mlp(input->forward(train_x));  // full batch
      Tensor loss = cross_entropy(logits, train_y);
      loss.backward();
      opt.step();
      loss_value = loss.item<double>();
      train_acc = accuracy(logits, train_y);
      csv.row({double(epoch), loss_value, train_acc});
      bar.update(epoch, fmt::format("loss {:.4f}  acc {:5.1f}%", loss_value, 100 * train_acc));
    }
  }
  double train_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  NoGradGuard no_grad;
  std::vector<int64_t> pred = argmax(mlp(input->forward(test_x)), 1).to_vector<int64_t>();
  std::vector<int64_t> truth = labels(test), train_labels = labels(train);
  std::vector<int64_t> counts(kClasses.size(), 0);
  for (int64_t y : train_labels) ++counts[size_t(y)];
  int64_t majority = std::max_element(counts.begin(), counts.end()) - counts.begin();
  std::vector<std::vector<int64_t>> cm(kClasses.size(), std::vector<int64_t>(kClasses.size(), 0));
  int64_t right = 0, baseline_right = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++cm[size_t(truth[i])][size_t(pred[i])];
    right += pred[i] == truth[i];
    baseline_right += truth[i] == majority;
  }
  double test_acc = double(right) / double(truth.size()), base_acc = double(baseline_right) / double(truth.size());
  draw_confusion(cm, fmt::format("test accuracy {:.1f}% (majority '{}' {:.1f}%)", 100 * test_acc,
                                 kClasses[size_t(majority)], 100 * base_acc),
                 o.out + "/confusion.png");
  util::write_metrics_json(o.out + "/metrics.json", {{"test_accuracy", test_acc},
                                                     {"majority_baseline_accuracy", base_acc},
                                                     {"train_accuracy", train_acc},
                                                     {"final_loss", loss_value},
                                                     {"train_examples", double(train.size())},
                                                     {"test_examples", double(test.size())},
                                                     {"train_ms", train_ms},
                                                     {"epoch_ms", train_ms / double(o.epochs)}});
  fmt::print("test accuracy {:.1f}% vs majority-class baseline ('{}') {:.1f}%; train accuracy {:.1f}%, {:.0f} ms\n"
             "wrote {}/train.tfrecord, test.tfrecord.gz, metrics.csv, metrics.json, confusion.png\n",
             100 * test_acc, kClasses[size_t(majority)], 100 * base_acc, 100 * train_acc, train_ms, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("tabular", "Seattle weather through TFRecord and feature columns into an MLP classifier.");
  args.add("csv", &o.csv, "seattle-weather.csv (python3-vega-datasets)");
  args.add("epochs", &o.epochs, "full-batch Adam steps");
  args.add("seed", &o.seed, "seed for the train/test split and the initial weights");
  args.add("lr", &o.lr, "Adam learning rate");
  args.add("hidden", &o.hidden, "width of the two hidden layers");
  args.add("test-fraction", &o.test_fraction, "share of the days held out for testing");
  args.add("out", &o.out, "output folder");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;
  if (o.epochs < 1) return args.error(fmt::format("--epochs must be at least 1, got {}", o.epochs));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.hidden < 1 || o.hidden > 4096) return args.error(fmt::format("--hidden must be in [1, 4096], got {}", o.hidden));
  if (!(o.test_fraction > 0 && o.test_fraction < 1))
    return args.error(fmt::format("--test-fraction must be in (0, 1), got {}", o.test_fraction));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
