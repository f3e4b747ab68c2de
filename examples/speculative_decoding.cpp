// speculative_decoding: decodes the same prompts, batch 1, with the target GPT alone, with
// speculative sampling (a small draft GPT proposing gamma = 1..8 tokens), with Medusa heads (greedy
// and typical acceptance) and with an MTP-trained model's own MTP module as its draft. Prints
// tokens/s, the speed-up over the target alone, the acceptance rate alpha and the mean tokens per
// target call beside (1 - alpha^(gamma+1)) / (1 - alpha), checks that every greedy method wrote the
// target's greedy text, and writes to --out (default out/speculative_decoding):
//   speedup.png (speed-up against gamma)  metrics.json  samples.txt
// Checkpoints come from examples/train_lm (--target, --draft), examples/train_medusa (--medusa) and
// examples/train_mtp (--mtp-model, --mtp); pass "" to skip Medusa or MTP.
// Run: build/speculative_decoding --target T --draft D [--medusa M --mtp-model G --mtp X]; --help lists all.
#include <chrono>
#include <csignal>
#include <functional>
#include <sstream>

#include "data/text.h"
#include "models/gpt/gpt.h"
#include "models/gpt/sampling.h"
#include "models/medusa/medusa.h"
#include "models/mtp/mtp.h"
#include "models/speculative/speculative.h"
#include "nn/safetensors.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/output.h"
#include "util/plot.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  std::string target = "out/lm/target.safetensors", draft = "out/lm/draft.safetensors";
  std::string medusa = "out/train_medusa/medusa.safetensors", mtp_model = "out/train_mtp/model.safetensors",
              mtp = "out/train_mtp/mtp.safetensors";
  std::string data, out = "out/speculative_decoding", gammas = "1,2,3,4,5,6,7,8", tree_widths;
  int64_t prompts = 6, prompt_len = 32, new_tokens = 96, tree = 0, seed = 0, top_k = 0;
  double temperature = 1.0, top_p = 1.0, typical_temperature = 0.7;
  Device device = Device::cpu;
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// One method over every prompt: wall time, summed statistics and the outputs.
struct Run {
  double seconds = 0;
  models::DecodeStats stats;
  std::vector<std::vector<int64_t>> outputs;
  double tokens_per_s() const { return double(stats.new_tokens) / seconds; }
};

using Decode = std::function<models::Generation(const std::vector<int64_t>& prompt, Generator& gen)>;

struct Method {
  std::string name;
  Decode decode;
  Generator gen;  // its own sampling stream, continued from prompt to prompt
  Run run;
};

// Every method on every prompt, interleaved (prompt by prompt, each method in turn), so that a
// change in the machine's load while they run touches all of them alike.
void run_interleaved(std::vector<Method>& methods, const std::vector<std::vector<int64_t>>& prompts) {
  util::ProgressBar bar(int64_t(prompts.size() * methods.size()), "decoding");
  int64_t done = 0;
  for (const auto& prompt : prompts)
    for (Method& m : methods) {
      TG_CHECK(!g_interrupted, "interrupted (Ctrl-C); nothing written");
      auto t0 = std::chrono::steady_clock::now();
      models::Generation g = m.decode(prompt, m.gen);
      m.run.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const models::DecodeStats& s = g.stats;
      m.run.stats.new_tokens += s.new_tokens, m.run.stats.target_calls += s.target_calls;
      m.run.stats.draft_calls += s.draft_calls, m.run.stats.tested += s.tested, m.run.stats.accepted += s.accepted;
      m.run.outputs.push_back(g.tokens);
      bar.update(++done, m.name);
    }
  bar.finish();
}

// The target alone: models/gpt's generate, one pass per token.
Decode plain(const models::GPT& model, int64_t n_new, models::SamplingOptions opts) {
  return [&model, n_new, opts](const std::vector<int64_t>& prompt, Generator& gen) {
    models::Generation g;
    g.tokens = models::generate(model, prompt, n_new, opts, gen);
    g.stats.new_tokens = n_new;
    g.stats.target_calls = n_new;
    return g;
  };
}

// The comma-separated integers of `flag`'s value, each in [lo, hi].
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag, int64_t lo, int64_t hi) {
  std::vector<int64_t> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    TG_CHECK(used == item.size() && !item.empty(), "{}: '{}' is not an integer", flag, item);
    TG_CHECK(v >= lo && v <= hi, "{}: {} must be in [{}, {}]", flag, v, lo, hi);
    values.push_back(v);
  }
  TG_CHECK(!values.empty(), "{}: no value in '{}'", flag, text);
  return values;
}

std::vector<int64_t> parse_gammas(const std::string& text) { return parse_int_list(text, "--gammas", 1, 64); }

// Medusa's tree: --tree N, the first N choices of mc_sim_7b_63; --tree-widths W_1,...,W_K, every path
// keeping the top W_d tokens of head d; by default each of the `heads` heads' best guess in a chain.
models::TreeChoices medusa_tree(const Options& o, int64_t heads) {
  if (o.tree > 0) return models::mc_sim_7b_63(o.tree);
  const std::vector<int64_t> widths = o.tree_widths.empty() ? std::vector<int64_t>(size_t(heads), 1)
                                                            : parse_int_list(o.tree_widths, "--tree-widths", 1, 8);
  int64_t nodes = 1, level = 1;
  for (int64_t w : widths) nodes += level *= w;
  TG_CHECK(nodes <= 64, "--tree-widths {} makes a tree of {} nodes; at most 64", o.tree_widths, nodes);
  return models::full_tree_choices(widths);
}

// n prompts of `len` bytes from the validation text, each starting at a line start after an offset
// i / n of the way through it.
std::vector<std::vector<int64_t>> make_prompts(const std::string& text, int64_t n, int64_t len) {
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t i = 0; i < n; ++i) {
    size_t at = text.find('\n', size_t(double(i) / double(n) * double(text.size())));
    at = at == std::string::npos ? 0 : at + 1;
    TG_CHECK(at + size_t(len) <= text.size(), "the validation text ({} bytes) has no prompt of {} bytes at {}",
             text.size(), len, at);
    prompts.push_back(data::encode(text.substr(at, size_t(len))));
  }
  return prompts;
}

int count_equal(const Run& a, const Run& b) {
  int same = 0;
  for (size_t i = 0; i < a.outputs.size(); ++i) same += a.outputs[i] == b.outputs[i];
  return same;
}

int run(const Options& o) {
  const std::vector<int64_t> gammas = parse_gammas(o.gammas);
  std::shared_ptr<models::GPT> target = models::load_gpt(o.target), draft = models::load_gpt(o.draft);
  const models::GPTConfig& tc = target->config();
  TG_CHECK(draft->config().vocab == tc.vocab, "the draft {} has a vocabulary of {} tokens, the target {} one of {}",
           o.draft, draft->config().vocab, o.target, tc.vocab);
  const int64_t context = std::min(tc.context, draft->config().context);
  TG_CHECK(o.prompt_len + o.new_tokens <= context,
           "--prompt-len {} + --new-tokens {} = {} is longer than the context of {} tokens", o.prompt_len,
           o.new_tokens, o.prompt_len + o.new_tokens, context);
  std::vector<std::vector<int64_t>> prompts = make_prompts(data::load_corpus(o.data).validation, o.prompts, o.prompt_len);

  std::shared_ptr<models::MedusaHeads> medusa;
  if (!o.medusa.empty()) medusa = models::load_medusa(o.medusa);
  std::shared_ptr<models::GPT> mtp_model;
  std::shared_ptr<models::MTPModule> mtp;
  if (!o.mtp.empty()) {
    mtp_model = models::load_gpt(o.mtp_model);
    mtp = models::load_mtp(o.mtp);
    TG_CHECK(mtp_model->config().context >= o.prompt_len + o.new_tokens,
             "the MTP model's context of {} is shorter than --prompt-len + --new-tokens = {}",
             mtp_model->config().context, o.prompt_len + o.new_tokens);
  }
  for (auto* m : {target.get(), draft.get(), mtp_model.get()})
    if (m) m->to(o.device);
  if (medusa) medusa->to(o.device);
  if (mtp) mtp->to(o.device);
  util::create_output_dir(o.out);
  const models::SamplingOptions sample{.temperature = o.temperature, .top_k = o.top_k, .top_p = o.top_p};
  const models::SamplingOptions greedy{.temperature = 0};
  const uint64_t seed = uint64_t(o.seed);
  std::signal(SIGINT, on_sigint);
  fmt::print("{} prompts of {} tokens, {} new tokens each, batch 1 on {}; sampling at temperature {}, top-k {}, "
             "top-p {}\n", prompts.size(), o.prompt_len, o.new_tokens, o.device.str(), o.temperature, o.top_k, o.top_p);

  std::vector<Method> methods;
  auto add = [&](const std::string& name, Decode decode) {
    methods.push_back({name, std::move(decode), Generator(seed), {}});
    return methods.size() - 1;
  };
  const size_t base_sample = add("target", plain(*target, o.new_tokens, sample));
  const size_t base_greedy = add("target greedy", plain(*target, o.new_tokens, greedy));
  std::vector<std::pair<size_t, size_t>> spec;  // (sampling, greedy) per gamma
  for (int64_t g : gammas)
    spec.emplace_back(add(fmt::format("speculative gamma {}", g),
                          [&, g](const std::vector<int64_t>& p, Generator& gen) {
                            return models::speculative_generate(*target, *draft, p, o.new_tokens, g, sample, gen);
                          }),
                      add(fmt::format("speculative greedy gamma {}", g),
                          [&, g](const std::vector<int64_t>& p, Generator& gen) {
                            return models::speculative_generate(*target, *draft, p, o.new_tokens, g, greedy, gen);
                          }));
  models::MedusaOptions medusa_greedy, medusa_typical;
  if (medusa) {
    medusa_greedy.tree = medusa_typical.tree = models::make_tree(medusa_tree(o, medusa->num_heads()));
    TG_CHECK(medusa_greedy.tree.max_depth() <= medusa->num_heads(), "the Medusa tree is {} deep but {} has {} heads; "
             "pass a shallower --tree-widths or --tree", medusa_greedy.tree.max_depth(), o.medusa, medusa->num_heads());
  }
  medusa_typical.acceptance = models::MedusaAcceptance::Typical;
  medusa_typical.temperature = o.typical_temperature;
  size_t medusa_g = 0, medusa_t = 0, mtp_base = 0, mtp_base_g = 0, mtp_s = 0, mtp_g = 0;
  if (medusa) {
    medusa_g = add("medusa greedy", [&](const std::vector<int64_t>& p, Generator& gen) {
      return models::medusa_generate(*target, *medusa, p, o.new_tokens, medusa_greedy, gen);
    });
    medusa_t = add("medusa typical", [&](const std::vector<int64_t>& p, Generator& gen) {
      return models::medusa_generate(*target, *medusa, p, o.new_tokens, medusa_typical, gen);
    });
  }
  if (mtp) {
    mtp_base = add("MTP model", plain(*mtp_model, o.new_tokens, sample));
    mtp_base_g = add("MTP model greedy", plain(*mtp_model, o.new_tokens, greedy));
    mtp_s = add("MTP", [&](const std::vector<int64_t>& p, Generator& gen) {
      return models::mtp_generate(*mtp_model, *mtp, p, o.new_tokens, sample, gen);
    });
    mtp_g = add("MTP greedy", [&](const std::vector<int64_t>& p, Generator& gen) {
      return models::mtp_generate(*mtp_model, *mtp, p, o.new_tokens, greedy, gen);
    });
  }
  run_interleaved(methods, prompts);
  auto run_of = [&](size_t i) -> const Run& { return methods[i].run; };

  std::vector<std::pair<std::string, double>> metrics;
  std::vector<std::string> lines;
  auto report = [&](const std::string& key, const std::string& label, const Run& r, const Run& base, int64_t gamma) {
    const double alpha = r.stats.acceptance_rate(), speedup = r.tokens_per_s() / base.tokens_per_s();
    std::string line = fmt::format("{:<34} {:8.1f} tok/s  {:5.2f}x", label, r.tokens_per_s(), speedup);
    metrics.insert(metrics.end(), {{key + "_tokens_per_s", r.tokens_per_s()}, {key + "_speedup", speedup}});
    if (r.stats.tested > 0) {
      line += fmt::format("  alpha {:.3f}  tokens/call {:.2f}", alpha, r.stats.tokens_per_call());
      metrics.insert(metrics.end(), {{key + "_alpha", alpha}, {key + "_tokens_per_call", r.stats.tokens_per_call()}});
      if (gamma > 0) {
        const double formula = models::expected_tokens_per_call(alpha, gamma);
        line += fmt::format(" (formula {:.2f})", formula);
        metrics.emplace_back(key + "_formula_tokens_per_call", formula);
      }
    }
    lines.push_back(line);
  };

  const Run& base = run_of(base_sample);
  const Run& base_g = run_of(base_greedy);
  report("target", fmt::format("target, temperature {}", o.temperature), base, base, 0);
  report("target_greedy", "target, greedy", base_g, base_g, 0);
  std::vector<double> xs, spec_speedup, spec_greedy_speedup;
  for (size_t i = 0; i < gammas.size(); ++i) {
    const int64_t g = gammas[i];
    const Run& r = run_of(spec[i].first);
    const Run& rg = run_of(spec[i].second);
    report(fmt::format("speculative_g{}", g), fmt::format("speculative gamma {}, temperature {}", g, o.temperature),
           r, base, g);
    report(fmt::format("speculative_greedy_g{}", g), fmt::format("speculative gamma {}, greedy", g), rg, base_g, g);
    const int same = count_equal(rg, base_g);
    lines.back() += fmt::format("  same text {}/{}", same, prompts.size());
    metrics.emplace_back(fmt::format("speculative_greedy_g{}_identical_prompts", g), same);
    xs.push_back(double(g));
    spec_speedup.push_back(r.tokens_per_s() / base.tokens_per_s());
    spec_greedy_speedup.push_back(rg.tokens_per_s() / base_g.tokens_per_s());
  }
  util::LineChart chart{.title = "speed-up over the target alone, batch 1",
                        .x_label = "gamma (draft tokens per target call)", .y_label = "speed-up (x)"};
  chart.series.push_back({fmt::format("speculative sampling, T = {}", o.temperature), xs, spec_speedup,
                          util::series_color(0)});
  chart.series.push_back({"speculative, greedy", xs, spec_greedy_speedup, util::series_color(1)});
  auto flat = [&](const std::string& name, double y, size_t color) {
    chart.series.push_back({name, {xs.front(), xs.back()}, {y, y}, util::series_color(color), false, true});
  };
  if (medusa) {
    const Run& rg = run_of(medusa_g);
    const Run& rt = run_of(medusa_t);
    report("medusa_greedy",
           fmt::format("Medusa {} heads, tree {}, greedy", medusa->num_heads(), medusa_greedy.tree.size()), rg, base_g,
           0);
    const int same = count_equal(rg, base_g);
    lines.back() += fmt::format("  same text {}/{}", same, prompts.size());
    metrics.emplace_back("medusa_greedy_identical_prompts", same);
    report("medusa_typical", fmt::format("Medusa typical, temperature {}", o.typical_temperature), rt, base, 0);
    flat("Medusa, greedy", rg.tokens_per_s() / base_g.tokens_per_s(), 2);
    flat("Medusa, typical", rt.tokens_per_s() / base.tokens_per_s(), 3);
  }
  if (mtp) {
    const Run& mb = run_of(mtp_base);
    const Run& mbg = run_of(mtp_base_g);
    const Run& r = run_of(mtp_s);
    const Run& rg = run_of(mtp_g);
    report("mtp_model", fmt::format("MTP-trained model alone, T = {}", o.temperature), mb, mb, 0);
    report("mtp_model_greedy", "MTP-trained model alone, greedy", mbg, mbg, 0);
    report("mtp", fmt::format("MTP self-speculative, T = {}", o.temperature), r, mb, 1);
    report("mtp_greedy", "MTP self-speculative, greedy", rg, mbg, 1);
    const int same = count_equal(rg, mbg);
    lines.back() += fmt::format("  same text {}/{}", same, prompts.size());
    metrics.emplace_back("mtp_greedy_identical_prompts", same);
    lines.push_back(fmt::format("MTP second-token acceptance: {:.1f}% greedy, {:.1f}% at T = {} "
                                "(DeepSeek-V3 reports 85-90%)", 100 * rg.stats.acceptance_rate(),
                                100 * r.stats.acceptance_rate(), o.temperature));
    flat("MTP, greedy", rg.tokens_per_s() / mbg.tokens_per_s(), 4);
  }
  for (const auto& line : lines) fmt::print("{}\n", line);
  chart.write_png(o.out + "/speedup.png");
  metrics.insert(metrics.begin(), {{"prompts", double(prompts.size())}, {"new_tokens", double(o.new_tokens)},
                                   {"temperature", o.temperature}});
  util::write_metrics_json(o.out + "/metrics.json", metrics);
  std::string samples;
  for (size_t i = 0; i < prompts.size(); ++i)
    samples += fmt::format("--- prompt {}\n{}\n--- target, greedy\n{}\n", i, data::decode(prompts[i]),
                           data::decode(base_g.outputs[i]));
  write_file_atomically(o.out + "/samples.txt", samples);
  fmt::print("wrote {}/speedup.png, metrics.json, samples.txt\n", o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("speculative_decoding",
                       "Decode with a target GPT alone, with speculative sampling, Medusa heads and MTP, and compare.");
  args.add("target", &o.target, "target GPT checkpoint (examples/train_lm)");
  args.add("draft", &o.draft, "draft GPT checkpoint with the target's vocabulary (examples/train_lm)");
  args.add("medusa", &o.medusa, "Medusa heads for the target (examples/train_medusa); \"\" skips Medusa");
  args.add("mtp-model", &o.mtp_model, "GPT trained with an MTP module (examples/train_mtp)");
  args.add("mtp", &o.mtp, "its MTP module (examples/train_mtp); \"\" skips MTP");
  args.add("data", &o.data, "UTF-8 text whose validation part gives the prompts (default: the fortunes)");
  args.add("prompts", &o.prompts, "prompts, each decoded by every method");
  args.add("prompt-len", &o.prompt_len, "tokens (bytes) per prompt");
  args.add("new-tokens", &o.new_tokens, "tokens generated per prompt");
  args.add("gammas", &o.gammas, "draft lengths of speculative sampling, comma-separated");
  args.add("temperature", &o.temperature, "sampling temperature of the target (and draft)");
  args.add("top-k", &o.top_k, "sample among the k most likely tokens (0: all)");
  args.add("top-p", &o.top_p, "nucleus sampling mass, in (0, 1]");
  args.add("tree", &o.tree, "Medusa tree: the first N choices of mc_sim_7b_63, N in [1, 63] (0: --tree-widths)");
  args.add("tree-widths", &o.tree_widths, "Medusa tree: every path keeping the top W_d tokens of head d, "
           "W_1,...,W_K (empty: 1 per head, each head's best guess in a chain)");
  args.add("typical-temperature", &o.typical_temperature, "temperature of Medusa's typical acceptance");
  args.add("seed", &o.seed, "seed of the sampling");
  args.add("out", &o.out, "output folder (chart, metrics)");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (!(o.top_p > 0 && o.top_p <= 1)) return args.error(fmt::format("--top-p must be in (0, 1], got {}", o.top_p));
  if (!(o.temperature > 0)) return args.error(fmt::format("--temperature must be positive, got {}", o.temperature));
  if (!(o.typical_temperature > 0))
    return args.error(fmt::format("--typical-temperature must be positive, got {}", o.typical_temperature));
  if (o.top_k < 0) return args.error(fmt::format("--top-k must be >= 0, got {}", o.top_k));
  if (o.prompts < 1 || o.prompts > 1000) return args.error(fmt::format("--prompts must be in [1, 1000], got {}", o.prompts));
  if (o.prompt_len < 1) return args.error(fmt::format("--prompt-len must be >= 1, got {}", o.prompt_len));
  if (o.new_tokens < 1) return args.error(fmt::format("--new-tokens must be >= 1, got {}", o.new_tokens));
  if (o.tree < 0 || o.tree > 63) return args.error(fmt::format("--tree must be in [0, 63], got {}", o.tree));
  if (o.tree > 0 && !o.tree_widths.empty()) return args.error("give --tree or --tree-widths, not both");
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (o.out.empty()) return args.error("--out must name a folder");
  try {
    parse_gammas(o.gammas);
    medusa_tree(o, 1);
  } catch (const Error& e) {
    return args.error(e.what());
  }
  return args.run_reporting_errors([&] { return run(o); });
}
