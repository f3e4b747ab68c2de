// classifier_fmnist: the small CNN of models/classifier.h trained on Fashion-MNIST with Adam. Its
// penultimate features define the project's Fréchet distance (FD); the generative examples load
// the checkpoint it writes to report FD and class histograms of their samples. The learning rate
// follows half a cosine from --lr to 0 over the run. Prints the test
// accuracy after every epoch, and at the end FD(10,000 training images vs the test set): the
// floor a perfect generator would reach. Writes to --out (default out/classifier):
//   classifier.safetensors (weights, config in the metadata)  loss.png  metrics.csv  metrics.json
// Run: build/classifier_fmnist [--epochs 3 --batch 64 --lr 2e-3 --seed 0 --device cpu]; --help lists all.
#include <chrono>
#include <csignal>
#include <cstdio>

#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "models/classifier.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t epochs = 3, batch = 64, seed = 0;
  double lr = 2e-3;
  std::string out = "out/classifier", data = data::fashion_mnist_dir();
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// Fraction of `images` whose argmax logit is the label.
double accuracy(const models::Classifier& model, const data::LabeledImages& set) {
  NoGradGuard no_grad;
  int64_t correct = 0;
  for (int64_t i = 0; i < set.images.size(0); i += 1000) {
    int64_t end = std::min(i + 1000, set.images.size(0));
    Tensor predicted = argmax(model(slice(set.images, 0, i, end)), 1);
    correct += sum(eq(predicted, slice(set.labels, 0, i, end))).item<int64_t>();
  }
  return double(correct) / double(set.images.size(0));
}

int run(const Options& o) {
  data::LabeledImages train = data::load_fashion_mnist("train", o.data);
  data::LabeledImages test = data::load_fashion_mnist("test", o.data);
  test.images = test.images.to(o.device);
  test.labels = test.labels.to(o.device);
  Generator gen(uint64_t(o.seed));
  models::Classifier model({}, gen);
  model.to(o.device);
  nn::Adam opt(model.parameters(), {.lr = o.lr});
  data::DataLoader loader(train.images, train.labels, o.batch, /*shuffle=*/true, /*drop_last=*/false, uint64_t(o.seed));
  const int64_t steps = loader.num_batches();
  nn::CosineAnnealingLR schedule(opt, o.epochs * steps);
  util::create_output_dir(o.out);
  const models::ClassifierConfig& c = model.config();
  fmt::print("Fashion-MNIST: {} train, {} test images; CNN conv3x3({}) BN pool conv3x3({}) BN pool linear({}) "
             "linear(10); Adam lr {} (cosine to 0), batch {}, {} epochs on {}\n", train.images.size(0), test.images.size(0), c.channels1,
             c.channels2, c.features, o.lr, o.batch, o.epochs, o.device.str());
  std::signal(SIGINT, on_sigint);

  std::vector<double> train_loss, test_accuracy, step_ms;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    loader.set_epoch(epoch);
    util::ProgressBar bar(steps, fmt::format("epoch {}/{}", epoch + 1, o.epochs));
    double loss_sum = 0, seconds = 0;
    for (int64_t b = 0; b < steps; ++b) {
      if (g_interrupted) {
        fmt::print("\ninterrupted in epoch {}; no checkpoint written (a classifier is a few minutes to retrain)\n",
                   epoch + 1);
        return 130;
      }
      auto t0 = std::chrono::steady_clock::now();
      data::Batch batch = loader.batch(b);
      Tensor loss = cross_entropy(model(batch.inputs.to(o.device)), batch.targets.to(o.device));
      opt.zero_grad();
      loss.backward();
      opt.step();
      schedule.step();
      loss_sum += loss.item<double>();
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.update(b + 1, fmt::format("loss {:.3f}", loss_sum / double(b + 1)));
    }
    bar.finish();
    model.eval();
    train_loss.push_back(loss_sum / double(steps));
    test_accuracy.push_back(accuracy(model, test));
    step_ms.push_back(1e3 * seconds / double(steps));
    model.train();
    fmt::print("epoch {}: train cross-entropy {:.4f}, test accuracy {:.2f}%, {:.2f} ms/step\n", epoch + 1,
               train_loss.back(), 100 * test_accuracy.back(), step_ms.back());
    std::fflush(stdout);  // the epoch line reaches a log file now, not at exit
  }
  model.eval();
  const std::string checkpoint = o.out + "/classifier.safetensors";
  models::save_classifier(checkpoint, model,
                          {{"test_accuracy", fmt::format("{}", test_accuracy.back())},
                           {"epochs", std::to_string(o.epochs)}, {"seed", std::to_string(o.seed)}});

  // The FD floor: 10,000 training images (a fixed random subset) against the 10,000 test images.
  std::vector<int64_t> order = data::shuffled_order(train.images.size(0), uint64_t(o.seed) + 1, 0);
  std::vector<double> first(order.begin(), order.begin() + std::min<int64_t>(10000, train.images.size(0)));
  Tensor subset = index_select(train.images, 0, tensor(first, {int64_t(first.size())}, {.dtype = DType::i64}));
  double fd_floor = models::frechet_distance_to_test(model, subset.to(o.device), test.images);

  std::vector<double> epochs;
  for (size_t i = 1; i <= train_loss.size(); ++i) epochs.push_back(double(i));
  std::vector<double> test_error;
  for (double a : test_accuracy) test_error.push_back(1 - a);
  util::LineChart chart{.title = "CNN classifier on Fashion-MNIST", .x_label = "epoch", .y_label = "train loss / test error"};
  chart.series.push_back({"train cross-entropy (nats)", epochs, train_loss, util::series_color(0)});
  chart.series.push_back({"test error (fraction)", epochs, test_error, util::series_color(1)});
  chart.write_png(o.out + "/loss.png");
  util::CsvWriter csv(o.out + "/metrics.csv", {"epoch", "train_cross_entropy", "test_accuracy", "step_ms"});
  for (size_t e = 0; e < train_loss.size(); ++e) csv.row({double(e + 1), train_loss[e], test_accuracy[e], step_ms[e]});
  double mean_step_ms = 0;
  for (double ms : step_ms) mean_step_ms += ms / double(step_ms.size());
  util::write_metrics_json(o.out + "/metrics.json", {{"test_accuracy", test_accuracy.back()},
                                                     {"fd_train10k_vs_test", fd_floor},
                                                     {"train_cross_entropy_nats", train_loss.back()},
                                                     {"step_ms", mean_step_ms},
                                                     {"epochs", double(o.epochs)}});
  fmt::print("test accuracy {:.2f}%; FD(10,000 train images vs test) = {:.3f} (the floor)\n"
             "mean train step {:.2f} ms (batch {})\nwrote {}, {}/loss.png, metrics.csv, metrics.json\n",
             100 * test_accuracy.back(), fd_floor, mean_step_ms, o.batch, checkpoint, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("classifier_fmnist", "Train the CNN whose features define the Fréchet distance for Fashion-MNIST.");
  args.add("epochs", &o.epochs, "passes over the 60,000 training images");
  args.add("batch", &o.batch, "images per Adam step");
  args.add("lr", &o.lr, "Adam learning rate at the start (cosine decay to 0)");
  args.add("seed", &o.seed, "seed for the weights and the data order");
  args.add("out", &o.out, "output folder (checkpoint, chart, metrics)");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;
  if (o.epochs < 1 || o.epochs > 1000) return args.error(fmt::format("--epochs must be in [1, 1000], got {}", o.epochs));
  if (o.batch < 1 || o.batch > 60000) return args.error(fmt::format("--batch must be in [1, 60000], got {}", o.batch));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
