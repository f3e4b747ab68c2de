// vqvae_fmnist: two-stage generation on Fashion-MNIST. Stage 1 trains a VQ-VAE (models/vqvae/vqvae.h:
// 28x28 -> 7x7 grid of codes from a codebook of K) or, with --vqgan, a VQGAN (the same network plus
// a patch discriminator, the adaptive adversarial weight and a perceptual loss on the classifier's
// features); stage 2 trains a causal transformer prior over the 49 codes of the training images,
// samples 10,000 code grids, decodes them and measures the Fréchet distance to the test set.
// Writes to --out (default out/vqvae, or out/vqgan with --vqgan):
//   reconstructions.png  codebook_usage.png  loss.png  prior_loss.png  samples.png  metrics.json
//   stage1.safetensors  prior.safetensors  (--reuse-stage1 starts from OUT/stage1.safetensors)
// Run: build/vqvae_fmnist [--vqgan] [--epochs 1 --prior-steps 500 --seed 0 --device cpu]; --help lists all.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cmath>
#include <numeric>

#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "models/classifier.h"
#include "models/vqvae/patch_discriminator.h"
#include "models/vqvae/prior.h"
#include "models/vqvae/vqgan_losses.h"
#include "models/vqvae/vqvae.h"
#include "nn/checkpoint.h"
#include "nn/lr_scheduler.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/image.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t epochs = 1, batch = 128, channels = 32, codes = 256, code_dim = 32, restart_after = 100, seed = 0;
  double lr = 1e-3, beta = 0.25;
  std::string codebook = "ema";
  bool vqgan = false, reuse_stage1 = false;
  // The perceptual term (squared distance of 128 classifier features) is ~2,500 times the pixel MSE
  // for a VQ-VAE's reconstructions (measured: 24 against 0.0095 after one epoch); 0.005 makes it
  // about a dozen times the MSE: the features lead, the pixels still count.
  double perceptual_weight = 0.005, gan_weight = 0.5, disc_lr = 2e-4;
  int64_t disc_start = 200, disc_channels = 16;
  int64_t prior_steps = 500, prior_batch = 64, prior_dim = 64, prior_layers = 4, prior_heads = 4, top_k = 0;
  double prior_lr = 1e-3, temperature = 1.0;
  int64_t samples = 10000, train_images = 60000;
  std::string out, data = data::fashion_mnist_dir(), classifier = models::kDefaultClassifierPath, perceptual_classifier;
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Curves averaged over windows of `every` steps, for the loss charts.
struct Curve {
  int64_t every = 50;
  std::vector<double> x, y;
  double sum = 0;
  int64_t count = 0;
  void add(int64_t step, double v) {
    sum += v, ++count;
    if (count == every) x.push_back(double(step + 1)), y.push_back(sum / double(count)), sum = 0, count = 0;
  }
};

struct Stage1Result {
  Curve reconstruction, vq, gan_weight;
  double seconds = 0, step_ms = 0;
  int64_t restarts = 0;
};

// Stage 1: VQ-VAE, or VQGAN when o.vqgan (with `features` the classifier's, for the perceptual loss).
// Returns nothing when Ctrl-C stops it.
std::optional<Stage1Result> train_stage1(models::VqVae& model, const Tensor& train_images, const Options& o,
                                         const std::function<Tensor(const Tensor&)>& features, Generator& gen) {
  std::vector<Tensor> params;  // with the EMA codebook, the codebook is not the optimizer's
  for (auto& [name, p] : model.named_parameters())
    if (!(o.codebook == "ema" && name == "quantizer.codebook")) params.push_back(p);
  nn::Adam opt(params, {.lr = o.lr});
  models::PatchDiscriminator disc(o.disc_channels, gen);
  disc.to(o.device);
  nn::Adam disc_opt(disc.parameters(), {.lr = o.disc_lr, .beta1 = 0.5, .beta2 = 0.9});
  // the last batch of an epoch may be partial (drop_last = false, as in the other examples)
  const int64_t n = train_images.size(0), steps_per_epoch = (n + o.batch - 1) / o.batch;
  Stage1Result r;
  auto t0 = Clock::now();
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    std::vector<int64_t> order = data::shuffled_order(n, uint64_t(o.seed), epoch);
    util::ProgressBar bar(steps_per_epoch, fmt::format("stage 1 epoch {}/{}", epoch + 1, o.epochs));
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++step) {
      if (g_interrupted) return std::nullopt;
      const int64_t size = std::min(o.batch, n - b * o.batch);
      Tensor index = from_host(order.data() + b * o.batch, {size}, {.dtype = DType::i64, .device = o.device});
      Tensor x = reshape(index_select(train_images, 0, index), {size, 1, 28, 28});
      models::VqVaeOutput out = model.forward(x);
      Tensor rec = mse_loss(out.reconstruction, x);
      Tensor loss = add(rec, out.quantized.loss);
      const bool adversarial = o.vqgan && step >= o.disc_start;
      if (o.vqgan) loss = add(loss, mul(models::perceptual_loss(features, x, out.reconstruction), o.perceptual_weight));
      opt.zero_grad();
      if (!adversarial) {
        loss.backward();
      } else {
        // L_rec + L_vq first: the last layer's .grad is then grad L_rec alone (L_vq does not reach
        // it), and lambda needs no second backward through the classifier; then lambda w_GAN L_GAN.
        Tensor g = models::hinge_generator_loss(disc(out.reconstruction));
        loss.backward(Tensor(), /*retain_graph=*/true);
        double lambda = models::adaptive_gan_weight(model.last_layer_weight().grad(), g, model.last_layer_weight());
        mul(g, lambda * o.gan_weight).backward();
        r.gan_weight.add(step - o.disc_start, lambda);
      }
      opt.step();
      model.quantizer->update(out.z, out.quantized.codes, gen);
      if (adversarial) {  // the discriminator's step, on the reconstructions as they were
        Tensor d_loss = models::hinge_discriminator_loss(disc(x), disc(out.reconstruction.detach()));
        disc_opt.zero_grad();
        d_loss.backward();
        disc_opt.step();
      }
      double rec_value = rec.item<double>();
      r.reconstruction.add(step, rec_value);
      r.vq.add(step, out.quantized.commitment_loss.item<double>() / o.beta);
      bar.update(b + 1, fmt::format("mse {:.4f}", rec_value));
    }
  }
  r.seconds = seconds_since(t0);
  r.step_ms = 1e3 * r.seconds / double(std::max<int64_t>(step, 1));
  r.restarts = model.quantizer->restarts();
  return r;
}

// Test reconstruction MSE (per pixel) and the code counts of the whole test set.
std::pair<double, std::vector<double>> evaluate_stage1(const models::VqVae& model, const Tensor& images) {
  NoGradGuard no_grad;
  double se = 0;
  std::vector<double> counts(size_t(model.config().quantizer.num_codes), 0.0);
  for (int64_t i = 0; i < images.size(0); i += 1000) {
    Tensor x = reshape(slice(images, 0, i, std::min(i + 1000, images.size(0))), {-1, 1, 28, 28});
    models::VqVaeOutput out = model.forward(x);
    se += sum(square(sub(out.reconstruction, x))).item<double>();
    std::vector<double> c = models::code_counts(out.codes, model.config().quantizer.num_codes);
    for (size_t k = 0; k < counts.size(); ++k) counts[k] += c[k];
  }
  return {se / double(images.numel()), counts};
}

// Codes (N, 49) of every image, with the frozen stage 1.
Tensor extract_codes(const models::VqVae& model, const Tensor& images) {
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += 1000)
    parts.push_back(model.codes(slice(images, 0, i, std::min(i + 1000, images.size(0)))));
  return cat(parts, 0);
}

// Mean cross-entropy of the prior on `codes`, nats per code.
double prior_nll(const models::CodePrior& prior, const Tensor& codes) {
  NoGradGuard no_grad;
  double total = 0;
  for (int64_t i = 0; i < codes.size(0); i += 500) {
    Tensor c = slice(codes, 0, i, std::min(i + 500, codes.size(0)));
    total += prior.loss(c).item<double>() * double(c.size(0));
  }
  return total / double(codes.size(0));
}

// Stage 2's training: batches of code grids drawn at random, Adam with a cosine decay.
std::optional<Curve> train_prior(models::CodePrior& prior, nn::Adam& opt, const Tensor& codes, const Options& o,
                                 Generator& gen) {
  nn::CosineAnnealingLR schedule(opt, o.prior_steps, o.prior_lr / 10);
  Curve curve;
  util::ProgressBar bar(o.prior_steps, "stage 2 prior");
  for (int64_t step = 0; step < o.prior_steps; ++step) {
    if (g_interrupted) return std::nullopt;
    Tensor batch = index_select(codes, 0, randint(0, codes.size(0), {o.prior_batch}, gen,
                                                  {.dtype = DType::i64, .device = codes.device()}));
    Tensor loss = prior.loss(batch);
    opt.zero_grad();
    loss.backward();
    opt.step();
    schedule.step();
    double v = loss.item<double>();
    curve.add(step, v);
    bar.update(step + 1, fmt::format("nll {:.3f}", v));
  }
  return curve;
}

// n images (n, 784) on the host: code grids from the prior, decoded by stage 1.
std::optional<std::vector<float>> sample_images(const models::CodePrior& prior, const models::VqVae& model,
                                                int64_t n, const Options& o, Generator& gen) {
  NoGradGuard no_grad;
  std::vector<float> images;
  util::ProgressBar bar(n, "sampling");
  for (int64_t i = 0; i < n; i += 1000) {
    if (g_interrupted) return std::nullopt;
    Tensor codes = prior.sample(std::min<int64_t>(1000, n - i), o.temperature, o.top_k, gen);
    std::vector<float> x = model.decode_codes(codes).to_vector();
    images.insert(images.end(), x.begin(), x.end());
    bar.update(std::min(i + 1000, n));
  }
  return images;
}

void write_stage1_pictures(const models::VqVae& model, const Tensor& test_images, const std::vector<double>& counts,
                           const Stage1Result& r, const Options& o) {
  NoGradGuard no_grad;
  Tensor x = slice(test_images, 0, 0, 32);
  std::vector<float> originals = x.to_vector(), recon = model.forward(x).reconstruction.to_vector(), pairs;
  for (int i = 0; i < 32; ++i)
    for (const auto* src : {&originals, &recon})
      pairs.insert(pairs.end(), src->begin() + i * 784, src->begin() + (i + 1) * 784);
  util::write_image_grid(o.out + "/reconstructions.png", "test image | reconstruction through 49 codes", pairs, 8, 8);

  // Codes ranked by use: a flat curve is a codebook used evenly, a cliff is a few codes doing the work.
  std::vector<double> share(counts), rank;
  double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  for (double& s : share) s = 100.0 * s / total;
  std::sort(share.rbegin(), share.rend());
  for (size_t k = 0; k < share.size(); ++k) rank.push_back(double(k + 1));
  util::LineChart usage{.title = fmt::format("codebook usage on the test set ({} of {} codes used)",
                                             models::codes_used(counts), counts.size()),
                        .x_label = "code, by rank of use", .y_label = "share of the test grid cells (%)"};
  usage.series.push_back({"codes", rank, share, util::series_color(0), false});
  usage.write_png(o.out + "/codebook_usage.png");

  if (r.reconstruction.y.empty()) return;  // stage 1 was loaded (--reuse-stage1), or too short for a point
  util::LineChart loss{.title = o.vqgan ? "VQGAN stage 1" : "VQ-VAE stage 1", .x_label = "step",
                       .y_label = "loss (mean of 50 steps)", .log_y = true};
  loss.series.push_back({"reconstruction MSE", r.reconstruction.x, r.reconstruction.y, util::series_color(0), false});
  loss.series.push_back({"||z - e||^2 (per number)", r.vq.x, r.vq.y, util::series_color(1), false});
  if (!r.gan_weight.y.empty()) {
    std::vector<double> at;  // lambda's steps counted from the discriminator's start
    for (double x : r.gan_weight.x) at.push_back(x + double(o.disc_start));
    loss.series.push_back({"adaptive GAN weight lambda", at, r.gan_weight.y, util::series_color(2), false});
  }
  loss.write_png(o.out + "/loss.png");
}

int run(Options o) {
  const auto start = Clock::now();
  data::LabeledImages train = data::load_fashion_mnist("train", o.data);
  data::LabeledImages test = data::load_fashion_mnist("test", o.data);
  train.images = slice(train.images, 0, 0, std::min(o.train_images, train.images.size(0))).to(o.device);
  test.images = test.images.to(o.device);
  util::create_output_dir(o.out);
  Generator gen(uint64_t(o.seed));

  // The classifier: its features make VQGAN's perceptual loss (--perceptual-classifier, by default
  // the same checkpoint, needed from the start) and the FD (--classifier, loaded at the end when it
  // is there; without it the run says how to make it and skips the FD). Frozen.
  auto load_frozen = [&o](const std::string& path) {
    std::shared_ptr<models::Classifier> c = models::load_classifier(path, o.device);
    for (Tensor p : c->parameters()) p.requires_grad_(false);
    return c;
  };
  std::shared_ptr<models::Classifier> perceptual;
  if (o.vqgan) perceptual = load_frozen(o.perceptual_classifier.empty() ? o.classifier : o.perceptual_classifier);
  auto features = [&perceptual](const Tensor& images) { return perceptual->features(images); };

  models::VqVae model({.channels = o.channels,
                       .quantizer = {.num_codes = o.codes, .code_dim = o.code_dim, .beta = o.beta,
                                     .ema = o.codebook == "ema", .restart_after = o.restart_after}},
                      gen);
  model.to(o.device);
  const std::string stage1_path = o.out + "/stage1.safetensors", prior_path = o.out + "/prior.safetensors";
  fmt::print("{} on Fashion-MNIST: {} codes of {} numbers on a 7x7 grid, channels {}, codebook by {}; {} epochs, "
             "batch {}, on {}\n", o.vqgan ? "VQGAN" : "VQ-VAE", o.codes, o.code_dim, o.channels, o.codebook, o.epochs,
             o.batch, o.device.str());
  std::signal(SIGINT, on_sigint);

  Stage1Result r;
  nn::Adam unused_opt(model.parameters(), {.lr = o.lr});  // checkpoints carry an optimizer; stage 1's is not resumed
  if (o.reuse_stage1) {
    nn::load_checkpoint(stage1_path, model, unused_opt);
    fmt::print("stage 1 from {}\n", stage1_path);
  } else {
    std::optional<Stage1Result> trained = train_stage1(model, train.images, o, features, gen);
    if (!trained) {
      fmt::print("\ninterrupted during stage 1; nothing saved\n");
      return 130;
    }
    r = *trained;
    nn::save_checkpoint(stage1_path, model, unused_opt, {{"codes", std::to_string(o.codes)}});
  }
  model.eval();
  auto [test_mse, counts] = evaluate_stage1(model, test.images);
  double perplexity = models::perplexity(counts);
  int64_t used = models::codes_used(counts);
  write_stage1_pictures(model, test.images, counts, r, o);
  fmt::print("stage 1: test MSE {:.5f} per pixel, codebook perplexity {:.1f}, {} of {} codes used, {} restarts, "
             "{:.0f} s ({:.1f} ms/step)\n", test_mse, perplexity, used, o.codes, r.restarts, r.seconds, r.step_ms);

  // Stage 2.
  auto t2 = Clock::now();
  Tensor train_codes = extract_codes(model, train.images), test_codes = extract_codes(model, test.images);
  models::CodePrior prior({.num_codes = o.codes, .grid = 7, .embed_dim = o.prior_dim, .num_heads = o.prior_heads,
                           .layers = o.prior_layers}, gen);
  prior.to(o.device);
  nn::Adam prior_opt(prior.parameters(), {.lr = o.prior_lr});
  std::optional<Curve> prior_curve = train_prior(prior, prior_opt, train_codes, o, gen);
  if (!prior_curve) {
    fmt::print("\ninterrupted during stage 2; stage 1 is in {}\n", stage1_path);
    return 130;
  }
  models::save_prior(prior_path, prior, prior_opt, {{"stage1", stage1_path}});
  double prior_seconds = seconds_since(t2);
  double test_nll = prior_nll(prior, slice(test_codes, 0, 0, 2000));
  fmt::print("stage 2: prior test NLL {:.3f} nats per code ({:.1f} nats per image), {:.0f} s\n", test_nll,
             49 * test_nll, prior_seconds);
  util::LineChart prior_chart{.title = "prior over the 49 codes", .x_label = "step",
                              .y_label = "cross-entropy (nats per code, mean of 50 steps)"};
  prior_chart.series.push_back({"train", prior_curve->x, prior_curve->y, util::series_color(0), false});
  if (!prior_curve->y.empty()) prior_chart.write_png(o.out + "/prior_loss.png");

  auto t3 = Clock::now();
  std::optional<std::vector<float>> samples = sample_images(prior, model, o.samples, o, gen);
  if (!samples) {
    fmt::print("\ninterrupted while sampling; the models are in {} and {}\n", stage1_path, prior_path);
    return 130;
  }
  double sample_seconds = seconds_since(t3);
  util::write_image_grid(o.out + "/samples.png",
                         fmt::format("{} + prior: 64 samples (temperature {}, top-k {})", o.vqgan ? "VQGAN" : "VQ-VAE",
                                     o.temperature, o.top_k),
                         std::vector<float>(samples->begin(), samples->begin() + 64 * 784), 8, 8);
  std::vector<std::pair<std::string, double>> metrics;
  std::shared_ptr<models::Classifier> classifier;
  if (std::filesystem::exists(o.classifier)) classifier = load_frozen(o.classifier);
  if (classifier) {
    double fd = models::frechet_distance_to_test(*classifier, from_host(samples->data(), {o.samples, 784}),
                                                 test.images);
    fmt::print("FD vs the test set: {:.2f} ({} samples)\n", fd, o.samples);
    metrics.push_back({"fd", fd});
  } else {
    fmt::print("{}\n", models::classifier_missing_hint(o.classifier));
  }
  double total = seconds_since(start);
  fmt::print("total {:.0f} s\n", total);
  metrics.insert(metrics.end(), {{"test_recon_mse", test_mse},
                            {"codebook_perplexity", perplexity},
                            {"codebook_used", double(used)},
                            {"codebook_size", double(o.codes)},
                            {"codebook_restarts", double(r.restarts)},
                            {"prior_test_nll_nats_per_code", test_nll},
                            {"stage1_seconds", r.seconds},
                            {"stage1_step_ms", r.step_ms},
                            {"prior_seconds", prior_seconds},
                            {"sample_seconds", sample_seconds},
                            {"total_seconds", total}});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("wrote {}/reconstructions.png, codebook_usage.png, loss.png, prior_loss.png, samples.png, metrics.json, "
             "stage1.safetensors, prior.safetensors\n", o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("vqvae_fmnist", "Two-stage generation on Fashion-MNIST: VQ-VAE (or VQGAN) codes, a transformer "
                                       "prior over them, and the FD of its samples.");
  args.add("vqgan", &o.vqgan, "stage 1 as VQGAN: patch discriminator, adaptive weight, perceptual loss");
  args.add("epochs", &o.epochs, "stage 1: passes over the training images");
  args.add("batch", &o.batch, "stage 1: images per step");
  args.add("lr", &o.lr, "stage 1: Adam learning rate");
  args.add("channels", &o.channels, "stage 1: conv width c (layers of c and 2c channels)");
  args.add("codes", &o.codes, "codebook size K (>= 2)");
  args.add("code-dim", &o.code_dim, "numbers per code D");
  args.add("beta", &o.beta, "commitment loss weight");
  args.add("codebook", &o.codebook, "how the codebook learns: ema (moving averages) or loss (codebook loss)");
  args.add("restart-after", &o.restart_after, "restart codes unused for this many steps (0: never)");
  args.add("perceptual-weight", &o.perceptual_weight, "VQGAN: weight of the classifier-feature loss");
  args.add("gan-weight", &o.gan_weight, "VQGAN: factor on the adaptive adversarial weight");
  args.add("disc-start", &o.disc_start, "VQGAN: steps before the discriminator joins");
  args.add("disc-lr", &o.disc_lr, "VQGAN: discriminator Adam learning rate");
  args.add("disc-channels", &o.disc_channels, "VQGAN: discriminator width");
  args.add("prior-steps", &o.prior_steps, "stage 2: prior training steps");
  args.add("prior-batch", &o.prior_batch, "stage 2: code grids per step");
  args.add("prior-lr", &o.prior_lr, "stage 2: Adam learning rate (cosine decay to a tenth)");
  args.add("prior-dim", &o.prior_dim, "stage 2: transformer width");
  args.add("prior-layers", &o.prior_layers, "stage 2: transformer blocks");
  args.add("prior-heads", &o.prior_heads, "stage 2: attention heads");
  args.add("temperature", &o.temperature, "sampling temperature");
  args.add("top-k", &o.top_k, "sample among the k most likely codes (0: all)");
  args.add("samples", &o.samples, "images generated for the FD");
  args.add("train-images", &o.train_images, "train both stages on the first N training images (quick runs)");
  args.add("reuse-stage1", &o.reuse_stage1, "skip stage 1 and load OUT/stage1.safetensors");
  args.add("classifier", &o.classifier, "the Fashion-MNIST classifier checkpoint (examples/classifier_fmnist)");
  args.add("perceptual-classifier", &o.perceptual_classifier, "VQGAN: the classifier whose features make the "
          "perceptual loss (default: --classifier)");
  args.add("seed", &o.seed, "seed for the weights, the data order and the sampling");
  args.add("out", &o.out, "output folder (default out/vqvae, or out/vqgan with --vqgan)");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  if (!in(o.epochs, 1, 1000)) return args.error(fmt::format("--epochs must be in [1, 1000], got {}", o.epochs));
  if (!in(o.batch, 1, 60000)) return args.error(fmt::format("--batch must be in [1, 60000], got {}", o.batch));
  if (!in(o.channels, 1, 1024)) return args.error(fmt::format("--channels must be in [1, 1024], got {}", o.channels));
  if (!in(o.codes, 2, 65536)) return args.error(fmt::format("--codes must be in [2, 65536], got {}", o.codes));
  if (!in(o.code_dim, 1, 4096)) return args.error(fmt::format("--code-dim must be in [1, 4096], got {}", o.code_dim));
  if (!(o.lr > 0) || !(o.prior_lr > 0) || !(o.disc_lr > 0))
    return args.error(fmt::format("learning rates must be positive, got --lr {} --prior-lr {} --disc-lr {}", o.lr,
                                  o.prior_lr, o.disc_lr));
  if (!(o.beta >= 0) || !(o.perceptual_weight >= 0) || !(o.gan_weight >= 0))
    return args.error(fmt::format("--beta {}, --perceptual-weight {}, --gan-weight {} must be >= 0", o.beta,
                                  o.perceptual_weight, o.gan_weight));
  if (o.codebook != "ema" && o.codebook != "loss")
    return args.error(fmt::format("--codebook must be ema or loss, got '{}'", o.codebook));
  if (o.restart_after < 0 || o.disc_start < 0)
    return args.error(fmt::format("--restart-after {} and --disc-start {} must be >= 0", o.restart_after, o.disc_start));
  if (!in(o.disc_channels, 1, 1024)) return args.error(fmt::format("--disc-channels must be in [1, 1024], got {}", o.disc_channels));
  if (!in(o.prior_steps, 1, 10000000)) return args.error(fmt::format("--prior-steps must be >= 1, got {}", o.prior_steps));
  if (!in(o.prior_batch, 1, 60000)) return args.error(fmt::format("--prior-batch must be in [1, 60000], got {}", o.prior_batch));
  if (!in(o.prior_layers, 1, 64) || !in(o.prior_heads, 1, 64) || !in(o.prior_dim, 1, 4096) ||
      o.prior_dim % o.prior_heads != 0)
    return args.error(fmt::format("--prior-dim {} must be a multiple of --prior-heads {}, with --prior-layers {} in "
                                  "[1, 64]", o.prior_dim, o.prior_heads, o.prior_layers));
  if (!(o.temperature > 0)) return args.error(fmt::format("--temperature must be positive, got {}", o.temperature));
  if (!in(o.top_k, 0, o.codes)) return args.error(fmt::format("--top-k must be in [0, --codes {}], got {}", o.codes, o.top_k));
  if (!in(o.samples, 64, 1000000)) return args.error(fmt::format("--samples must be in [64, 1000000], got {}", o.samples));
  if (!in(o.train_images, 1, 60000))
    return args.error(fmt::format("--train-images must be in [1, 60000], got {}", o.train_images));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) o.out = o.vqgan ? "out/vqgan" : "out/vqvae";
  return args.run_reporting_errors([&] { return run(o); });
}
