// Batch-1 decoding speed of the byte-level GPT (models/gpt): generate() with the KV cache, greedy,
// a 16-byte prompt and 200 new tokens, for the target and the draft presets at context 256, and
// the same tokens scored by full recomputation for comparison (one pass over the prefix per token).
//   build/bench_lm_decode [--reps N] [--out DIR]
#include <chrono>

#include "bench/bench_util.h"
#include "models/gpt/sampling.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_lm_decode: GPT batch-1 decoding tokens/s");
  const int64_t n_new = 200;
  std::vector<std::pair<std::string, double>> metrics;
  for (auto [name, config] : {std::pair{"target", tg::models::GPTConfig::target()}, {"draft", tg::models::GPTConfig::draft()}}) {
    tg::Generator gen(0);
    tg::models::GPT model(config, gen);
    std::vector<int64_t> prompt(16, 'a');
    double ms = bench::median_ms(1, flags.reps > 0 ? flags.reps : 3,
                                 [&] { tg::models::generate(model, prompt, n_new, {.temperature = 0}, gen); });
    metrics.push_back({std::string(name) + "_cached_tokens_per_s", 1e3 * double(n_new) / ms});
    // full recomputation: every step runs the whole prefix through the model again
    tg::NoGradGuard no_grad;
    std::vector<double> seq(prompt.begin(), prompt.end());
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < 50; ++i) {
      tg::Tensor l = model(tg::tensor(seq, {1, int64_t(seq.size())}, {.dtype = tg::DType::i64}));
      seq.push_back(0);
    }
    double full_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    metrics.push_back({std::string(name) + "_full_recompute_tokens_per_s", 1e3 * 50 / full_ms});
  }
  bench::write_metrics(flags.out, metrics);
  return 0;
}
