// vae_fmnist: a variational autoencoder (models/vae.h, 784-400-20-400-784) trained on
// Fashion-MNIST with Adam, one reparameterized sample per image. Prints the test negative ELBO
// after every epoch and the importance-weighted estimate of -log p(x) at the end, and writes
// to --out (default out/vae):
//   samples.png  reconstructions.png  interpolation.png  loss.png  metrics.csv  metrics.json
//   checkpoint.safetensors (after every epoch, and on Ctrl-C; --resume continues from it)
// and, when classifier_fmnist's checkpoint exists (--classifier), the Fréchet distance of 10,000
// samples decode(z), z ~ N(0, I), to the test set (pixel probabilities as images).
// Run: build/vae_fmnist [--epochs 10 --batch 128 --latent 20 --lr 1e-3 --seed 0 --device cpu]; --help lists all.
// --tfrecord DIR reads the data from DIR/{train,test}.tfrecord instead (tf.Examples, written there
// from the IDX files first when missing): the same tensors, so the same run for the same seed.
// With --device cuda the model, each batch and the test set live on the GPU; pictures and
// checkpoints go through the host.
// With --ddp, under mpirun (scripts/mpirun.sh -np 2 build/vae_fmnist --ddp), every rank trains on
// its share of each global batch of --batch images (dist/ddp.h); rank 0 alone writes the output.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/backend.h"
#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "data/fashion_mnist_tfrecord.h"
#include "models/classifier.h"
#include "models/vae.h"
#include "nn/checkpoint.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/image.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"
#if TG_WITH_DIST
#include "dist/ddp.h"
#include "dist/sampler.h"
#endif

using namespace tg;

namespace {

struct Options {
  int64_t epochs = 10, batch = 128, latent = 20, hidden = 400, seed = 0, iwae_k = 100, stop_after = 0;
  double lr = 1e-3;
  bool resume = false, ddp = false;
  int64_t fd_samples = 10000;
  std::string out = "out/vae", data = data::fashion_mnist_dir(), tfrecord, classifier = models::kDefaultClassifierPath;
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// Where a run stands; all of it goes into the checkpoint's metadata so that --resume continues
// exactly where the run stopped (the data order of an epoch is recomputed from (seed, epoch)).
struct RunState {
  int64_t epoch = 0, batch = 0;  // the next batch to train: batch `batch` of epoch `epoch`
  double epoch_loss_sum = 0, epoch_train_seconds = 0;
  std::vector<double> train_loss, test_loss, step_ms;  // one entry per finished epoch
};

std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? "," : "", v[i]);  // shortest exact form
  return s;
}

nn::Metadata to_metadata(const RunState& s, const Options& o, const Generator& gen) {
  return {{"epoch", std::to_string(s.epoch)}, {"batch", std::to_string(s.batch)},
          {"epoch_loss_sum", fmt::format("{}", s.epoch_loss_sum)},
          {"epoch_train_seconds", fmt::format("{}", s.epoch_train_seconds)},
          {"train_loss", join(s.train_loss)}, {"test_loss", join(s.test_loss)}, {"step_ms", join(s.step_ms)},
          {"generator_offset", std::to_string(gen.offset())}, {"seed", std::to_string(o.seed)},
          {"batch_size", std::to_string(o.batch)}, {"lr", fmt::format("{}", o.lr)}};
}

// Every value is parsed whole and range-checked (nn::metadata_int & co. name the key and the file):
// a resumed run must not start from an epoch past the end, a batch outside the epoch, or an
// optimizer whose step count disagrees with them.
RunState from_metadata(const nn::Metadata& m, const std::string& path, const Options& o, int64_t steps,
                       const nn::Optimizer& opt, Generator& gen) {
  auto at = [&](const char* key) { return nn::metadata_at(m, key, path); };
  for (auto [key, want] : {std::pair{"seed", std::to_string(o.seed)}, {"batch_size", std::to_string(o.batch)},
                           {"lr", fmt::format("{}", o.lr)}})
    TG_CHECK(at(key) == want, "--resume: {} was written with {} {}, but this run has {}; pass the same flags",
             path, key, at(key), want);
  RunState s;
  s.epoch = nn::metadata_int(m, "epoch", path, 0, o.epochs);
  s.batch = nn::metadata_int(m, "batch", path, 0, steps - 1);
  s.epoch_loss_sum = nn::metadata_double(m, "epoch_loss_sum", path);
  s.epoch_train_seconds = nn::metadata_double(m, "epoch_train_seconds", path);
  s.train_loss = nn::metadata_doubles(m, "train_loss", path);
  s.test_loss = nn::metadata_doubles(m, "test_loss", path);
  s.step_ms = nn::metadata_doubles(m, "step_ms", path);
  for (const auto* v : {&s.train_loss, &s.test_loss, &s.step_ms})
    TG_CHECK(int64_t(v->size()) == s.epoch, "--resume: {} is at epoch {} but lists {} per-epoch values", path,
             s.epoch, v->size());
  // Adam counts its steps: epoch * steps + batch of them must have been taken
  int64_t taken = s.epoch * steps + s.batch;
  nn::StateDict state = opt.state_dict();
  int64_t step = state.contains("state.0.step") ? state.at("state.0.step").item<int64_t>() : 0;
  TG_CHECK(step == taken, "--resume: {} says epoch {}, batch {} ({} steps of {} a epoch) but its optimizer took {} "
           "steps", path, s.epoch, s.batch, taken, steps, step);
  gen.set_state(uint64_t(o.seed), uint64_t(nn::metadata_int(m, "generator_offset", path, 0, INT64_MAX)));
  return s;
}

// Mean negative ELBO over `images`, in batches, with a fixed noise seed so epochs compare fairly.
double test_neg_elbo(const models::Vae& vae, const Tensor& images, uint64_t seed) {
  NoGradGuard no_grad;
  Generator gen(seed);
  double total = 0;
  for (int64_t i = 0; i < images.size(0); i += 1000) {
    Tensor x = slice(images, 0, i, std::min(i + 1000, images.size(0)));
    total += sum(vae.loss(x, gen).neg_elbo).item<double>();
  }
  return total / double(images.size(0));
}

// Images go through in chunks of about 50,000 / K (at most 500), so the K x chunk x 784 decoder
// outputs stay near 160 MB whatever K. Returns nothing when Ctrl-C stops it.
std::optional<double> test_iwae(const models::Vae& vae, const Tensor& images, int64_t k, uint64_t seed) {
  Generator gen(seed);
  double total = 0;
  const int64_t chunk = std::clamp<int64_t>(50000 / k, 1, 500), n = images.size(0);
  util::ProgressBar bar((n + chunk - 1) / chunk, fmt::format("IWAE K={}", k));
  for (int64_t i = 0; i < n; i += chunk) {
    if (g_interrupted) return std::nullopt;
    Tensor x = slice(images, 0, i, std::min(i + chunk, n));
    total += sum(vae.iwae_neg_log_likelihood(x, k, gen)).item<double>();
    bar.update(i / chunk + 1);
  }
  return total / double(n);
}

// Pixel probabilities sigmoid(logits) of decoded latents, as a host vector (N * 784).
std::vector<float> decode_images(const models::Vae& vae, const Tensor& z) {
  NoGradGuard no_grad;
  return sigmoid(vae.decode(z)).to_vector();
}

void write_pictures(const models::Vae& vae, const data::LabeledImages& test, const RunState& s, const Options& o) {
  NoGradGuard no_grad;
  Generator gen(uint64_t(o.seed) + 2);
  util::write_image_grid(o.out + "/samples.png", "64 samples from the prior: decode(z), z ~ N(0, I)",
                         decode_images(vae, randn({64, o.latent}, gen, {.device = test.images.device()})), 8, 8);

  // 32 test images, each beside its reconstruction decode(mu(x)).
  Tensor x = slice(test.images, 0, 0, 32);
  std::vector<float> originals = x.to_vector(), recon = decode_images(vae, vae.encode(x).loc), pairs;
  for (int i = 0; i < 32; ++i)
    for (const auto* src : {&originals, &recon})
      pairs.insert(pairs.end(), src->begin() + i * 784, src->begin() + (i + 1) * 784);
  util::write_image_grid(o.out + "/reconstructions.png", "test image | reconstruction (4 pairs per row)", pairs, 8, 8);

  // Walks z = (1 - t) mu(a) + t mu(b) between the first test images of two classes, with the two
  // images themselves at the ends of each row.
  const int steps = 10;
  // Class numbers as in data::kFashionMnistClasses, named in the picture's title.
  const std::pair<int64_t, int64_t> class_pairs[] = {{9, 7}, {0, 3}, {2, 4}, {1, 3}, {5, 8}, {6, 8}};
  std::vector<int64_t> labels = test.labels.to_vector<int64_t>();
  auto first_of = [&labels](int64_t c) { return int64_t(std::find(labels.begin(), labels.end(), c) - labels.begin()); };
  std::vector<float> walk;
  for (auto [ca, cb] : class_pairs) {
    Tensor index = tensor({double(first_of(ca)), double(first_of(cb))}, {2},
                          {.dtype = DType::i64, .device = test.images.device()});
    Tensor ab = index_select(test.images, 0, index);
    Tensor mu = vae.encode(ab).loc;
    std::vector<Tensor> zs;
    for (int i = 0; i < steps; ++i) {
      double t = double(i) / (steps - 1);
      zs.push_back(add(mul(slice(mu, 0, 0, 1), 1 - t), mul(slice(mu, 0, 1, 2), t)));
    }
    std::vector<float> ends = ab.to_vector(), mids = decode_images(vae, cat(zs, 0));
    walk.insert(walk.end(), ends.begin(), ends.begin() + 784);
    walk.insert(walk.end(), mids.begin(), mids.end());
    walk.insert(walk.end(), ends.begin() + 784, ends.end());
  }
  util::write_image_grid(o.out + "/interpolation.png",
                         "latent walks: ankle boot-sneaker, T-shirt-dress, pullover-coat, trouser-dress, sandal-bag, "
                         "shirt-bag", walk, 6, steps + 2);

  std::vector<double> epochs;
  for (size_t i = 1; i <= s.train_loss.size(); ++i) epochs.push_back(double(i));
  util::LineChart chart{.title = "VAE on Fashion-MNIST", .x_label = "epoch", .y_label = "negative ELBO (nats/image)"};
  chart.series.push_back({"train", epochs, s.train_loss, util::series_color(0)});
  chart.series.push_back({"test", epochs, s.test_loss, util::series_color(1)});
  chart.write_png(o.out + "/loss.png");
}

// FNV-1a over every parameter's bytes: equal hashes mean bit-identical weights (the resume check).
uint64_t parameter_hash(const nn::Module& m) {
  uint64_t h = 1469598103934665603ull;
  for (const Tensor& p : m.parameters()) {
    Tensor host = p.detach().to(Device::cpu);
    const auto* bytes = static_cast<const uint8_t*>(host.data());
    for (size_t i = 0; i < host.nbytes(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  }
  return h;
}

#if TG_WITH_DIST
// --ddp: the ranks mpirun started. Rank r trains on its rows [begin, end) of every global batch
// (the single-process batch), its mean loss scaled so that the ranks' average gradient is the
// global batch's. Its noise is its rows' share of the global batch's draw: Philox value i of a draw
// sits at block offset + i / 4, so the rank skips begin * latent / 4 blocks (whole when begin *
// latent is a multiple of 4, as for batch 128 and latent 20: then the run matches one process up
// to f32 rounding). Every rank then steps the generator past the whole global draw.
struct DataParallel {
  dist::ProcessGroup group;
  std::unique_ptr<dist::DistributedDataParallel> ddp;
  std::unique_ptr<dist::DistributedSampler> sampler;

  DataParallel(const Options& o, nn::Module& model, int64_t n) {
    ddp = std::make_unique<dist::DistributedDataParallel>(model, group);
    sampler = std::make_unique<dist::DistributedSampler>(n, o.batch, group.rank(), group.size(), uint64_t(o.seed));
    if (group.rank() == 0)
      fmt::print("DDP over {} ranks: {} images per rank and step, gradients averaged in {} buckets\n", group.size(),
                 o.batch / group.size(), ddp->buckets().size());
  }
  // This rank's mean loss over its share of global batch i, scaled (see above).
  Tensor loss(const models::Vae& vae, const Tensor& images, int64_t i, Generator& gen, const Options& o) {
    uint64_t first = gen.offset();
    gen.set_state(gen.seed(), first + uint64_t(sampler->begin(i) * o.latent / 4));
    Tensor x = sampler->batch(images, i).to(o.device);
    Tensor loss = mul(mean(vae.loss(x, gen).neg_elbo), sampler->loss_scale(i));
    gen.set_state(gen.seed(), first + uint64_t((sampler->global_size(i) * o.latent + 3) / 4));
    return loss;
  }
  // The global batch's mean loss; `interrupted` is set on every rank when any rank's is (Ctrl-C
  // stops all ranks at the same step).
  double agree(double loss, bool& interrupted) {
    Tensor t = tensor({loss, double(interrupted)}, {2}, {.dtype = DType::f64});
    group.all_reduce(t);
    std::vector<double> v = t.to_vector<double>();
    interrupted = v[1] > 0;
    return v[0] / group.size();
  }
};
#else
// Built without MPI: --ddp is refused with a message.
struct DataParallel {
  DataParallel(const Options&, nn::Module&, int64_t) {
    fail("--ddp: this vae_fmnist was built without MPI (dist/); install libopenmpi-dev and rebuild");
  }
  Tensor loss(const models::Vae&, const Tensor&, int64_t, Generator&, const Options&) { return {}; }
  double agree(double, bool&) { return 0; }
  struct { int rank() const { return 0; } } group;
};
#endif

int run(const Options& o) {
  if (!o.tfrecord.empty() && !(std::filesystem::exists(o.tfrecord + "/train.tfrecord") &&
                                std::filesystem::exists(o.tfrecord + "/test.tfrecord"))) {
    fmt::print("writing Fashion-MNIST from {} to {}/{{train,test}}.tfrecord\n", o.data, o.tfrecord);
    data::write_fashion_mnist_tfrecord(o.tfrecord, o.data);
  }
  auto load = [&o](const char* split) {
    return o.tfrecord.empty() ? data::load_fashion_mnist(split, o.data) : data::load_fashion_mnist_tfrecord(split, o.tfrecord);
  };
  data::LabeledImages train = load("train");
  data::LabeledImages test = load("test");
  test.images = test.images.to(o.device);  // 31 MB, evaluated every epoch; training batches move one by one
  Generator gen(uint64_t(o.seed));  // initial weights, then the training noise
  models::Vae vae({.input = 784, .hidden = o.hidden, .latent = o.latent}, gen);
  vae.to(o.device);  // before the optimizer takes the parameters
  nn::Adam opt(vae.parameters(), {.lr = o.lr});
  // drop_last=false (PyTorch's default): the last partial batch trains too, so a data set smaller
  // than one batch still takes a step instead of none (and NaN means)
  data::DataLoader loader(train.images, Tensor(), o.batch, /*shuffle=*/true, /*drop_last=*/false, uint64_t(o.seed));
  const int64_t steps = loader.num_batches();
  TG_CHECK(steps > 0, "no training images in {}", o.data);
  std::unique_ptr<DataParallel> dp;  // --ddp; its sampler's global batches are the loader's
  if (o.ddp) dp = std::make_unique<DataParallel>(o, vae, train.images.size(0));
  const bool writer = !dp || dp->group.rank() == 0;  // writes pictures, metrics and checkpoints
  if (writer) util::create_output_dir(o.out);
  const std::string checkpoint = o.out + "/checkpoint.safetensors";

  RunState s;
  if (o.resume) {
    s = from_metadata(nn::load_checkpoint(checkpoint, vae, opt), checkpoint, o, steps, opt, gen);
    if (writer) fmt::print("resumed from {} at epoch {}, batch {}\n", checkpoint, s.epoch + 1, s.batch);
  }
  if (writer)
    fmt::print("Fashion-MNIST: {} train, {} test images; VAE 784-{}-{}-{}-784; Adam lr {}, batch {}, {} epochs on {}\n",
               train.images.size(0), test.images.size(0), o.hidden, o.latent, o.hidden, o.lr, o.batch, o.epochs,
               o.device.str());
  std::signal(SIGINT, on_sigint);
  // Ctrl-C on mpirun reaches the ranks as SIGTERM (then SIGKILL a few seconds later)
  if (dp) std::signal(SIGTERM, on_sigint);
  // ranks other than 0 draw their progress bars into /dev/null
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> quiet(writer ? nullptr : std::fopen("/dev/null", "w"), std::fclose);
  std::FILE* bar_out = writer ? stderr : quiet.get();
  int64_t steps_this_run = 0;
  bool interrupted = false;  // g_interrupted read once a step (and agreed on by every rank with --ddp)
  for (; s.epoch < o.epochs; ++s.epoch, s.batch = 0, s.epoch_loss_sum = 0, s.epoch_train_seconds = 0) {
    loader.set_epoch(s.epoch);
    // a resumed epoch starts at s.batch: the bar's rate and ETA count only this run's steps
    util::ProgressBar bar(steps, fmt::format("epoch {}/{}", s.epoch + 1, o.epochs), bar_out, s.batch);
    for (; s.batch < steps; ++s.batch) {
      auto t0 = std::chrono::steady_clock::now();
      Tensor loss = dp ? dp->loss(vae, train.images, s.batch, gen, o)
                       : mean(vae.loss(loader.batch(s.batch).inputs.to(o.device), gen).neg_elbo);
      opt.zero_grad();
      loss.backward();
      opt.step();
      double loss_value = loss.item<double>();
      interrupted = g_interrupted;
      if (dp) loss_value = dp->agree(loss_value, interrupted);
      s.epoch_loss_sum += loss_value;
      s.epoch_train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.update(s.batch + 1, fmt::format("loss {:.2f}", s.epoch_loss_sum / double(s.batch + 1)));
      bool stop = o.stop_after > 0 && ++steps_this_run == o.stop_after;
      if ((interrupted || stop) && s.batch + 1 < steps) {
        ++s.batch;
        if (writer) nn::save_checkpoint(checkpoint, vae, opt, to_metadata(s, o, gen));
        if (writer) fmt::print("\n{} at epoch {}, batch {}; saved {}. Continue with --resume.\n",
                   stop ? "stopped (--stop-after)" : "interrupted", s.epoch + 1, s.batch, checkpoint);
        return interrupted ? 130 : 0;
      }
    }
    bar.finish();
    s.train_loss.push_back(s.epoch_loss_sum / double(steps));
    s.test_loss.push_back(test_neg_elbo(vae, test.images, uint64_t(o.seed) + 1));
    s.step_ms.push_back(1e3 * s.epoch_train_seconds / double(steps));
    if (writer)
      fmt::print("epoch {}: train {:.2f}, test {:.2f} nats/image (negative ELBO), {:.2f} ms/step\n", s.epoch + 1,
                 s.train_loss.back(), s.test_loss.back(), s.step_ms.back());
    RunState next = s;
    ++next.epoch, next.batch = 0, next.epoch_loss_sum = 0, next.epoch_train_seconds = 0;
    if (writer) nn::save_checkpoint(checkpoint, vae, opt, to_metadata(next, o, gen));
    if (!dp) interrupted = g_interrupted;  // a Ctrl-C during the evaluation (with --ddp: at the next step)
    if (s.epoch + 1 < o.epochs && (interrupted || (o.stop_after > 0 && steps_this_run >= o.stop_after))) {
      if (writer) fmt::print("stopped after epoch {}; saved {}. Continue with --resume.\n", s.epoch + 1, checkpoint);
      return interrupted ? 130 : 0;
    }
  }
  TG_CHECK(!s.test_loss.empty(), "nothing to report: the checkpoint says all {} epochs are done", o.epochs);
  if (!writer) return 0;  // rank 0 evaluates and writes

  vae.eval();
  std::optional<double> iwae_or_stop = test_iwae(vae, test.images, o.iwae_k, uint64_t(o.seed) + 3);
  if (!iwae_or_stop) {  // Ctrl-C: the trained model is in the checkpoint already
    fmt::print("\ninterrupted during the final evaluation; the trained model is in {}\n", checkpoint);
    return 130;
  }
  double iwae = *iwae_or_stop;
  write_pictures(vae, test, s, o);
  util::CsvWriter csv(o.out + "/metrics.csv", {"epoch", "train_neg_elbo", "test_neg_elbo", "step_ms"});
  for (size_t e = 0; e < s.train_loss.size(); ++e)
    csv.row({double(e + 1), s.train_loss[e], s.test_loss[e], s.step_ms[e]});
  double mean_step_ms = 0;
  for (double ms : s.step_ms) mean_step_ms += ms / double(s.step_ms.size());
  uint64_t hash = parameter_hash(vae);
  std::vector<std::pair<std::string, double>> metrics = {{"test_neg_elbo_nats", s.test_loss.back()},
                                                         {"test_iwae_nll_nats", iwae},
                                                         {"train_neg_elbo_nats", s.train_loss.back()},
                                                         {"step_ms", mean_step_ms},
                                                         {"epochs", double(o.epochs)},
                                                         {"parameter_hash_low32", double(hash & 0xffffffffu)}};
  if (std::filesystem::exists(o.classifier)) {
    auto classifier = models::load_classifier(o.classifier, o.device);
    Generator sample_gen(uint64_t(o.seed) + 4);
    std::vector<Tensor> parts;
    {
      NoGradGuard no_grad;
      for (int64_t i = 0; i < o.fd_samples; i += 1000) {
        Tensor z = randn({std::min<int64_t>(1000, o.fd_samples - i), o.latent}, sample_gen, {.device = o.device});
        parts.push_back(sigmoid(vae.decode(z)));
      }
    }
    double fd = models::frechet_distance_to_test(*classifier, cat(parts, 0), test.images);
    metrics.push_back({"fd_vs_test", fd});
    fmt::print("FD({} samples vs the test set) = {:.3f}\n", o.fd_samples, fd);
  } else {
    fmt::print("{}\n", models::classifier_missing_hint(o.classifier));
  }
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("test negative ELBO {:.2f} nats/image; IWAE estimate of -log p(x) with K={}: {:.2f} nats/image\n"
             "mean train step {:.2f} ms (batch {}); parameter hash {:016x}\n"
             "wrote {}/samples.png, reconstructions.png, interpolation.png, loss.png, metrics.csv, metrics.json, "
             "checkpoint.safetensors\n",
             s.test_loss.back(), o.iwae_k, iwae, mean_step_ms, o.batch, hash, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("vae_fmnist", "Train a variational autoencoder on Fashion-MNIST and draw what it learned.");
  args.add("epochs", &o.epochs, "passes over the 60,000 training images");
  args.add("batch", &o.batch, "images per Adam step");
  args.add("latent", &o.latent, "latent dimensions");
  args.add("hidden", &o.hidden, "hidden units of the encoder and of the decoder");
  args.add("lr", &o.lr, "Adam learning rate");
  args.add("seed", &o.seed, "seed for the weights, the data order and the sampling noise");
  args.add("iwae-k", &o.iwae_k, "importance samples per test image for the final -log p(x) estimate");
  args.add("out", &o.out, "output folder (pictures, metrics, checkpoint)");
  args.add("classifier", &o.classifier, "classifier checkpoint from classifier_fmnist (for FD)");
  args.add("fd-samples", &o.fd_samples, "samples for the final Fréchet distance");
  args.add("data", &o.data, "folder with the Fashion-MNIST .gz files");
  args.add("tfrecord", &o.tfrecord, "read train/test from DIR/{train,test}.tfrecord (written from --data if missing)");
  args.add("resume", &o.resume, "continue from OUT/checkpoint.safetensors (same flags as the first run)");
  args.add("stop-after", &o.stop_after, "stop after this many steps, saving a checkpoint as Ctrl-C does (0: never)");
  args.add("ddp", &o.ddp, "data-parallel over the ranks of mpirun (scripts/mpirun.sh -np 2 ...): --batch is split");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.epochs < 1 || o.epochs > 10000) return args.error(fmt::format("--epochs must be in [1, 10000], got {}", o.epochs));
  if (o.batch < 1 || o.batch > 60000) return args.error(fmt::format("--batch must be in [1, 60000], got {}", o.batch));
  if (o.latent < 1 || o.latent > 4096)
    return args.error(fmt::format("--latent must be in [1, 4096], got {}", o.latent));
  if (o.hidden < 1 || o.hidden > 16384)
    return args.error(fmt::format("--hidden must be in [1, 16384], got {}", o.hidden));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  // K samples of every test image: time grows with K (memory does not: test_iwae shrinks its chunks)
  if (o.iwae_k < 1 || o.iwae_k > 10000)
    return args.error(fmt::format("--iwae-k must be in [1, 10000], got {}", o.iwae_k));
  if (o.stop_after < 0) return args.error(fmt::format("--stop-after must be >= 0, got {}", o.stop_after));
  if (o.fd_samples < 2 || o.fd_samples > 100000)
    return args.error(fmt::format("--fd-samples must be in [2, 100000], got {}", o.fd_samples));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
