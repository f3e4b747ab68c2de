// gan_fmnist: a DCGAN (models/gan.h) trained on Fashion-MNIST, with the non-saturating loss
// (--loss ns, Adam 2e-4, betas 0.5/0.999) or as WGAN-GP (--loss wgan-gp: critic without batch norm,
// gradient penalty lambda 10 through double backward, 5 critic steps per generator step, Adam 1e-4,
// betas 0/0.9); models/gan_losses.h has the math. Writes to --out (default out/gan_ns or out/gan_wgan-gp):
//   samples_epochN.png (64 samples from fixed noise after each epoch)  samples.png  loss.png
//   class_histogram.png  metrics.csv  metrics.json
//   checkpoint_g.safetensors, checkpoint_d.safetensors (after every epoch and on Ctrl-C; --resume,
//   which on a finished run redoes only the final evaluation, e.g. once the classifier exists)
// At the end it draws 10,000 samples and reports their Fréchet distance to the test set and how the
// classifier of classifier_fmnist sorts them into classes (when its checkpoint exists).
// Run: build/gan_fmnist [--loss ns --epochs 5 --batch 64 --seed 0]; --help lists all.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "models/classifier.h"
#include "models/gan.h"
#include "models/gan_losses.h"
#include "nn/checkpoint.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/bar_chart.h"
#include "util/image.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  std::string loss = "ns";
  // widths a quarter to three eighths of PyTorch's DCGAN tutorial's (64): a default run stays under
  // 20 minutes on two shared CPU cores
  int64_t epochs = 5, batch = 64, latent = 100, g_width = 24, d_width = 16, n_critic = 5, seed = 0, samples = 10000;
  int64_t stop_after = 0;
  double lr = 0, gp_lambda = 10;
  bool resume = false;
  std::string out, data = data::fashion_mnist_dir(), classifier = models::kDefaultClassifierPath;
  Device device = Device::cpu;
  bool wgan() const { return loss == "wgan-gp"; }
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

const int64_t kCurveWindow = 50;  // loss.png shows means over windows of this many steps

// Where a run stands; all of it goes into the checkpoints' metadata for --resume.
struct RunState {
  int64_t epoch = 0, batch = 0;  // the next batch to train: batch `batch` of epoch `epoch`
  double window_d = 0, window_g = 0;  // sums over the current window (window_n steps, window_g_n G steps)
  int64_t window_n = 0, window_g_n = 0;
  std::vector<double> curve_x, curve_d, curve_g;  // per finished window: epoch position, mean D and G loss
  double train_seconds = 0;
  int64_t timed_steps = 0;
};

std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? "," : "", v[i]);
  return s;
}

nn::Metadata to_metadata(const RunState& s, const Options& o, const Generator& gen) {
  return {{"epoch", std::to_string(s.epoch)}, {"batch", std::to_string(s.batch)},
          {"window_d", fmt::format("{}", s.window_d)}, {"window_g", fmt::format("{}", s.window_g)},
          {"window_n", std::to_string(s.window_n)}, {"window_g_n", std::to_string(s.window_g_n)},
          {"curve_x", join(s.curve_x)}, {"curve_d", join(s.curve_d)}, {"curve_g", join(s.curve_g)},
          {"train_seconds", fmt::format("{}", s.train_seconds)}, {"timed_steps", std::to_string(s.timed_steps)},
          {"generator_offset", std::to_string(gen.offset())}, {"seed", std::to_string(o.seed)},
          {"loss", o.loss}, {"batch_size", std::to_string(o.batch)}, {"lr", fmt::format("{}", o.lr)},
          {"n_critic", std::to_string(o.n_critic)}};
}

RunState from_metadata(const nn::Metadata& m, const nn::Metadata& m_d, const std::string& path, const Options& o,
                       int64_t steps, Generator& gen) {
  auto at = [&](const char* key) { return nn::metadata_at(m, key, path); };
  for (auto [key, want] : {std::pair{"seed", std::to_string(o.seed)}, {"loss", o.loss},
                           {"batch_size", std::to_string(o.batch)}, {"lr", fmt::format("{}", o.lr)},
                           {"n_critic", std::to_string(o.n_critic)}})
    TG_CHECK(at(key) == want, "--resume: {} was written with {} {}, but this run has {}; pass the same flags",
             path, key, at(key), want);
  TG_CHECK(m == m_d, "--resume: the generator's and the discriminator's checkpoints in {} are from different "
           "steps (a crash between the two writes); start again without --resume", o.out);
  RunState s;
  s.epoch = nn::metadata_int(m, "epoch", path, 0, o.epochs);
  s.batch = nn::metadata_int(m, "batch", path, 0, steps - 1);
  s.window_d = nn::metadata_double(m, "window_d", path);
  s.window_g = nn::metadata_double(m, "window_g", path);
  s.window_n = nn::metadata_int(m, "window_n", path, 0, kCurveWindow);
  s.window_g_n = nn::metadata_int(m, "window_g_n", path, 0, kCurveWindow);
  s.curve_x = nn::metadata_doubles(m, "curve_x", path);
  s.curve_d = nn::metadata_doubles(m, "curve_d", path);
  s.curve_g = nn::metadata_doubles(m, "curve_g", path);
  TG_CHECK(s.curve_d.size() == s.curve_x.size() && s.curve_g.size() == s.curve_x.size(),
           "--resume: {} has loss curves of different lengths", path);
  s.train_seconds = nn::metadata_double(m, "train_seconds", path);
  s.timed_steps = nn::metadata_int(m, "timed_steps", path, 0, INT64_MAX);
  gen.set_state(uint64_t(o.seed), uint64_t(nn::metadata_int(m, "generator_offset", path, 0, INT64_MAX)));
  return s;
}

// Generator output in [-1, 1] (N, 1, 28, 28) -> pixel values in [0, 1] (N, 784).
Tensor to_pixels(const Tensor& images) { return reshape(mul(add(images, 1.0), 0.5), {images.size(0), 784}); }

// `n` samples from G in eval mode (BN with its running statistics), in batches of 500, as (n, 784) in [0, 1].
Tensor sample_images(models::DcganGenerator& g, int64_t n, int64_t latent, Generator& gen, Device device) {
  NoGradGuard no_grad;
  g.eval();
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < n; i += 500)
    parts.push_back(to_pixels(g(randn({std::min<int64_t>(500, n - i), latent}, gen, {.device = device}))));
  g.train();
  return cat(parts, 0);
}

void write_grid(models::DcganGenerator& g, const Tensor& fixed_z, const std::string& path, const std::string& title) {
  NoGradGuard no_grad;
  g.eval();
  std::vector<float> pixels = to_pixels(g(fixed_z)).to_vector();
  g.train();
  util::write_image_grid(path, title, pixels, 8, 8);
}

void write_loss_chart(const RunState& s, const Options& o) {
  if (s.curve_x.empty()) return;
  util::LineChart chart{.title = o.wgan() ? "WGAN-GP on Fashion-MNIST" : "DCGAN (non-saturating) on Fashion-MNIST",
                        .x_label = "epoch", .y_label = fmt::format("loss (mean over {} steps)", kCurveWindow)};
  chart.series.push_back({o.wgan() ? "critic (incl. penalty)" : "discriminator", s.curve_x, s.curve_d,
                          util::series_color(0), false});
  chart.series.push_back({"generator", s.curve_x, s.curve_g, util::series_color(1), false});
  chart.write_png(o.out + "/loss.png");
}

int run(Options o) {
  data::LabeledImages train = data::load_fashion_mnist("train", o.data);
  data::LabeledImages test = data::load_fashion_mnist("test", o.data);
  Generator gen(uint64_t(o.seed));  // initial weights, then the training noise
  models::GanConfig config{.latent = o.latent, .g_width = o.g_width, .d_width = o.d_width, .d_batch_norm = !o.wgan()};
  models::DcganGenerator g(config, gen);
  models::DcganDiscriminator d(config, gen);
  g.to(o.device);
  d.to(o.device);
  nn::AdamOptions adam = o.wgan() ? nn::AdamOptions{.lr = o.lr, .beta1 = 0.0, .beta2 = 0.9}
                                  : nn::AdamOptions{.lr = o.lr, .beta1 = 0.5, .beta2 = 0.999};
  nn::Adam opt_g(g.parameters(), adam), opt_d(d.parameters(), adam);
  data::DataLoader loader(train.images, Tensor(), o.batch, /*shuffle=*/true, /*drop_last=*/true, uint64_t(o.seed));
  const int64_t steps = loader.num_batches();
  TG_CHECK(steps > 0, "fewer training images than one batch of {} in {}", o.batch, o.data);
  util::create_output_dir(o.out);
  const std::string ckpt_g = o.out + "/checkpoint_g.safetensors", ckpt_d = o.out + "/checkpoint_d.safetensors";
  Generator fixed_gen(uint64_t(o.seed) + 1);  // the noise of the per-epoch grids, the same every epoch
  Tensor fixed_z = randn({64, o.latent}, fixed_gen, {.device = o.device});

  RunState s;
  if (o.resume) {
    nn::Metadata m_g = nn::load_checkpoint(ckpt_g, g, opt_g);
    nn::Metadata m_d = nn::load_checkpoint(ckpt_d, d, opt_d);
    s = from_metadata(m_g, m_d, ckpt_g, o, steps, gen);
    if (s.epoch == o.epochs)
      fmt::print("{} has finished all {} epochs: redoing the final evaluation\n", ckpt_g, o.epochs);
    else
      fmt::print("resumed from {} at epoch {}, batch {}\n", ckpt_g, s.epoch + 1, s.batch);
  }
  auto save = [&](const RunState& state) {
    nn::save_checkpoint(ckpt_g, g, opt_g, to_metadata(state, o, gen));
    nn::save_checkpoint(ckpt_d, d, opt_d, to_metadata(state, o, gen));
  };
  fmt::print("Fashion-MNIST: {} train images; DCGAN G width {}, D width {}{}, latent {}; loss {}{}; Adam lr {}, "
             "batch {}, {} epochs of {} {} steps on {}\n", train.images.size(0), o.g_width, o.d_width,
             o.wgan() ? " (no BN)" : "", o.latent, o.loss,
             o.wgan() ? fmt::format(" (lambda {}, {} critic steps per G step)", o.gp_lambda, o.n_critic) : "", o.lr,
             o.batch, o.epochs, steps, o.wgan() ? "critic" : "D+G", o.device.str());
  std::signal(SIGINT, on_sigint);
  models::Discriminator critic = [&d](const Tensor& x) { return d(x); };
  int64_t steps_this_run = 0;
  for (; s.epoch < o.epochs; ++s.epoch, s.batch = 0) {
    loader.set_epoch(s.epoch);
    util::ProgressBar bar(steps, fmt::format("epoch {}/{}", s.epoch + 1, o.epochs), stderr, s.batch);
    for (; s.batch < steps; ++s.batch) {
      auto t0 = std::chrono::steady_clock::now();
      // images (B, 1, 28, 28) scaled to [-1, 1], G's tanh range
      Tensor real = reshape(add(mul(loader.batch(s.batch).inputs.to(o.device), 2.0), -1.0), {o.batch, 1, 28, 28});
      Tensor z = randn({o.batch, o.latent}, gen, {.device = o.device});
      Tensor d_loss, fake;  // ns: fake keeps G's graph for the G step that follows (PyTorch's DCGAN tutorial)
      if (o.wgan()) {
        {
          NoGradGuard no_grad;
          fake = g(z);
        }
        Tensor eps = rand({o.batch}, gen, {.device = o.device});
        d_loss = add(models::wgan_critic_loss(d(real), d(fake)),
                     mul(models::gradient_penalty(critic, real, fake, eps), o.gp_lambda));
      } else {
        fake = g(z);
        d_loss = models::ns_discriminator_loss(d(real), d(fake.detach()));
      }
      opt_d.zero_grad();
      d_loss.backward();
      opt_d.step();
      s.window_d += d_loss.item<double>();
      ++s.window_n;
      // the generator: after every D step (ns), after every n_critic-th critic step (wgan-gp)
      if (!o.wgan() || (s.batch + 1) % o.n_critic == 0) {
        // ns: the same fakes, scored by the updated D; wgan-gp: fresh noise
        if (o.wgan()) fake = g(randn({o.batch, o.latent}, gen, {.device = o.device}));
        Tensor scores = d(fake);
        Tensor g_loss = o.wgan() ? models::wgan_generator_loss(scores) : models::ns_generator_loss(scores);
        opt_g.zero_grad();
        g_loss.backward();
        opt_g.step();
        s.window_g += g_loss.item<double>();
        ++s.window_g_n;
      }
      s.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++s.timed_steps;
      if (s.window_n == kCurveWindow) {
        s.curve_x.push_back(double(s.epoch) + double(s.batch + 1) / double(steps));
        s.curve_d.push_back(s.window_d / double(s.window_n));
        s.curve_g.push_back(s.window_g_n ? s.window_g / double(s.window_g_n) : NAN);
        s.window_d = s.window_g = 0, s.window_n = s.window_g_n = 0;
      }
      if (!s.curve_x.empty())
        bar.update(s.batch + 1, fmt::format("D {:.3f} G {:.3f}", s.curve_d.back(), s.curve_g.back()));
      else
        bar.update(s.batch + 1);
      bool stop = o.stop_after > 0 && ++steps_this_run == o.stop_after;
      if ((g_interrupted || stop) && s.batch + 1 < steps) {
        ++s.batch;
        save(s);
        fmt::print("\n{} at epoch {}, batch {}; saved {} and {}. Continue with --resume.\n",
                   stop ? "stopped (--stop-after)" : "interrupted", s.epoch + 1, s.batch, ckpt_g, ckpt_d);
        return g_interrupted ? 130 : 0;
      }
    }
    bar.finish();
    write_grid(g, fixed_z, fmt::format("{}/samples_epoch{}.png", o.out, s.epoch + 1),
               fmt::format("{} after epoch {}: 64 samples from fixed noise", o.wgan() ? "WGAN-GP" : "DCGAN", s.epoch + 1));
    write_loss_chart(s, o);
    fmt::print("epoch {}: D {:.4f}, G {:.4f} (last {} steps), {:.1f} ms/step (mean so far)\n", s.epoch + 1,
               s.curve_d.empty() ? NAN : s.curve_d.back(), s.curve_g.empty() ? NAN : s.curve_g.back(), kCurveWindow,
               1e3 * s.train_seconds / double(s.timed_steps));
    std::fflush(stdout);  // the epoch line reaches a log file now, not at exit
    RunState next = s;
    ++next.epoch, next.batch = 0;
    save(next);
    if (s.epoch + 1 < o.epochs && (g_interrupted || (o.stop_after > 0 && steps_this_run >= o.stop_after))) {
      fmt::print("stopped after epoch {}; saved {} and {}. Continue with --resume.\n", s.epoch + 1, ckpt_g, ckpt_d);
      return g_interrupted ? 130 : 0;
    }
  }
  write_grid(g, fixed_z, o.out + "/samples.png",
             fmt::format("{}: 64 samples after {} epochs", o.wgan() ? "WGAN-GP" : "DCGAN", o.epochs));
  const double step_ms = 1e3 * s.train_seconds / double(s.timed_steps);
  std::vector<std::pair<std::string, double>> metrics = {
      {"d_loss_last_window", s.curve_d.empty() ? NAN : s.curve_d.back()},
      {"g_loss_last_window", s.curve_g.empty() ? NAN : s.curve_g.back()},
      {"step_ms", step_ms}, {"train_minutes", s.train_seconds / 60}, {"epochs", double(o.epochs)}};
  if (!std::filesystem::exists(o.classifier)) {
    fmt::print("{}\n", models::classifier_missing_hint(o.classifier));
  } else {
    auto classifier = models::load_classifier(o.classifier, o.device);
    Generator sample_gen(uint64_t(o.seed) + 2);
    Tensor samples = sample_images(g, o.samples, o.latent, sample_gen, o.device);
    double fd = models::frechet_distance_to_test(*classifier, samples, test.images);
    std::vector<int64_t> counts = models::class_histogram(*classifier, samples);
    util::BarChart hist{.title = fmt::format("{} samples sorted by the classifier", o.samples),
                        .y_label = "share of samples", .reference = 0.1, .reference_label = "test set: 0.1 each"};
    fmt::print("FD({} samples vs the test set) = {:.3f}\nclass histogram of the samples:", o.samples, fd);
    for (int c = 0; c < 10; ++c) {
      double share = double(counts[size_t(c)]) / double(o.samples);
      hist.labels.push_back(data::kFashionMnistClasses[c]);
      hist.values.push_back(share);
      fmt::print(" {} {:.3f}{}", data::kFashionMnistClasses[c], share, c < 9 ? "," : "\n");
      metrics.push_back({fmt::format("class_share_{}", c), share});
    }
    hist.write_png(o.out + "/class_histogram.png");
    metrics.insert(metrics.begin(), {"fd_vs_test", fd});
  }
  util::CsvWriter csv(o.out + "/metrics.csv", {"epoch", "d_loss", "g_loss"});
  for (size_t i = 0; i < s.curve_x.size(); ++i) csv.row({s.curve_x[i], s.curve_d[i], s.curve_g[i]});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("mean train step {:.1f} ms (batch {}), {:.1f} minutes of training\nwrote {}/samples.png, "
             "samples_epoch*.png, loss.png, {}metrics.csv, metrics.json, checkpoints\n", step_ms, o.batch,
             s.train_seconds / 60, o.out, std::filesystem::exists(o.classifier) ? "class_histogram.png, " : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("gan_fmnist", "Train a DCGAN or WGAN-GP on Fashion-MNIST; report FD and class histograms.");
  args.add("loss", &o.loss, "ns (DCGAN, non-saturating) or wgan-gp");
  args.add("epochs", &o.epochs, "passes over the training images");
  args.add("batch", &o.batch, "images per D (critic) step");
  args.add("latent", &o.latent, "dimensions of the noise z");
  args.add("g-width", &o.g_width, "generator width g: 2g then g channels");
  args.add("d-width", &o.d_width, "discriminator width d: d then 2d channels");
  args.add("lr", &o.lr, "Adam learning rate (0: 2e-4 for ns, 1e-4 for wgan-gp)");
  args.add("n-critic", &o.n_critic, "wgan-gp: critic steps per generator step");
  args.add("gp-lambda", &o.gp_lambda, "wgan-gp: weight of the gradient penalty");
  args.add("samples", &o.samples, "samples for the final FD and class histogram");
  args.add("classifier", &o.classifier, "classifier checkpoint from classifier_fmnist (for FD)");
  args.add("seed", &o.seed, "seed for the weights, the data order and the noise");
  args.add("out", &o.out, "output folder (default out/gan_<loss>)");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add("resume", &o.resume, "continue from OUT/checkpoint_{g,d}.safetensors (same flags as the first run); "
                                "after the last epoch it redoes only the final FD and pictures");
  args.add("stop-after", &o.stop_after, "stop after this many steps, saving checkpoints as Ctrl-C does (0: never)");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.loss != "ns" && o.loss != "wgan-gp") return args.error(fmt::format("--loss must be ns or wgan-gp, got '{}'", o.loss));
  if (o.lr == 0) o.lr = o.wgan() ? 1e-4 : 2e-4;
  if (o.out.empty()) o.out = "out/gan_" + o.loss;
  if (o.epochs < 1 || o.epochs > 10000) return args.error(fmt::format("--epochs must be in [1, 10000], got {}", o.epochs));
  if (o.batch < 2 || o.batch > 60000) return args.error(fmt::format("--batch must be in [2, 60000], got {}", o.batch));
  for (auto [name, v] : {std::pair{"latent", o.latent}, {"g-width", o.g_width}, {"d-width", o.d_width}})
    if (v < 1 || v > 4096) return args.error(fmt::format("--{} must be in [1, 4096], got {}", name, v));
  if (o.n_critic < 1 || o.n_critic > 100) return args.error(fmt::format("--n-critic must be in [1, 100], got {}", o.n_critic));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (!(o.gp_lambda >= 0)) return args.error(fmt::format("--gp-lambda must be >= 0, got {}", o.gp_lambda));
  if (o.samples < 2 || o.samples > 100000) return args.error(fmt::format("--samples must be in [2, 100000], got {}", o.samples));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.stop_after < 0) return args.error(fmt::format("--stop-after must be >= 0, got {}", o.stop_after));
  return args.run_reporting_errors([&] { return run(o); });
}
