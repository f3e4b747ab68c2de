// Writes what bench/lm_same_model.py needs to check that bench/lm_torch.py is the same model as
// models/gpt: a freshly initialised GPT (--model target or draft, seed 0, context 256) as
// OUT/lm_init.safetensors, and its loss and every parameter's gradient on the first 8 validation
// windows of the fortunes corpus as OUT/lm_grad.safetensors.
//   build/bench_lm_grads [--out DIR] (default: the current folder); TG_LM_MODEL=draft for the draft
#include <cstdlib>
#include <string>

#include "bench/bench_util.h"
#include "data/text.h"
#include "models/gpt/gpt.h"
#include "nn/safetensors.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_lm_grads: a GPT's weights, loss and gradients");
  const std::string out = flags.out.empty() ? "." : flags.out;
  const char* which = std::getenv("TG_LM_MODEL");
  tg::Generator gen(0);
  tg::models::GPT model(which && std::string(which) == "draft" ? tg::models::GPTConfig::draft()
                                                                : tg::models::GPTConfig::target(),
                        gen);
  std::filesystem::create_directories(out);
  tg::models::save_gpt(out + "/lm_init.safetensors", model);
  tg::data::TextCorpus corpus = tg::data::load_fortunes();
  tg::data::TextWindows w = tg::data::make_windows(tg::data::encode(corpus.validation), 256, "validation");
  tg::Tensor loss = model.loss(tg::slice(w.inputs, 0, 0, 8), tg::slice(w.targets, 0, 0, 8));
  loss.backward();
  tg::NamedTensors grads;
  for (const auto& [name, p] : model.named_parameters()) grads.emplace_back(name, p.grad());
  tg::save_safetensors(out + "/lm_grad.safetensors", grads, {{"loss", fmt::format("{}", loss.item<double>())}});
  bench::write_metrics("", {{"loss", loss.item<double>()}});
  return 0;
}
