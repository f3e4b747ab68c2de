// What speculative decoding's speed-up is made of, batch 1: the time of one cached forward pass of
// k tokens (k = 1..9) after a 64-token prefix, for the target and the draft presets, relative to
// the target's one-token pass. With draft cost c = draft(1) / target(1) and verification cost
// v(k) = target(k) / target(1), gamma drafts and acceptance rate alpha give the speed-up
//   S = (1 - alpha^(gamma+1)) / (1 - alpha) / (gamma c + v(gamma + 1)).
//   build/bench_lm_verify [--reps N] [--out DIR]
#include "bench/bench_util.h"
#include "models/gpt/gpt.h"
#include "tapegrad.h"

namespace {

// Median ms of a k-token pass (logits for all k rows) over a cache holding `past` positions.
double pass_ms(const tg::models::GPT& model, int64_t past, int64_t k, int reps) {
  tg::NoGradGuard no_grad;
  tg::models::GPTCache cache(model.config());
  std::vector<double> prefix(size_t(past), 'a'), fed(size_t(k), 'b');
  model.hidden(tg::tensor(prefix, {1, past}, {.dtype = tg::DType::i64}), &cache);
  const tg::Tensor tokens = tg::tensor(fed, {1, k}, {.dtype = tg::DType::i64});
  return bench::median_ms(3, reps, [&] {
    model.forward(tokens, &cache);
    cache.truncate(past);
  });
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_lm_verify: cost of a k-token cached GPT pass");
  const int reps = flags.reps > 0 ? flags.reps : 200;
  const int64_t past = 64;
  tg::Generator gen(0);
  tg::models::GPT target(tg::models::GPTConfig::target(), gen), draft(tg::models::GPTConfig::draft(), gen);
  const double one = pass_ms(target, past, 1, reps);
  std::vector<std::pair<std::string, double>> metrics = {{"target_1_token_ms", one}};
  for (int64_t k = 2; k <= 9; ++k) metrics.push_back({fmt::format("target_{}_tokens_rel", k), pass_ms(target, past, k, reps) / one});
  metrics.push_back({"draft_1_token_rel", pass_ms(draft, past, 1, reps) / one});
  bench::write_metrics(flags.out, metrics);
  return 0;
}
