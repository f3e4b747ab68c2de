// train_medusa: trains K Medusa heads (models/medusa/medusa.h) on a frozen target GPT from
// examples/train_lm (Medusa-1): the target runs without the tape, only the heads' residual SiLU
// blocks learn, each scored on the token k + 1 places past the target's own next token. Adam with
// linear warmup and cosine decay to 10%. The text they learn (--labels): by default the target's own
// greedy continuations of 32-byte prompts from the `fortunes` windows (or --data), Medusa's
// self-distillation, so the heads guess what the target will say rather than what the corpus says
// (with a target this weak the two differ most of the time); --labels data trains on the windows.
// Reports each head's validation top-1 accuracy and writes to --out (default out/train_medusa):
//   medusa.safetensors (load_medusa)  loss.png  metrics.csv  metrics.json
// On Ctrl-C it saves the heads as they are and exits 130.
// Run: build/train_medusa --target out/lm/target.safetensors [--heads 4 --steps 300 --batch 8]; --help lists all.
#include <chrono>
#include <cmath>
#include <csignal>

#include "data/dataloader.h"
#include "data/text.h"
#include "models/gpt/gpt.h"
#include "models/medusa/medusa.h"
#include "nn/clip_grad.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t heads = 4, steps = 300, batch = 8, warmup = 20, eval_every = 50, val_windows = 32, seed = 0;
  int64_t self_windows = 1024;
  std::string labels = "self";
  double lr = 2e-3;
  std::string target = "out/lm/target.safetensors", data, out = "out/train_medusa";
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// Each head's top-1 accuracy over the validation windows.
std::vector<double> evaluate(const models::GPT& target, const models::MedusaHeads& heads, const data::TextWindows& val,
                             int64_t batch, Device device) {
  NoGradGuard no_grad;
  std::vector<double> acc(size_t(heads.num_heads()), 0.0);
  const int64_t n = val.inputs.size(0);
  for (int64_t i = 0; i < n; i += batch) {
    const int64_t j = std::min(i + batch, n);
    models::MedusaLoss l = models::medusa_loss(target, heads, slice(val.inputs, 0, i, j).to(device),
                                               slice(val.targets, 0, i, j).to(device));
    for (size_t k = 0; k < acc.size(); ++k) acc[k] += l.accuracy[k] * double(j - i) / double(n);
  }
  return acc;
}

// Windows of the same length as `source`'s whose first 32 bytes (half the window if shorter) come
// from `count` of its windows (spread evenly over it) and whose rest is the target's greedy
// continuation.
data::TextWindows greedy_windows(const models::GPT& target, const data::TextWindows& source, int64_t count,
                                 Device device, const std::string& what) {
  constexpr int64_t kRowsPerPass = 64;
  const int64_t n = source.inputs.size(0), context = source.inputs.size(1);
  const int64_t prompt_bytes = std::min<int64_t>(32, std::max<int64_t>(1, context / 2));
  count = std::min(count, n);
  const std::vector<int64_t> text = source.inputs.to_vector<int64_t>();
  std::vector<Tensor> rows;
  util::ProgressBar bar(count, "greedy " + what);
  for (int64_t i = 0; i < count; i += kRowsPerPass) {
    const int64_t m = std::min(kRowsPerPass, count - i);
    std::vector<double> prompts;
    for (int64_t r = i; r < i + m; ++r) {
      const auto begin = text.begin() + (r * n / count) * context;
      prompts.insert(prompts.end(), begin, begin + prompt_bytes);
    }
    const Tensor p = tensor(prompts, {m, prompt_bytes}, {.dtype = DType::i64, .device = device});
    rows.push_back(models::greedy_continuations(target, p, context + 1 - prompt_bytes).to(Device::cpu));
    bar.update(i + m);
  }
  bar.finish();
  const Tensor seq = cat(rows, 0);  // (count, context + 1)
  return {.inputs = slice(seq, 1, 0, context), .targets = slice(seq, 1, 1, context + 1)};
}

void save(const Options& o, models::MedusaHeads& heads) {
  heads.to(Device::cpu);
  models::save_medusa(o.out + "/medusa.safetensors", heads);
  heads.to(o.device);
}

int run(const Options& o) {
  std::shared_ptr<models::GPT> target = models::load_gpt(o.target);
  const models::GPTConfig cfg = target->config();
  TG_CHECK(cfg.vocab == data::kByteVocab, "train_medusa: {} has a vocabulary of {}, not the {} bytes of data/text.h",
           o.target, cfg.vocab, data::kByteVocab);
  for (Tensor p : target->parameters()) p.requires_grad_(false);  // frozen (Medusa-1)
  target->to(o.device);
  Generator gen(uint64_t(o.seed));
  models::MedusaHeads heads(cfg.embed, o.heads, gen);
  heads.to(o.device);
  const data::TextCorpus corpus = data::load_corpus(o.data);
  auto [train, val] = data::make_corpus_windows(corpus, cfg.context, o.val_windows);
  if (o.labels == "self") {
    train = greedy_windows(*target, train, o.self_windows, o.device, "training windows");
    val = greedy_windows(*target, val, val.inputs.size(0), o.device, "validation windows");
  }
  util::create_output_dir(o.out);
  nn::Adam opt(heads.parameters(), {.lr = o.lr});
  data::DataLoader loader(train.inputs, train.targets, o.batch, /*shuffle=*/true, /*drop_last=*/true, uint64_t(o.seed));
  TG_CHECK(loader.num_batches() > 0, "train_medusa: {} training windows make no batch of {}", train.inputs.size(0),
           o.batch);
  fmt::print("{}: {} training windows of {} bytes{}, accuracy on {} validation windows\n"
             "{} Medusa heads on the frozen target {} ({}); Adam lr {}, batch {}, {} steps on {}\n", corpus.source,
             train.inputs.size(0), cfg.context, o.labels == "self" ? " (the target's greedy text)" : "",
             val.inputs.size(0), o.heads, o.target, cfg.str(), o.lr, o.batch,
             o.steps, o.device.str());
  std::vector<std::string> columns = {"step", "train_loss"};
  for (int64_t k = 1; k <= o.heads; ++k) columns.push_back(fmt::format("val_head{}_accuracy", k));
  util::CsvWriter csv(o.out + "/metrics.csv", columns);
  std::signal(SIGINT, on_sigint);
  std::vector<double> eval_steps;
  std::vector<std::vector<double>> curves(size_t(o.heads));
  util::ProgressBar bar(o.steps, "train_medusa");
  double seconds = 0, loss_sum = 0;
  int64_t since_eval = 0;
  std::vector<double> acc;
  for (int64_t step = 0; step < o.steps; ++step) {
    if (step % loader.num_batches() == 0) loader.set_epoch(step / loader.num_batches());
    auto t0 = std::chrono::steady_clock::now();
    opt.set_lr(nn::warmup_cosine_lr(o.lr, step, o.steps, o.warmup));
    data::Batch b = loader.batch(step % loader.num_batches());
    models::MedusaLoss l = models::medusa_loss(*target, heads, b.inputs.to(o.device), b.targets.to(o.device));
    opt.zero_grad();
    l.loss.backward();
    nn::clip_grad_norm_(heads.parameters(), 1.0);
    opt.step();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    loss_sum += l.loss.item<double>();
    ++since_eval;
    bar.update(step + 1, fmt::format("loss {:.3f}, head-1 acc {:.2f}", l.loss.item<double>(), l.accuracy[0]));
    if (g_interrupted) {
      save(o, heads);
      fmt::print("\ninterrupted at step {}; saved {}/medusa.safetensors as it is\n", step + 1, o.out);
      return 130;
    }
    if ((step + 1) % o.eval_every == 0 || step + 1 == o.steps) {
      acc = evaluate(*target, heads, val, o.batch, o.device);
      eval_steps.push_back(double(step + 1));
      std::vector<double> row = {double(step + 1), loss_sum / double(since_eval)};
      for (size_t k = 0; k < acc.size(); ++k) curves[k].push_back(acc[k]), row.push_back(acc[k]);
      csv.row(row);
      loss_sum = 0, since_eval = 0;
    }
  }
  bar.finish();
  save(o, heads);
  util::LineChart chart{.title = "Medusa heads on a frozen target: validation top-1 accuracy",
                        .x_label = "step", .y_label = "top-1 accuracy"};
  std::vector<std::pair<std::string, double>> metrics;
  std::string summary;
  for (size_t k = 0; k < acc.size(); ++k) {
    chart.series.push_back({fmt::format("head {} (token +{})", k + 1, k + 2), eval_steps, curves[k],
                            util::series_color(k)});
    metrics.emplace_back(fmt::format("val_head{}_top1_accuracy", k + 1), acc[k]);
    summary += fmt::format("{}head {} {:.3f}", k ? ", " : "", k + 1, acc[k]);
  }
  chart.write_png(o.out + "/loss.png");
  const double step_ms = 1e3 * seconds / double(o.steps);
  metrics.insert(metrics.end(), {{"steps", double(o.steps)}, {"step_ms", step_ms}});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  fmt::print("validation top-1 accuracy: {}; {:.0f} ms/step\nwrote {}/medusa.safetensors, loss.png, metrics.csv, "
             "metrics.json\n", summary, step_ms, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("train_medusa", "Train Medusa heads on a frozen target GPT.");
  args.add("target", &o.target, "the target GPT checkpoint (examples/train_lm)");
  args.add("heads", &o.heads, "Medusa heads K: head k guesses the token k + 1 past the target's next one");
  args.add("steps", &o.steps, "Adam steps");
  args.add("batch", &o.batch, "windows per step");
  args.add("lr", &o.lr, "peak learning rate");
  args.add("warmup", &o.warmup, "linear warmup steps");
  args.add("eval-every", &o.eval_every, "steps between validations");
  args.add("val-windows", &o.val_windows, "validation windows (0: all)");
  args.add("data", &o.data, "UTF-8 text file to train on instead of the fortunes");
  args.add("labels", &o.labels, "self: the target's greedy continuations of 32-byte prompts from the text "
           "(self-distillation); data: the text itself");
  args.add("self-windows", &o.self_windows, "training windows generated with --labels self");
  args.add("seed", &o.seed, "seed for the heads' weights and the data order");
  args.add("out", &o.out, "output folder");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;
  if (o.heads < 1 || o.heads > 16) return args.error(fmt::format("--heads must be in [1, 16], got {}", o.heads));
  if (o.steps < 1 || o.steps > 1000000) return args.error(fmt::format("--steps must be in [1, 1e6], got {}", o.steps));
  if (o.batch < 1 || o.batch > 4096) return args.error(fmt::format("--batch must be in [1, 4096], got {}", o.batch));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.warmup < 0) return args.error(fmt::format("--warmup must be >= 0, got {}", o.warmup));
  if (o.eval_every < 1) return args.error(fmt::format("--eval-every must be >= 1, got {}", o.eval_every));
  if (o.labels != "self" && o.labels != "data")
    return args.error(fmt::format("--labels must be self or data, got '{}'", o.labels));
  if (o.self_windows < 1 || o.self_windows > 1000000)
    return args.error(fmt::format("--self-windows must be in [1, 1e6], got {}", o.self_windows));
  if (o.val_windows < 0) return args.error(fmt::format("--val-windows must be >= 0, got {}", o.val_windows));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  return args.run_reporting_errors([&] { return run(o); });
}
