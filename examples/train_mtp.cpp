// train_mtp: trains a byte-level GPT (models/gpt/gpt.h; by default train_lm's target run: its size,
// context, batch and steps) jointly with one DeepSeek-V3-style multi-token-prediction module
// (models/mtp/mtp.h) on the `fortunes` corpus (or --data FILE): loss = main next-token loss + 0.3 x
// the module's loss on the token after next. Adam with linear warmup and cosine decay to 10%,
// gradient clipping at 1, as train_lm.
// --init PATH starts the main model from a trained GPT (its config then comes from the file)
// instead of from scratch. Reports validation bits per character of the main model and the module's
// top-1 accuracy on t_{i+2}, and writes to --out (default out/train_mtp):
//   model.safetensors (load_gpt)  mtp.safetensors (load_mtp)  loss.png  metrics.csv  metrics.json
// On Ctrl-C it saves both files as they are and exits 130.
// Run: build/train_mtp [--steps 600 --batch 8 --context 256 --lr 2e-3 --seed 0]; --help lists all.
#include <chrono>
#include <cmath>
#include <csignal>

#include "data/dataloader.h"
#include "data/text.h"
#include "models/gpt/gpt.h"
#include "models/mtp/mtp.h"
#include "nn/clip_grad.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t steps = 600, batch = 8, context = 256, embed = 256, layers = 6, heads = 8, warmup = 50;
  int64_t eval_every = 100, val_windows = 64, seed = 0;
  double lr = 2e-3, lambda = 0.3;
  std::string init, data, out = "out/train_mtp";
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

struct Eval {
  double main_bpc = 0, mtp_bpc = 0, mtp_accuracy = 0;
};

// Validation: the main model's bits per character, the module's on t_{i+2} and its top-1 accuracy.
Eval evaluate(const models::GPT& model, const models::MTPModule& mtp, const data::TextWindows& val, int64_t batch,
              Device device) {
  NoGradGuard no_grad;
  Eval e;
  const int64_t n = val.inputs.size(0);
  for (int64_t i = 0; i < n; i += batch) {
    const int64_t j = std::min(i + batch, n);
    models::MTPLoss l = models::mtp_loss(model, mtp, slice(val.inputs, 0, i, j).to(device),
                                         slice(val.targets, 0, i, j).to(device));
    const double w = double(j - i) / double(n);
    e.main_bpc += l.main.item<double>() * w / std::log(2.0);
    e.mtp_bpc += l.mtp.item<double>() * w / std::log(2.0);
    e.mtp_accuracy += l.mtp_accuracy * w;
  }
  return e;
}

void save(const Options& o, models::GPT& model, models::MTPModule& mtp, const Eval& e) {
  model.to(Device::cpu);
  mtp.to(Device::cpu);
  models::save_gpt(o.out + "/model.safetensors", model, {{"val_bpc", fmt::format("{}", e.main_bpc)}});
  models::save_mtp(o.out + "/mtp.safetensors", mtp);
  model.to(o.device);
  mtp.to(o.device);
}

int run(const Options& o) {
  Generator gen(uint64_t(o.seed));
  std::shared_ptr<models::GPT> model =
      o.init.empty() ? std::make_shared<models::GPT>(models::GPTConfig{.context = o.context, .embed = o.embed,
                                                                       .layers = o.layers, .heads = o.heads},
                                                     gen)
                     : models::load_gpt(o.init);
  const models::GPTConfig cfg = model->config();
  TG_CHECK(cfg.vocab == data::kByteVocab, "train_mtp: {} has a vocabulary of {}, not the {} bytes of data/text.h",
           o.init, cfg.vocab, data::kByteVocab);
  auto mtp = std::make_shared<models::MTPModule>(cfg, gen);
  model->to(o.device);
  mtp->to(o.device);
  const data::TextCorpus corpus = data::load_corpus(o.data);
  const auto [train, val] = data::make_corpus_windows(corpus, cfg.context, o.val_windows);
  util::create_output_dir(o.out);
  std::vector<Tensor> params = model->parameters();
  int64_t mtp_params = 0;
  for (const Tensor& p : mtp->parameters()) params.push_back(p), mtp_params += p.numel();
  nn::Adam opt(params, {.lr = o.lr});
  data::DataLoader loader(train.inputs, train.targets, o.batch, /*shuffle=*/true, /*drop_last=*/true, uint64_t(o.seed));
  TG_CHECK(loader.num_batches() > 0, "train_mtp: {} training windows make no batch of {}", train.inputs.size(0), o.batch);
  fmt::print("{}: {} training windows of {} bytes, bpc on {} validation windows\n"
             "GPT {} ({} parameters{}) + MTP module ({} parameters); loss = main + {} x MTP; Adam lr {}, batch {}, "
             "{} steps on {}\n", corpus.source, train.inputs.size(0), cfg.context, val.inputs.size(0), cfg.str(),
             model->num_parameters(), o.init.empty() ? "" : ", from " + o.init, mtp_params,
             o.lambda, o.lr, o.batch, o.steps, o.device.str());
  util::CsvWriter csv(o.out + "/metrics.csv", {"step", "train_loss", "val_main_bpc", "val_mtp_bpc", "val_mtp_accuracy"});
  std::signal(SIGINT, on_sigint);
  std::vector<double> eval_steps, val_main, val_mtp, train_steps, train_loss;
  util::ProgressBar bar(o.steps, "train_mtp");
  double seconds = 0, loss_sum = 0;
  int64_t since_eval = 0;
  Eval e;
  for (int64_t step = 0; step < o.steps; ++step) {
    if (step % loader.num_batches() == 0) loader.set_epoch(step / loader.num_batches());
    auto t0 = std::chrono::steady_clock::now();
    opt.set_lr(nn::warmup_cosine_lr(o.lr, step, o.steps, o.warmup));
    data::Batch b = loader.batch(step % loader.num_batches());
    models::MTPLoss l = models::mtp_loss(*model, *mtp, b.inputs.to(o.device), b.targets.to(o.device), o.lambda);
    opt.zero_grad();
    l.loss.backward();
    nn::clip_grad_norm_(params, 1.0);
    opt.step();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    loss_sum += l.loss.item<double>();
    ++since_eval;
    bar.update(step + 1, fmt::format("loss {:.3f}, MTP acc {:.2f}", l.loss.item<double>(), l.mtp_accuracy));
    if (g_interrupted) {
      save(o, *model, *mtp, e);
      fmt::print("\ninterrupted at step {}; saved {}/model.safetensors and mtp.safetensors as they are\n", step + 1,
                 o.out);
      return 130;
    }
    if ((step + 1) % o.eval_every == 0 || step + 1 == o.steps) {
      e = evaluate(*model, *mtp, val, o.batch, o.device);
      train_steps.push_back(double(step + 1));
      train_loss.push_back(loss_sum / double(since_eval));
      eval_steps.push_back(double(step + 1));
      val_main.push_back(e.main_bpc);
      val_mtp.push_back(e.mtp_bpc);
      csv.row({double(step + 1), train_loss.back(), e.main_bpc, e.mtp_bpc, e.mtp_accuracy});
      loss_sum = 0, since_eval = 0;
    }
  }
  bar.finish();
  save(o, *model, *mtp, e);
  util::LineChart chart{.title = "GPT + MTP module: validation bits per character",
                        .x_label = "step", .y_label = "bits per character"};
  chart.series.push_back({"main model, next token", eval_steps, val_main, util::series_color(0)});
  chart.series.push_back({"MTP module, token after next", eval_steps, val_mtp, util::series_color(1)});
  chart.write_png(o.out + "/loss.png");
  const double step_ms = 1e3 * seconds / double(o.steps);
  util::write_metrics_json(o.out + "/metrics.json", {{"val_main_bpc", e.main_bpc},
                                                     {"val_mtp_bpc", e.mtp_bpc},
                                                     {"val_mtp_top1_accuracy", e.mtp_accuracy},
                                                     {"steps", double(o.steps)},
                                                     {"step_ms", step_ms},
                                                     {"lambda", o.lambda}});
  fmt::print("validation: main model {:.3f} bpc; MTP module {:.3f} bpc on the token after next, top-1 accuracy "
             "{:.3f}; {:.0f} ms/step\nwrote {}/model.safetensors, mtp.safetensors, loss.png, metrics.csv, metrics.json\n",
             e.main_bpc, e.mtp_bpc, e.mtp_accuracy, step_ms, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("train_mtp", "Train a byte-level GPT jointly with a multi-token-prediction module.");
  args.add("steps", &o.steps, "Adam steps");
  args.add("batch", &o.batch, "windows per step");
  args.add("context", &o.context, "bytes per window and the model's context (ignored with --init)");
  args.add("embed", &o.embed, "embedding width (ignored with --init)");
  args.add("layers", &o.layers, "transformer blocks of the main model (ignored with --init)");
  args.add("heads", &o.heads, "attention heads (ignored with --init)");
  args.add("lr", &o.lr, "peak learning rate");
  args.add("warmup", &o.warmup, "linear warmup steps");
  args.add("lambda", &o.lambda, "weight of the MTP loss");
  args.add("eval-every", &o.eval_every, "steps between validations");
  args.add("val-windows", &o.val_windows, "validation windows (0: all)");
  args.add("init", &o.init, "start the main model from this GPT checkpoint (examples/train_lm) instead of scratch");
  args.add("data", &o.data, "UTF-8 text file to train on instead of the fortunes");
  args.add("seed", &o.seed, "seed for the weights and the data order");
  args.add("out", &o.out, "output folder");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;
  if (o.steps < 1 || o.steps > 1000000) return args.error(fmt::format("--steps must be in [1, 1e6], got {}", o.steps));
  if (o.batch < 1 || o.batch > 4096) return args.error(fmt::format("--batch must be in [1, 4096], got {}", o.batch));
  if (o.context < 2 || o.context > 8192) return args.error(fmt::format("--context must be in [2, 8192], got {}", o.context));
  if (o.embed < 1 || o.layers < 1 || o.heads < 1 || o.embed % o.heads != 0)
    return args.error(fmt::format("--embed {} must be a positive multiple of --heads {}, --layers {} positive", o.embed,
                                  o.heads, o.layers));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.warmup < 0) return args.error(fmt::format("--warmup must be >= 0, got {}", o.warmup));
  if (!(o.lambda >= 0)) return args.error(fmt::format("--lambda must be >= 0, got {}", o.lambda));
  if (o.eval_every < 1) return args.error(fmt::format("--eval-every must be >= 1, got {}", o.eval_every));
  if (o.val_windows < 0) return args.error(fmt::format("--val-windows must be >= 0, got {}", o.val_windows));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
