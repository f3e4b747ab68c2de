// mixed_precision: one MLP classifier on Fashion-MNIST (784-256-256-10, ReLU, Adam, batch 128)
// trained four ways from the same initial weights and data order: FP32; FP16 without loss
// scaling; FP16 with dynamic loss scaling (nn/amp.h); BF16. The half runs keep FP32 master
// weights in the optimizer. Prints a table (final test loss and accuracy, skipped steps, final
// loss scale, share of zero gradients, step time, peak memory) and writes to --out
// (default out/mixed_precision):
//   loss_scale.png  the dynamic run's loss scale at every step, with the skipped steps marked
//   grad_hist.png   log2 |g| of the FP32 run's parameter gradients against FP16's range
//   test_loss.png   test loss after each epoch, all four runs
//   metrics.csv     per-step training loss of each run and the loss scale
//   metrics.json    the table's figures
// Run: build/mixed_precision [--epochs 3 --batch 128 --lr 1e-3 --growth-interval 200 --seed 0 --device cpu];
// --help lists all. With --device cuda the model, the batches and the test set live on the GPU and
// peak memory is the CUDA allocator's.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <tuple>

#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  // The scale grows every 200 finite steps here (torch's default is 2000, LossScaler's too) so that a
  // run of a few minutes shows the rule at work: growth until a step overflows, then backing off.
  int64_t epochs = 3, batch = 128, hidden = 256, seed = 0, growth_interval = 200, sample_every = 25;
  double lr = 1e-3;
  std::string out = "out/mixed_precision", data = data::fashion_mnist_dir();
  Device device = Device::cpu;
};

struct RunSpec {
  const char* name;  // in the table and the charts
  const char* key;   // metrics.json prefix
  DType dtype;
  bool loss_scaling;
};
const RunSpec kRuns[] = {{"FP32", "fp32", DType::f32, false},
                         {"FP16, no loss scaling", "fp16_unscaled", DType::f16, false},
                         {"FP16 + loss scaling", "fp16_scaled", DType::f16, true},
                         {"BF16", "bf16", DType::bf16, false}};

// Where gradient magnitudes fall, in bins [2^k, 2^(k+1)) for k in [kLo, kHi), and how many of them
// f16 cannot hold: flushed to zero (|g| <= 2^-25), subnormal (below 2^-14, fewer digits), or inf.
struct GradientHistogram {
  static constexpr int kLo = -40, kHi = 8;
  std::vector<int64_t> bins = std::vector<int64_t>(kHi - kLo, 0);
  int64_t nonzero = 0, f16_zero = 0, f16_subnormal = 0, f16_inf = 0;

  void add(const std::vector<float>& g) {
    for (float v : g) {
      if (v == 0) continue;  // zero in every precision (a dead ReLU, a pixel that is always 0)
      ++nonzero;
      int e;
      std::frexp(v, &e);  // |v| = m 2^e with m in [0.5, 1): floor(log2 |v|) = e - 1
      bins[size_t(std::clamp(e - 1, kLo, kHi - 1) - kLo)]++;
      float h = std::abs(float(half(v)));
      if (h == 0) ++f16_zero;
      else if (std::isinf(h)) ++f16_inf;
      else if (h < std::ldexp(1.0f, -14)) ++f16_subnormal;
    }
  }
  double share(int64_t count) const { return nonzero ? 100.0 * double(count) / double(nonzero) : 0; }
};

struct RunResult {
  std::vector<double> step_loss, step_scale, epoch_test_loss;
  std::vector<int64_t> skipped_at;
  double test_loss = 0, test_accuracy = 0, step_ms = 0, peak_mib = 0, final_scale = 1, zero_grad_percent = 0;
  int64_t skipped = 0;
};

// Mean cross-entropy and accuracy over `split`, with the model in its own precision.
std::pair<double, double> evaluate(const nn::MLP& model, const data::LabeledImages& split, DType dtype) {
  NoGradGuard no_grad;
  double loss = 0, correct = 0;
  int64_t n = split.images.size(0);
  for (int64_t i = 0; i < n; i += 1000) {
    int64_t end = std::min(i + 1000, n);
    Tensor logits = model(slice(split.images, 0, i, end).to(dtype));
    Tensor labels = slice(split.labels, 0, i, end);
    loss += cross_entropy(logits, labels, Reduction::Sum).item<double>();
    correct += sum(eq(argmax(logits, 1), labels).to(DType::f32)).item<double>();
  }
  return {loss / double(n), correct / double(n)};
}

// Every gradient entry of the model's parameters (in their dtype) as floats.
std::vector<float> gradient_values(const nn::Module& model) {
  std::vector<float> out;
  for (const Tensor& p : model.parameters()) {
    std::vector<float> g = p.grad().to(DType::f32).to_vector();
    out.insert(out.end(), g.begin(), g.end());
  }
  return out;
}

RunResult train(const RunSpec& spec, const Options& o, const data::LabeledImages& train_set,
                const data::LabeledImages& test_set, GradientHistogram* histogram) {
  size_t base_bytes = memory_stats(o.device).bytes_in_use;  // the data sets; the run's memory comes on top
  Generator gen(uint64_t(o.seed));
  nn::MLP model({784, o.hidden, o.hidden, 10}, nn::Activation::Relu, true, gen);
  model.to(o.device);  // before MasterWeights copies the parameters
  std::optional<nn::amp::MasterWeights> master;
  if (spec.dtype != DType::f32) master.emplace(model, spec.dtype);
  nn::Adam opt(master ? master->parameters() : model.parameters(), {.lr = o.lr});
  nn::amp::LossScaler scaler({.growth_interval = o.growth_interval, .enabled = spec.loss_scaling});
  // drop_last=false (PyTorch's default): a data set smaller than one batch still trains
  data::DataLoader loader(train_set.images, train_set.labels, o.batch, /*shuffle=*/true, /*drop_last=*/false,
                          uint64_t(o.seed));
  TG_CHECK(loader.num_batches() > 0, "no training images in {}", o.data);

  RunResult r;
  int64_t steps = loader.num_batches(), zeros = 0, sampled = 0;
  double train_seconds = 0;
  size_t peak_bytes = 0;  // the most in use during a training step: weights, optimizer state, activations
  util::ProgressBar bar(o.epochs * steps, spec.name);
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    loader.set_epoch(epoch);
    for (int64_t b = 0; b < steps; ++b) {
      data::Batch batch = loader.batch(b);
      Tensor inputs = batch.inputs.to(o.device).to(spec.dtype), targets = batch.targets.to(o.device);
      reset_peak_memory_stats(o.device);
      auto t0 = std::chrono::steady_clock::now();
      model.zero_grad();
      Tensor loss = cross_entropy(model(inputs), targets);  // f32 in every run
      if (master) {
        scaler.scale(loss).backward();
        if (!scaler.step(opt, *master)) r.skipped_at.push_back(int64_t(r.step_loss.size()));
      } else {
        loss.backward();
        opt.step();
      }
      r.step_loss.push_back(loss.item<double>());  // waits for the device, so the time below includes its work
      train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      peak_bytes = std::max(peak_bytes, memory_stats(o.device).peak_bytes_in_use);
      r.step_scale.push_back(scaler.loss_scale());
      if (int64_t(r.step_loss.size()) % o.sample_every == 0) {
        std::vector<float> g = gradient_values(model);  // still S times the true gradient
        for (float v : g) zeros += v == 0;
        sampled += int64_t(g.size());
        if (histogram) histogram->add(g);
      }
      bar.update(epoch * steps + b + 1, fmt::format("epoch {} loss {:.3f}", epoch + 1, r.step_loss.back()));
    }
    r.epoch_test_loss.push_back(evaluate(model, test_set, spec.dtype).first);
  }
  bar.finish();
  std::tie(r.test_loss, r.test_accuracy) = evaluate(model, test_set, spec.dtype);
  r.step_ms = 1e3 * train_seconds / double(r.step_loss.size());
  r.peak_mib = double(peak_bytes - base_bytes) / (1 << 20);
  r.skipped = int64_t(r.skipped_at.size());
  r.final_scale = scaler.loss_scale();
  r.zero_grad_percent = sampled ? 100.0 * double(zeros) / double(sampled) : 0;
  return r;
}

void write_loss_scale_chart(const std::string& path, const RunResult& r, int64_t growth_interval) {
  util::LineChart chart{.title = "FP16 dynamic loss scale S", .x_label = "step",
                        .y_label = fmt::format("log2 S (x2 after {} finite steps, x0.5 on inf/NaN)", growth_interval)};
  util::Series scale{"log2 S", {}, {}, util::series_color(0), /*markers=*/false};
  util::Series skips{"skipped step (inf/NaN)", {}, {}, util::series_color(3), /*markers=*/true, /*line=*/false};
  for (size_t i = 0; i < r.step_scale.size(); ++i) {
    scale.x.push_back(double(i + 1));
    scale.y.push_back(std::log2(r.step_scale[i]));
  }
  for (int64_t s : r.skipped_at) {
    skips.x.push_back(double(s + 1));
    skips.y.push_back(std::log2(r.step_scale[size_t(s)]) + 1);  // the scale that overflowed
  }
  chart.series.push_back(scale);
  if (!skips.x.empty()) chart.series.push_back(skips);
  chart.write_png(path);
}

void write_histogram_chart(const std::string& path, const GradientHistogram& h, double scale) {
  util::LineChart chart{.title = "FP32 parameter gradients against FP16's range", .x_label = "log2 |g|",
                        .y_label = "share of nonzero gradients (%)"};
  util::Series raw{"|g|", {}, {}, util::series_color(0)};
  util::Series scaled{fmt::format("|g| x 2^{} (final S)", std::log2(scale)), {}, {}, util::series_color(2)};
  double top = 0;
  for (int k = GradientHistogram::kLo; k < GradientHistogram::kHi; ++k) {
    double pct = h.share(h.bins[size_t(k - GradientHistogram::kLo)]);
    raw.x.push_back(k + 0.5);
    raw.y.push_back(pct);
    scaled.x.push_back(k + 0.5 + std::log2(scale));
    scaled.y.push_back(pct);
    top = std::max(top, pct);
  }
  chart.series = {raw, scaled};
  // FP16's limits as vertical lines: below 2^-24 a value rounds to zero (from 2^-25 down), below
  // 2^-14 it is subnormal (fewer significant bits), above 65504 (just under 2^16) it is inf.
  const std::pair<double, const char*> limits[] = {
      {-24, "f16 min subnormal 2^-24"}, {-14, "f16 min normal 2^-14"}, {std::log2(65504.0), "f16 max 65504"}};
  for (size_t i = 0; i < 3; ++i)
    chart.series.push_back({limits[i].second, {limits[i].first, limits[i].first}, {0, top}, util::series_color(3 + i),
                            /*markers=*/false});
  chart.write_png(path);
}

void write_test_loss_chart(const std::string& path, const std::vector<RunResult>& results) {
  util::LineChart chart{.title = "MLP on Fashion-MNIST: four precisions", .x_label = "epoch",
                        .y_label = "test cross-entropy (nats)"};
  for (size_t i = 0; i < results.size(); ++i) {
    util::Series s{kRuns[i].name, {}, results[i].epoch_test_loss, util::series_color(i)};
    for (size_t e = 1; e <= s.y.size(); ++e) s.x.push_back(double(e));
    chart.series.push_back(s);
  }
  chart.write_png(path);
}

int run(const Options& o) {
  data::LabeledImages train_set = data::load_fashion_mnist("train", o.data);
  data::LabeledImages test_set = data::load_fashion_mnist("test", o.data);
  test_set = {test_set.images.to(o.device), test_set.labels.to(o.device)};
  util::create_output_dir(o.out);
  fmt::print("Fashion-MNIST: MLP 784-{0}-{0}-10, Adam lr {1}, batch {2}, {3} epochs, four precisions, on {4}\n",
             o.hidden, o.lr, o.batch, o.epochs, o.device.str());
  GradientHistogram histogram;
  std::vector<RunResult> results;
  for (const RunSpec& spec : kRuns)
    results.push_back(train(spec, o, train_set, test_set, spec.dtype == DType::f32 ? &histogram : nullptr));

  const RunResult& fp32 = results[0];
  const RunResult& scaled = results[2];
  std::vector<std::pair<std::string, double>> metrics;
  fmt::print("\n| run | test loss (nats) | vs FP32 | test accuracy | skipped steps | final loss scale | zero grads "
             "| step ms | peak MiB |\n|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    double gap = 100.0 * (r.test_loss - fp32.test_loss) / fp32.test_loss;
    fmt::print("| {} | {:.4f} | {:+.2f}% | {:.2f}% | {} | {} | {:.2f}% | {:.2f} | {:.1f} |\n", kRuns[i].name,
               r.test_loss, gap, 100 * r.test_accuracy, r.skipped, r.final_scale, r.zero_grad_percent, r.step_ms,
               r.peak_mib);
    std::string k = kRuns[i].key;
    metrics.insert(metrics.end(), {{k + "_test_loss_nats", r.test_loss}, {k + "_test_loss_vs_fp32_percent", gap},
                                   {k + "_test_accuracy", r.test_accuracy}, {k + "_skipped_steps", double(r.skipped)},
                                   {k + "_final_loss_scale", r.final_scale},
                                   {k + "_zero_grad_percent", r.zero_grad_percent}, {k + "_step_ms", r.step_ms},
                                   {k + "_peak_mib", r.peak_mib}});
  }
  metrics.insert(metrics.end(), {{"fp32_grads_f16_underflow_percent", histogram.share(histogram.f16_zero)},
                                 {"fp32_grads_f16_subnormal_percent", histogram.share(histogram.f16_subnormal)},
                                 {"fp32_grads_f16_overflow_percent", histogram.share(histogram.f16_inf)},
                                 {"epochs", double(o.epochs)}});
  fmt::print("\nFP32 parameter gradients (sampled every {} steps) that FP16 cannot hold: {:.2f}% flush to zero, "
             "{:.2f}% are subnormal, {:.4f}% overflow\n", o.sample_every, histogram.share(histogram.f16_zero),
             histogram.share(histogram.f16_subnormal), histogram.share(histogram.f16_inf));

  write_loss_scale_chart(o.out + "/loss_scale.png", scaled, o.growth_interval);
  write_histogram_chart(o.out + "/grad_hist.png", histogram, scaled.final_scale);
  write_test_loss_chart(o.out + "/test_loss.png", results);
  util::CsvWriter csv(o.out + "/metrics.csv", {"step", "fp32_loss", "fp16_unscaled_loss", "fp16_scaled_loss",
                                               "bf16_loss", "loss_scale"});
  for (size_t s = 0; s < fp32.step_loss.size(); ++s)
    csv.row({double(s + 1), results[0].step_loss[s], results[1].step_loss[s], results[2].step_loss[s],
             results[3].step_loss[s], scaled.step_scale[s]});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("wrote {}/loss_scale.png, grad_hist.png, test_loss.png, metrics.csv, metrics.json\n", o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("mixed_precision",
                       "Train one MLP on Fashion-MNIST in FP32, FP16 (with and without loss scaling) and BF16.");
  args.add("epochs", &o.epochs, "passes over the 60,000 training images, per run");
  args.add("batch", &o.batch, "images per Adam step");
  args.add("hidden", &o.hidden, "units in each of the two hidden layers");
  args.add("lr", &o.lr, "Adam learning rate");
  args.add("growth-interval", &o.growth_interval, "finite steps before the loss scale doubles (torch: 2000)");
  args.add("sample-every", &o.sample_every, "steps between gradient samples (histogram, zero-gradient share)");
  args.add("seed", &o.seed, "seed for the weights and the data order (the same in all four runs)");
  args.add("out", &o.out, "output folder (charts, metrics)");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.epochs < 1 || o.epochs > 1000) return args.error(fmt::format("--epochs must be in [1, 1000], got {}", o.epochs));
  if (o.batch < 1 || o.batch > 60000) return args.error(fmt::format("--batch must be in [1, 60000], got {}", o.batch));
  if (o.hidden < 1 || o.hidden > 16384)
    return args.error(fmt::format("--hidden must be in [1, 16384], got {}", o.hidden));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.growth_interval < 1 || o.growth_interval > 1000000000)
    return args.error(fmt::format("--growth-interval must be in [1, 1e9], got {}", o.growth_interval));
  if (o.sample_every < 1 || o.sample_every > 1000000000)
    return args.error(fmt::format("--sample-every must be in [1, 1e9], got {}", o.sample_every));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
