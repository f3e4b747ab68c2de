// train_lm: trains the byte-level GPT (models/gpt/gpt.h) as a target model (~4.9M parameters) and
// a draft model (~0.46M) for speculative decoding, on the `fortunes` corpus (or --data FILE, any
// UTF-8 text) split 90/10 per file (data/text.h). Adam with linear warmup and cosine decay to 10%,
// gradient clipping at 1. Prints the validation bits per character after every epoch and a sample
// of each model at the end, and writes to --out (default out/lm):
//   target.safetensors  draft.safetensors   the trained models, config in the metadata (load_gpt)
//   target_checkpoint.safetensors ...       after every epoch and on Ctrl-C (--resume continues)
//   loss.png  metrics.csv  metrics.json
// The draft learns the target's next-byte distributions by default (--draft-loss distill: soft
// cross-entropy against softmax of the target's logits, i.e. the forward KL divergence KL(p || q)
// plus the target's entropy), which raises speculative sampling's acceptance rate
// alpha = 1 - TV(p, q); --draft-loss data trains it on the bytes like the target.
// An epoch here is --steps-per-epoch batches (150 x 8 windows of 256 bytes: 13% of the 2.3 MB of
// training text) so that both models train in minutes on 2 cores; 0 makes it a full pass.
// Run: build/train_lm [--model both --epochs 4 --batch 8 --context 256 --lr 2e-3 --draft-loss distill --seed 0];
// --help lists all.
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>

#include "data/dataloader.h"
#include "data/text.h"
#include "models/gpt/gpt.h"
#include "models/gpt/sampling.h"
#include "nn/checkpoint.h"
#include "nn/safetensors.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t epochs = 4, batch = 8, context = 256, seed = 0, stop_after = 0, val_windows = 64, warmup = 50;
  int64_t steps_per_epoch = 150;
  int64_t target_embed = 256, target_layers = 6, target_heads = 8, draft_embed = 128, draft_layers = 2, draft_heads = 4;
  double lr = 2e-3, draft_lr = 4e-3;
  bool resume = false;
  std::string model = "both", data, out = "out/lm", draft_loss = "distill";
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

struct RunState {
  int64_t epoch = 0, batch = 0;
  double epoch_loss_sum = 0, epoch_seconds = 0;
  std::vector<double> train_bpc, val_bpc, step_ms;
};

std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? "," : "", v[i]);
  return s;
}

// Mean cross-entropy over the windows, in bits per byte.
double bits_per_char(const models::GPT& m, const data::TextWindows& w, int64_t batch, Device device) {
  NoGradGuard no_grad;
  double total = 0;
  const int64_t n = w.inputs.size(0);
  for (int64_t i = 0; i < n; i += batch) {
    const int64_t j = std::min(i + batch, n);
    Tensor loss = m.loss(slice(w.inputs, 0, i, j).to(device), slice(w.targets, 0, i, j).to(device));
    total += loss.item<double>() * double(j - i);
  }
  return total / double(n) / std::log(2.0);
}

struct ModelRun {
  std::string name;  // "target" or "draft"
  models::GPTConfig config;
  double lr;
  std::string objective;  // "data" (the next byte) or "distill" (the target's distribution)
  RunState state;
  int64_t params = 0;
  std::string sample;
};

nn::Metadata to_metadata(const RunState& s, const ModelRun& r, const Options& o) {
  nn::Metadata m = r.config.metadata();
  m.insert({{"epoch", std::to_string(s.epoch)}, {"batch", std::to_string(s.batch)},
            {"epoch_loss_sum", fmt::format("{}", s.epoch_loss_sum)},
            {"epoch_seconds", fmt::format("{}", s.epoch_seconds)}, {"train_bpc", join(s.train_bpc)},
            {"val_bpc", join(s.val_bpc)}, {"step_ms", join(s.step_ms)}, {"seed", std::to_string(o.seed)},
            {"batch_size", std::to_string(o.batch)}, {"lr", fmt::format("{}", r.lr)}, {"objective", r.objective}});
  return m;
}

void check_config(const nn::Metadata& m, const std::string& path, const ModelRun& r) {
  const models::GPTConfig saved = models::GPTConfig::from_metadata(m, path);
  TG_CHECK(saved == r.config, "--resume: {} holds a {} model with {}, but the flags ask for {}; pass the same flags",
           path, r.name, saved.str(), r.config.str());
}

RunState from_metadata(const nn::Metadata& m, const std::string& path, const ModelRun& r, const Options& o,
                       int64_t steps) {
  auto at = [&](const std::string& key) { return nn::metadata_at(m, key, path); };
  for (auto [key, want] : {std::pair{std::string("seed"), std::to_string(o.seed)},
                           {"batch_size", std::to_string(o.batch)}, {"lr", fmt::format("{}", r.lr)},
                           {"objective", r.objective}})
    TG_CHECK(at(key) == want, "--resume: {} was written with {} {}, but this run has {}; pass the same flags", path,
             key, at(key), want);
  RunState s;
  s.epoch = nn::metadata_int(m, "epoch", path, 0, o.epochs);
  s.batch = nn::metadata_int(m, "batch", path, 0, steps - 1);
  s.epoch_loss_sum = nn::metadata_double(m, "epoch_loss_sum", path);
  s.epoch_seconds = nn::metadata_double(m, "epoch_seconds", path);
  s.train_bpc = nn::metadata_doubles(m, "train_bpc", path);
  s.val_bpc = nn::metadata_doubles(m, "val_bpc", path);
  s.step_ms = nn::metadata_doubles(m, "step_ms", path);
  for (const auto* v : {&s.train_bpc, &s.val_bpc, &s.step_ms})
    TG_CHECK(int64_t(v->size()) == s.epoch, "--resume: {} is at epoch {} but lists {} per-epoch values", path, s.epoch,
             v->size());
  return s;
}

// The loss a step minimises, in nats, and the data's cross-entropy of the same logits. With a
// teacher, the soft cross-entropy -sum_v p(v) log q(v) against its distribution p (no gradient to it).
std::pair<Tensor, double> step_loss(const models::GPT& model, const models::GPT* teacher, const data::Batch& b,
                                    Device device) {
  const Tensor inputs = b.inputs.to(device), targets = b.targets.to(device);
  if (!teacher) {
    Tensor loss = model.loss(inputs, targets);
    return {loss, loss.item<double>()};
  }
  const int64_t vocab = model.config().vocab, rows = inputs.numel();
  Tensor p;
  {
    NoGradGuard no_grad;
    p = softmax(reshape(teacher->forward(inputs), {rows, vocab}), -1);
  }
  Tensor logits = reshape(model.forward(inputs), {rows, vocab});
  Tensor loss = cross_entropy(logits, p);
  NoGradGuard no_grad;
  return {loss, cross_entropy(logits, reshape(targets, {rows})).item<double>()};
}

// Trains one model to the end (or to an interruption: returns false). The data order of epoch e is
// the loader's (seed, e) shuffle, the same for both models. teacher: the distribution to distil
// (nullptr: train on the data's next bytes).
bool train_model(ModelRun& r, const data::TextWindows& train, const data::TextWindows& val, const Options& o,
                 const models::GPT* teacher, int64_t& steps_this_run) {
  Generator gen(uint64_t(o.seed));
  models::GPT model(r.config, gen);
  model.to(o.device);
  r.params = model.num_parameters();
  nn::Adam opt(model.parameters(), {.lr = r.lr});
  data::DataLoader loader(train.inputs, train.targets, o.batch, /*shuffle=*/true, /*drop_last=*/true,
                          uint64_t(o.seed));
  const int64_t steps = o.steps_per_epoch > 0 ? std::min(o.steps_per_epoch, loader.num_batches()) : loader.num_batches();
  TG_CHECK(steps > 0, "train_lm: {} training windows make no batch of {}", train.inputs.size(0), o.batch);
  const std::string checkpoint = o.out + "/" + r.name + "_checkpoint.safetensors";
  RunState& s = r.state;
  if (o.resume && std::filesystem::exists(checkpoint)) {
    check_config(load_safetensors(checkpoint).metadata, checkpoint, r);  // before the weights are read
    s = from_metadata(nn::load_checkpoint(checkpoint, model, opt), checkpoint, r, o, steps);
    fmt::print("{}: resumed from {} at epoch {}, batch {}\n", r.name, checkpoint, s.epoch + 1, s.batch);
  }
  fmt::print("{}: GPT {} ({} parameters); Adam lr {}, batch {} x {} bytes, {} steps x {} epochs on {}{}\n", r.name,
             r.config.str(), r.params, r.lr, o.batch, o.context, steps, o.epochs, o.device.str(),
             teacher ? "; distilling the target's distributions" : "");
  for (; s.epoch < o.epochs; ++s.epoch, s.batch = 0, s.epoch_loss_sum = 0, s.epoch_seconds = 0) {
    loader.set_epoch(s.epoch);
    util::ProgressBar bar(steps, fmt::format("{} epoch {}/{}", r.name, s.epoch + 1, o.epochs), stderr, s.batch);
    for (; s.batch < steps; ++s.batch) {
      auto t0 = std::chrono::steady_clock::now();
      opt.set_lr(nn::warmup_cosine_lr(r.lr, s.epoch * steps + s.batch, o.epochs * steps, o.warmup));
      data::Batch b = loader.batch(s.batch);
      auto [loss, data_loss] = step_loss(model, teacher, b, o.device);
      opt.zero_grad();
      loss.backward();
      nn::clip_grad_norm_(model.parameters(), 1.0);
      opt.step();
      s.epoch_loss_sum += data_loss;
      s.epoch_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.update(s.batch + 1, fmt::format("{:.3f} bpc", s.epoch_loss_sum / double(s.batch + 1) / std::log(2.0)));
      const bool stop = o.stop_after > 0 && ++steps_this_run == o.stop_after;
      if ((g_interrupted || stop) && s.batch + 1 < steps) {
        ++s.batch;
        nn::save_checkpoint(checkpoint, model, opt, to_metadata(s, r, o));
        fmt::print("\n{} at {} epoch {}, batch {}; saved {}. Continue with --resume.\n",
                   stop ? "stopped (--stop-after)" : "interrupted", r.name, s.epoch + 1, s.batch, checkpoint);
        return false;
      }
    }
    bar.finish();
    s.train_bpc.push_back(s.epoch_loss_sum / double(steps) / std::log(2.0));
    s.val_bpc.push_back(bits_per_char(model, val, o.batch, o.device));
    s.step_ms.push_back(1e3 * s.epoch_seconds / double(steps));
    fmt::print("{} epoch {}: train {:.3f} bpc, validation {:.3f} bpc, {:.1f} ms/step\n", r.name, s.epoch + 1,
               s.train_bpc.back(), s.val_bpc.back(), s.step_ms.back());
    RunState next = s;
    ++next.epoch, next.batch = 0, next.epoch_loss_sum = 0, next.epoch_seconds = 0;
    nn::save_checkpoint(checkpoint, model, opt, to_metadata(next, r, o));
    if (s.epoch + 1 < o.epochs && (g_interrupted || (o.stop_after > 0 && steps_this_run >= o.stop_after))) {
      fmt::print("stopped after {} epoch {}; saved {}. Continue with --resume.\n", r.name, s.epoch + 1, checkpoint);
      return false;
    }
  }
  TG_CHECK(!s.val_bpc.empty(), "train_lm: nothing to report: {} says all {} epochs are done", checkpoint, o.epochs);
  model.to(Device::cpu);
  models::save_gpt(o.out + "/" + r.name + ".safetensors", model,
                   {{"val_bpc", fmt::format("{}", s.val_bpc.back())}, {"epochs", std::to_string(o.epochs)}});
  Generator sample_gen(uint64_t(o.seed) + 1);
  const std::vector<int64_t> prompt = data::encode("The ");
  r.sample = "The " + data::decode(models::generate(model, prompt, std::min<int64_t>(120, r.config.context - 4),
                                                    {.temperature = 0.8}, sample_gen));
  return true;
}

int run(const Options& o) {
  const data::TextCorpus corpus = data::load_corpus(o.data);
  const auto [train, val] = data::make_corpus_windows(corpus, o.context, o.val_windows);
  fmt::print("{}: {} train bytes ({} windows of {}), {} validation bytes (bpc on {} windows)\n", corpus.source,
             corpus.train.size(), train.inputs.size(0), o.context, corpus.validation.size(), val.inputs.size(0));
  util::create_output_dir(o.out);
  std::vector<ModelRun> runs;
  const models::GPTConfig target{.context = o.context, .embed = o.target_embed, .layers = o.target_layers,
                                 .heads = o.target_heads};
  const models::GPTConfig draft{.context = o.context, .embed = o.draft_embed, .layers = o.draft_layers,
                                .heads = o.draft_heads};
  if (o.model != "draft") runs.push_back({.name = "target", .config = target, .lr = o.lr, .objective = "data"});
  if (o.model != "target")
    runs.push_back({.name = "draft", .config = draft, .lr = o.draft_lr, .objective = o.draft_loss});
  std::signal(SIGINT, on_sigint);
  int64_t steps_this_run = 0;
  for (auto& r : runs) {
    std::shared_ptr<models::GPT> teacher;
    if (r.objective == "distill") {
      const std::string path = o.out + "/target.safetensors";
      TG_CHECK(std::filesystem::exists(path), "--draft-loss distill needs the target model, but {} does not "
               "exist; train it first (--model target or both) or pass --draft-loss data", path);
      teacher = models::load_gpt(path);
      TG_CHECK(teacher->config().vocab == r.config.vocab && teacher->config().context >= r.config.context,
               "the target in {} ({}) cannot teach a draft with {}", path, teacher->config().str(),
               r.config.str());
      teacher->to(o.device);
    }
    if (!train_model(r, train, val, o, teacher.get(), steps_this_run)) return g_interrupted ? 130 : 0;
  }

  util::LineChart chart{.title = "byte-level GPT on " + std::filesystem::path(corpus.source).filename().string(),
                        .x_label = "epoch", .y_label = "bits per character"};
  util::CsvWriter csv(o.out + "/metrics.csv", {"model", "epoch", "train_bpc", "val_bpc", "step_ms"});
  std::vector<std::pair<std::string, double>> metrics;
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunState& s = runs[i].state;
    std::vector<double> epochs;
    for (size_t e = 0; e < s.val_bpc.size(); ++e) {
      epochs.push_back(double(e + 1));
      csv.row({double(i), double(e + 1), s.train_bpc[e], s.val_bpc[e], s.step_ms[e]});
    }
    chart.series.push_back({runs[i].name + " train", epochs, s.train_bpc, util::series_color(2 * i)});
    chart.series.push_back({runs[i].name + " validation", epochs, s.val_bpc, util::series_color(2 * i + 1)});
    double mean_ms = 0;
    for (double ms : s.step_ms) mean_ms += ms / double(s.step_ms.size());
    const std::string& n = runs[i].name;
    metrics.insert(metrics.end(), {{n + "_val_bpc", s.val_bpc.back()}, {n + "_train_bpc", s.train_bpc.back()},
                                   {n + "_step_ms", mean_ms}, {n + "_parameters", double(runs[i].params)}});
    fmt::print("{}: validation {:.3f} bpc after {} epochs, {:.1f} ms/step; sample at temperature 0.8:\n{}\n\n", n,
               s.val_bpc.back(), o.epochs, mean_ms, runs[i].sample);
  }
  metrics.insert(metrics.end(), {{"epochs", double(o.epochs)}, {"batch", double(o.batch)},
                                 {"context", double(o.context)}, {"val_windows", double(val.inputs.size(0))}});
  chart.write_png(o.out + "/loss.png");
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("wrote {}/loss.png, metrics.csv, metrics.json and the models", o.out);
  for (const auto& r : runs) fmt::print(" {}/{}.safetensors", o.out, r.name);
  fmt::print("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("train_lm", "Train a byte-level GPT (target) and a small draft model on text.");
  args.add("model", &o.model, "which to train: both, target or draft");
  args.add("data", &o.data, "a UTF-8 text file to train on instead of the fortunes corpus");
  args.add("epochs", &o.epochs, "epochs per model");
  args.add("steps-per-epoch", &o.steps_per_epoch, "batches per epoch (0: every training window once)");
  args.add("batch", &o.batch, "windows per Adam step");
  args.add("context", &o.context, "bytes per window, and the models' context");
  args.add("lr", &o.lr, "peak Adam learning rate of the target model");
  args.add("draft-lr", &o.draft_lr, "peak Adam learning rate of the draft model");
  args.add("draft-loss", &o.draft_loss, "what the draft learns: distill (the target's next-byte distributions, "
           "from OUT/target.safetensors) or data (the next bytes)");
  args.add("warmup", &o.warmup, "steps of linear learning-rate warmup");
  args.add("target-embed", &o.target_embed, "target model width");
  args.add("target-layers", &o.target_layers, "target model blocks");
  args.add("target-heads", &o.target_heads, "target model attention heads");
  args.add("draft-embed", &o.draft_embed, "draft model width");
  args.add("draft-layers", &o.draft_layers, "draft model blocks");
  args.add("draft-heads", &o.draft_heads, "draft model attention heads");
  args.add("val-windows", &o.val_windows, "validation windows the bpc is measured on (0: all)");
  args.add("seed", &o.seed, "seed for the weights, the data order and the samples");
  args.add("out", &o.out, "output folder (models, checkpoints, metrics, loss.png)");
  args.add("resume", &o.resume, "continue from OUT/<model>_checkpoint.safetensors (same flags as the first run)");
  args.add("stop-after", &o.stop_after, "stop after this many steps, saving a checkpoint as Ctrl-C does (0: never)");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.model != "both" && o.model != "target" && o.model != "draft")
    return args.error(fmt::format("--model must be both, target or draft, got '{}'", o.model));
  if (o.draft_loss != "distill" && o.draft_loss != "data")
    return args.error(fmt::format("--draft-loss must be distill or data, got '{}'", o.draft_loss));
  if (o.epochs < 1 || o.epochs > 1000) return args.error(fmt::format("--epochs must be in [1, 1000], got {}", o.epochs));
  if (o.batch < 1 || o.batch > 4096) return args.error(fmt::format("--batch must be in [1, 4096], got {}", o.batch));
  if (o.context < 2 || o.context > 8192)
    return args.error(fmt::format("--context must be in [2, 8192], got {}", o.context));
  for (auto [name, v] : {std::pair{"--steps-per-epoch", o.steps_per_epoch}, {"--warmup", o.warmup},
                         {"--val-windows", o.val_windows}, {"--stop-after", o.stop_after}, {"--seed", o.seed}})
    if (v < 0) return args.error(fmt::format("{} must be >= 0, got {}", name, v));
  for (auto [name, e, h] : {std::tuple{"target", o.target_embed, o.target_heads}, {"draft", o.draft_embed, o.draft_heads}})
    if (e < 1 || h < 1 || e % h != 0 || e > 4096)
      return args.error(fmt::format("--{}-embed {} must be in [1, 4096] and a multiple of --{}-heads {}", name, e,
                                    name, h));
  if (o.target_layers < 1 || o.draft_layers < 1 || o.target_layers > 64 || o.draft_layers > 64)
    return args.error(fmt::format("--target-layers and --draft-layers must be in [1, 64], got {} and {}",
                                  o.target_layers, o.draft_layers));
  if (!(o.lr > 0) || !(o.draft_lr > 0))
    return args.error(fmt::format("--lr and --draft-lr must be positive, got {} and {}", o.lr, o.draft_lr));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
