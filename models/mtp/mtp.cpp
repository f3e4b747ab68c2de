// The MTP module, its joint training loss and self-speculative decoding with it. Between decoding
// steps: the model's KV cache holds seq (prompt and emitted tokens); r, the model's next token, is
// not in it yet; the module's cache holds one entry per position i < seq.size() (h_i with t_{i+1},
// where t_n = r), so it never needs rolling back; d is its guess for the token after r.
#include "models/mtp/mtp.h"

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"
#include "nn/safetensors.h"

namespace tg::models {

MTPModule::MTPModule(const GPTConfig& config, Generator& gen) : config(config) {
  const int64_t E = config.embed;
  norm_h = register_module("norm_h", std::make_shared<nn::RMSNorm>(E));
  norm_e = register_module("norm_e", std::make_shared<nn::RMSNorm>(E));
  proj = register_module("proj", std::make_shared<nn::Linear>(2 * E, E, false, gen));
  block = register_module("block", std::make_shared<GPTBlock>(config, gen));
  norm_out = register_module("norm_out", std::make_shared<nn::RMSNorm>(E));
}

Tensor MTPModule::forward(const Tensor& h, const Tensor& next_emb, nn::KVCache* cache) const {
  Tensor x = (*proj)(cat({(*norm_h)(h), (*norm_e)(next_emb)}, -1));
  return norm_out->forward(block->forward(x, cache, Tensor()));  // no mask: causal
}

MTPLoss mtp_loss(const GPT& model, const MTPModule& mtp, const Tensor& inputs, const Tensor& targets, double lambda) {
  TG_CHECK(inputs.dim() == 2 && targets.shape() == inputs.shape() && inputs.size(1) >= 2,
           "mtp_loss: inputs {:h} and targets {:h} must both be (B, T) with T >= 2", inputs, targets);
  const int64_t T = inputs.size(1), V = model.config().vocab;
  Tensor h = model.hidden(inputs);  // (B, T, E)
  MTPLoss out;
  out.main = cross_entropy(reshape(model.logits(h), {-1, V}), reshape(targets, {-1}));
  // position i in [0, T - 1): h_i and Emb(t_{i+1}) guess t_{i+2}
  Tensor f = mtp.forward(slice(h, 1, 0, T - 1), model.embed_tokens(slice(targets, 1, 0, T - 1)));
  Tensor logits = reshape(model.logits(f), {-1, V}), y = reshape(slice(targets, 1, 1, T), {-1});
  out.mtp = cross_entropy(logits, y);
  out.loss = out.main + out.mtp * lambda;
  NoGradGuard no_grad;
  out.mtp_accuracy = mean(eq(argmax(logits, 1), y).to(DType::f32)).item<double>();
  return out;
}

void save_mtp(const std::string& path, const MTPModule& mtp) {
  NamedTensors tensors;
  for (const auto& [name, t] : mtp.named_parameters()) tensors.emplace_back(name, t.to(Device::cpu));
  save_safetensors(path, tensors, mtp.config.metadata());
}

std::shared_ptr<MTPModule> load_mtp(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  Generator gen(0);
  auto mtp = std::make_shared<MTPModule>(GPTConfig::from_metadata(file.metadata, path), gen);
  nn::StateDict state;
  for (const auto& [name, t] : file.tensors) state.insert(name, t);
  mtp->load_state_dict(state);
  return mtp;
}

Generation mtp_generate(const GPT& model, const MTPModule& mtp, const std::vector<int64_t>& prompt, int64_t n_new,
                        const SamplingOptions& opts, Generator& gen) {
  const GPTConfig& cfg = model.config();
  check_generation("mtp_generate", prompt, n_new, cfg.vocab, cfg.context, opts);
  TG_CHECK(mtp.config == cfg, "mtp_generate: the module was made for a model with {}, not {}", mtp.config.str(),
           cfg.str());
  NoGradGuard no_grad;
  GPTCache cache(cfg);
  nn::KVCache mtp_cache(cfg.context);
  const Device device = model.tok_emb->weight.device();
  Generation out;
  std::vector<int64_t> seq = prompt;
  const size_t end = prompt.size() + size_t(n_new);
  // prefill: h over the prompt gives r; the module reads (h_i, t_{i+1}) for every prompt position
  Tensor h = model.hidden(token_batch(seq, device), &cache);
  int64_t r = sample_from(next_distribution(position_row(model.last_logits(h), 0), opts), gen);
  std::vector<int64_t> next(seq.begin() + 1, seq.end());
  next.push_back(r);
  Tensor f = mtp.forward(h, model.embed_tokens(token_batch(next, device)), &mtp_cache);
  Distribution q = next_distribution(position_row(model.last_logits(f), 0), opts);
  int64_t d = sample_from(q, gen);
  while (seq.size() + 1 < end) {
    const int64_t n = int64_t(seq.size());
    h = model.hidden(token_batch({r, d}, device), &cache);  // positions n, n + 1
    Tensor logits = model.logits(h);
    ++out.stats.target_calls;
    Verification v = verify_draft(
        {next_distribution(position_row(logits, 0), opts), next_distribution(position_row(logits, 1), opts)}, {q},
        {d}, gen);
    ++out.stats.tested;
    out.stats.accepted += v.accepted;
    seq.push_back(r);
    if (v.accepted) seq.push_back(d);
    r = v.tokens.back();  // the bonus token, or the replacement of d
    cache.truncate(n + 1 + v.accepted);
    // the module's new positions: n (h_n, t_{n+1}) and, after an acceptance, n + 1 (h_{n+1}, r)
    std::vector<int64_t> upcoming = v.accepted ? std::vector<int64_t>{d, r} : std::vector<int64_t>{r};
    f = mtp.forward(slice(h, 1, 0, 1 + v.accepted), model.embed_tokens(token_batch(upcoming, device)), &mtp_cache);
    q = next_distribution(position_row(model.last_logits(f), 0), opts);
    d = sample_from(q, gen);
  }
  if (seq.size() < end) seq.push_back(r);  // the last token is known without another pass
  seq.resize(end);
  out.tokens.assign(seq.begin() + int64_t(prompt.size()), seq.end());
  out.stats.new_tokens = int64_t(out.tokens.size());
  return out;
}

}  // namespace tg::models
