// cat_vae_fmnist: a VAE with 20 categorical latents of 10 classes (models/categorical_vae.h, the
// Gumbel-Softmax paper's setup) trained on Fashion-MNIST with Adam, its discrete latents' gradient
// estimated by --estimator gumbel | st-gumbel | reinforce-loo | reinforce-ema. The Gumbel temperature is annealed,
// tau = max(tau_min, exp(-r t)) at step t. After every epoch it prints the test negative ELBO with
// discrete samples z ~ q(z|x) (the same bound for every estimator), and writes to --out (default
// out/cat_vae/<estimator>):
//   samples.png  reconstructions.png  loss.png  metrics.csv  metrics.json  checkpoint.safetensors
// Run: build/cat_vae_fmnist --estimator gumbel [--epochs 10 --batch 100 --seed 0]; --help lists all.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "models/categorical_vae.h"
#include "nn/checkpoint.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/image.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t epochs = 10, batch = 100, seed = 0, samples = 4;
  double lr = 1e-3, anneal_rate = 3e-4, tau_min = 0.5;
  std::string estimator = "gumbel", out, data = data::fashion_mnist_dir();
  Device device = Device::cpu;
};

// Mean over `images` of the discrete negative ELBO, with a fixed noise seed so epochs compare fairly.
double test_neg_elbo(const models::CategoricalVae& vae, const Tensor& images, uint64_t seed) {
  Generator gen(seed);
  double total = 0;
  for (int64_t i = 0; i < images.size(0); i += 1000) {
    Tensor x = slice(images, 0, i, std::min(i + 1000, images.size(0)));
    total += sum(vae.neg_elbo(x, gen)).item<double>();
  }
  return total / double(images.size(0));
}

void write_pictures(const models::CategoricalVae& vae, const data::LabeledImages& test,
                    const std::vector<double>& train_loss, const std::vector<double>& test_loss, const Options& o) {
  NoGradGuard no_grad;
  const auto& c = vae.config();
  Generator gen(uint64_t(o.seed) + 2);
  // z ~ p(z): every latent uniform over its classes.
  Tensor uniform = zeros({64, c.latents, c.classes}, {.device = test.images.device()});
  Tensor prior = Categorical::from_logits(uniform).sample(gen);
  util::write_image_grid(o.out + "/samples.png", "64 samples: decode(z), z uniform over 20 x 10 classes",
                         sigmoid(vae.decode(one_hot(prior, c.classes, DType::f32))).to_vector(), 8, 8);

  // 32 test images, each beside decode(argmax q(z|x)).
  Tensor x = slice(test.images, 0, 0, 32);
  Tensor mode = one_hot(argmax(vae.encode(x), -1), c.classes, DType::f32);
  std::vector<float> originals = x.to_vector(), recon = sigmoid(vae.decode(mode)).to_vector(), pairs;
  for (int i = 0; i < 32; ++i)
    for (const auto* src : {&originals, &recon})
      pairs.insert(pairs.end(), src->begin() + i * 784, src->begin() + (i + 1) * 784);
  util::write_image_grid(o.out + "/reconstructions.png", "test image | decode(argmax q(z|x)) (4 pairs per row)", pairs,
                         8, 8);

  std::vector<double> epochs;
  for (size_t i = 1; i <= train_loss.size(); ++i) epochs.push_back(double(i));
  util::LineChart chart{.title = fmt::format("categorical VAE on Fashion-MNIST, {}", o.estimator),
                        .x_label = "epoch", .y_label = "nats/image"};
  chart.series.push_back({"train objective", epochs, train_loss, util::series_color(0)});
  chart.series.push_back({"test negative ELBO (discrete z)", epochs, test_loss, util::series_color(1)});
  chart.write_png(o.out + "/loss.png");
}

int run(const Options& o) {
  const models::LatentEstimator estimator = models::parse_latent_estimator(o.estimator);
  const bool uses_tau = estimator == models::LatentEstimator::Gumbel ||
                        estimator == models::LatentEstimator::StraightThroughGumbel;
  data::LabeledImages train = data::load_fashion_mnist("train", o.data);
  data::LabeledImages test = data::load_fashion_mnist("test", o.data);
  test.images = test.images.to(o.device);  // evaluated every epoch; training batches move one by one
  Generator gen(uint64_t(o.seed));  // initial weights, then the training noise
  models::CategoricalVae vae({}, gen);
  vae.to(o.device);  // before the optimizer takes the parameters
  nn::Adam opt(vae.parameters(), {.lr = o.lr});
  // drop_last=false (PyTorch's default): a data set smaller than one batch still trains
  data::DataLoader loader(train.images, Tensor(), o.batch, /*shuffle=*/true, /*drop_last=*/false, uint64_t(o.seed));
  TG_CHECK(loader.num_batches() > 0, "no training images in {}", o.data);
  util::create_output_dir(o.out);
  fmt::print("Fashion-MNIST: {} train, {} test images; categorical VAE 784-512-256-(20x10)-256-512-784; "
             "estimator {}{}; Adam lr {}, batch {}, {} epochs, on {}\n",
             train.images.size(0), test.images.size(0), o.estimator,
             estimator == models::LatentEstimator::ReinforceLeaveOneOut ? fmt::format(" ({} samples)", o.samples)
                                                                        : std::string(),
             o.lr, o.batch, o.epochs, o.device.str());

  const int64_t steps = loader.num_batches();
  std::vector<double> train_loss, test_loss, step_ms, taus;
  int64_t t = 0;
  double tau = 1.0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    loader.set_epoch(epoch);
    util::ProgressBar bar(steps, fmt::format("epoch {}/{}", epoch + 1, o.epochs));
    double loss_sum = 0, seconds = 0;
    for (int64_t b = 0; b < steps; ++b, ++t) {
      auto t0 = std::chrono::steady_clock::now();
      tau = std::max(o.tau_min, std::exp(-o.anneal_rate * double(t)));
      models::CategoricalVaeLoss l = vae.loss(loader.batch(b).inputs.to(o.device), estimator, tau, o.samples, gen);
      opt.zero_grad();
      l.objective.backward();
      opt.step();
      loss_sum += mean(add(l.reconstruction, l.kl)).item<double>();
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.update(b + 1, fmt::format("loss {:.2f}{}", loss_sum / double(b + 1),
                                    uses_tau ? fmt::format(" tau {:.3f}", tau) : std::string()));
    }
    bar.finish();
    train_loss.push_back(loss_sum / double(steps));
    test_loss.push_back(test_neg_elbo(vae, test.images, uint64_t(o.seed) + 1));
    step_ms.push_back(1e3 * seconds / double(steps));
    taus.push_back(tau);
    fmt::print("epoch {}: train {:.2f}, test {:.2f} nats/image (negative ELBO){}, {:.2f} ms/step\n", epoch + 1,
               train_loss.back(), test_loss.back(), uses_tau ? fmt::format(", tau {:.3f}", tau) : std::string(),
               step_ms.back());
    nn::save_checkpoint(o.out + "/checkpoint.safetensors", vae, opt,
                        {{"epoch", std::to_string(epoch + 1)}, {"estimator", o.estimator}});
  }

  write_pictures(vae, test, train_loss, test_loss, o);
  // tau is the schedule's value at the end of the epoch (the Gumbel estimators use it).
  util::CsvWriter csv(o.out + "/metrics.csv", {"epoch", "train_objective", "test_neg_elbo", "tau", "step_ms"});
  for (size_t e = 0; e < train_loss.size(); ++e)
    csv.row({double(e + 1), train_loss[e], test_loss[e], taus[e], step_ms[e]});
  double mean_step_ms = 0;
  for (double ms : step_ms) mean_step_ms += ms / double(step_ms.size());
  std::vector<std::pair<std::string, double>> metrics = {{"test_neg_elbo_nats", test_loss.back()},
                                                         {"train_objective_nats", train_loss.back()},
                                                         {"step_ms", mean_step_ms},
                                                         {"epochs", double(o.epochs)}};
  if (uses_tau)
    metrics.push_back({"final_tau", tau});
  else
    metrics.push_back({"samples_per_image",
                       estimator == models::LatentEstimator::ReinforceLeaveOneOut ? double(o.samples) : 1.0});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("test negative ELBO {:.2f} nats/image ({}); mean train step {:.2f} ms (batch {})\n"
             "wrote {}/samples.png, reconstructions.png, loss.png, metrics.csv, metrics.json, checkpoint.safetensors\n",
             test_loss.back(), o.estimator, mean_step_ms, o.batch, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("cat_vae_fmnist",
                       "Train a VAE with 20 categorical latents on Fashion-MNIST with a chosen gradient estimator.");
  args.add("estimator", &o.estimator, "gumbel, st-gumbel, reinforce-loo or reinforce-ema");
  args.add("epochs", &o.epochs, "passes over the 60,000 training images");
  args.add("batch", &o.batch, "images per Adam step");
  args.add("samples", &o.samples, "reinforce-loo: latent samples per image (>= 2; the baseline leaves one out)");
  args.add("lr", &o.lr, "Adam learning rate");
  args.add("anneal-rate", &o.anneal_rate, "r in tau = max(tau-min, exp(-r t)), t the step");
  args.add("tau-min", &o.tau_min, "the lowest Gumbel temperature");
  args.add("seed", &o.seed, "seed for the weights, the data order and the sampling noise");
  args.add("out", &o.out, "output folder (default out/cat_vae/<estimator>)");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.estimator != "gumbel" && o.estimator != "st-gumbel" && o.estimator != "reinforce-loo" &&
      o.estimator != "reinforce-ema")
    return args.error(fmt::format("--estimator must be gumbel, st-gumbel, reinforce-loo or reinforce-ema, got '{}'",
                                  o.estimator));
  if (o.epochs < 1 || o.epochs > 10000) return args.error(fmt::format("--epochs must be in [1, 10000], got {}", o.epochs));
  if (o.batch < 1 || o.batch > 60000) return args.error(fmt::format("--batch must be in [1, 60000], got {}", o.batch));
  if (o.samples < 2 || o.samples > 1024)
    return args.error(fmt::format("--samples must be in [2, 1024], got {}", o.samples));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (!(o.anneal_rate >= 0)) return args.error(fmt::format("--anneal-rate must be >= 0, got {}", o.anneal_rate));
  if (!(o.tau_min > 0)) return args.error(fmt::format("--tau-min must be positive, got {}", o.tau_min));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) o.out = "out/cat_vae/" + o.estimator;
  return args.run_reporting_errors([&] { return run(o); });
}
