// The byte-level GPT (see gpt.h): blocks, embeddings, the tied head, the per-layer caches and the
// safetensors save/load with the config in the metadata.
#include "models/gpt/gpt.h"

#include <cmath>

#include "autograd/ops.h"
#include "core/creation.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/safetensors.h"

namespace tg::models {
namespace {

constexpr double kInitStd = 0.02;  // GPT-2's

int64_t positive_key(const std::map<std::string, std::string>& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  TG_CHECK(it != m.end(), "load_gpt: {} has no '{}' in its metadata (not a GPT checkpoint?)", path, key);
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  TG_CHECK(used == it->second.size() && v > 0, "load_gpt: {} has '{}' = '{}', not a positive integer", path, key,
           it->second);
  return v;
}

}  // namespace

std::string GPTConfig::str() const {
  return fmt::format("vocab {}, context {}, embed {}, layers {}, heads {}", vocab, context, embed, layers, heads);
}

std::map<std::string, std::string> GPTConfig::metadata() const {
  return {{"gpt.vocab", std::to_string(vocab)},   {"gpt.context", std::to_string(context)},
          {"gpt.embed", std::to_string(embed)},   {"gpt.layers", std::to_string(layers)},
          {"gpt.heads", std::to_string(heads)}};
}

GPTConfig GPTConfig::from_metadata(const std::map<std::string, std::string>& m, const std::string& path) {
  return {.vocab = positive_key(m, "gpt.vocab", path), .context = positive_key(m, "gpt.context", path),
          .embed = positive_key(m, "gpt.embed", path), .layers = positive_key(m, "gpt.layers", path),
          .heads = positive_key(m, "gpt.heads", path)};
}

GPTCache::GPTCache(const GPTConfig& config) : layers_(size_t(config.layers), nn::KVCache(config.context)) {}

void GPTCache::truncate(int64_t length) {
  for (auto& c : layers_) c.truncate(length);
}

void GPTCache::keep(int64_t prefix, const std::vector<int64_t>& positions) {
  for (auto& c : layers_) c.keep(prefix, positions);
}

GPTBlock::GPTBlock(const GPTConfig& c, Generator& gen) {
  const double residual_std = kInitStd / std::sqrt(2.0 * double(c.layers));
  norm1 = register_module("norm1", std::make_shared<nn::RMSNorm>(c.embed));
  attn = register_module("attn", std::make_shared<nn::MultiHeadAttention>(c.embed, c.heads, /*bias=*/false, gen));
  norm2 = register_module("norm2", std::make_shared<nn::RMSNorm>(c.embed));
  mlp = register_module("mlp", std::make_shared<nn::MLP>(std::vector<int64_t>{c.embed, 4 * c.embed, c.embed},
                                                         nn::Activation::Silu, /*bias=*/false, gen));
  nn::init::normal_(attn->in_proj_weight, gen, 0, kInitStd);
  nn::init::normal_(attn->out_proj->weight, gen, 0, residual_std);
  nn::init::normal_(mlp->layers[0]->weight, gen, 0, kInitStd);
  nn::init::normal_(mlp->layers[1]->weight, gen, 0, residual_std);
}

Tensor GPTBlock::forward(const Tensor& x, nn::KVCache* cache, const Tensor& attn_mask) const {
  const bool causal = !attn_mask.defined();
  Tensor h = add(x, attn->forward(norm1->forward(x), causal, cache, attn_mask, MaskKind::Keep));
  return add(h, mlp->forward(norm2->forward(h)));
}

GPT::GPT(GPTConfig config, Generator& gen) : config_(config) {
  const auto& c = config_;
  TG_CHECK(c.vocab > 0 && c.context > 0 && c.layers > 0 && c.heads > 0 && c.embed > 0 && c.embed % c.heads == 0,
           "GPT: sizes must be positive and embed a multiple of heads, got {}", c.str());
  tok_emb = register_module("tok_emb", std::make_shared<nn::Embedding>(c.vocab, c.embed, gen));
  pos_emb = register_module("pos_emb", std::make_shared<nn::Embedding>(c.context, c.embed, gen));
  nn::init::normal_(tok_emb->weight, gen, 0, kInitStd);
  nn::init::normal_(pos_emb->weight, gen, 0, kInitStd);
  auto list = register_module("blocks", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < c.layers; ++i) blocks.push_back(list->push_back(std::make_shared<GPTBlock>(c, gen)));
  norm_f = register_module("norm_f", std::make_shared<nn::RMSNorm>(c.embed));
}

int64_t GPT::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

Tensor GPT::embed_tokens(const Tensor& tokens) const {
  TG_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::i64, "GPT: tokens {} must be (B, T) i64", describe(tokens));
  return tok_emb->forward(tokens);
}

Tensor GPT::hidden(const Tensor& tokens, GPTCache* cache, const Tensor& positions, const Tensor& attn_mask) const {
  Tensor x = embed_tokens(tokens);  // (B, T, E)
  const int64_t T = tokens.size(1), past = cache ? cache->length() : 0;
  TG_CHECK(past + T <= config_.context, "GPT: {} cached + {} new positions exceed the context of {}", past, T,
           config_.context);
  Tensor pos = positions;
  if (!pos.defined()) {
    pos = arange(double(past), double(past + T), 1.0, {.dtype = DType::i64, .device = tokens.device()});
  } else {
    TG_CHECK(pos.dim() == 1 && pos.size(0) == T && pos.dtype() == DType::i64,
             "GPT: positions {} must be ({}) i64, one per token", describe(pos), T);
  }
  x = add(x, pos_emb->forward(pos));  // (B, T, E) + (T, E); an out-of-range position is an index error
  if (attn_mask.defined())
    TG_CHECK(attn_mask.dim() == 2 && attn_mask.size(0) == T && attn_mask.size(1) == past + T,
             "GPT: attn_mask {} must be (T, cached + T) = ({}, {})", describe(attn_mask), T, past + T);
  for (size_t i = 0; i < blocks.size(); ++i) x = blocks[i]->forward(x, cache ? &cache->layer(i) : nullptr, attn_mask);
  return norm_f->forward(x);
}

Tensor GPT::logits(const Tensor& h) const {
  TG_CHECK(h.dim() == 3 && h.size(2) == config_.embed, "GPT::logits: h {} must be (B, T, {})", describe(h),
           config_.embed);
  const int64_t B = h.size(0), T = h.size(1);
  Tensor out = matmul(reshape(h, {B * T, config_.embed}), tok_emb->weight, false, /*trans_b=*/true);  // h E^T
  return reshape(out, {B, T, config_.vocab});
}

Tensor GPT::last_logits(const Tensor& h) const { return logits(slice(h, 1, h.size(1) - 1, h.size(1))); }

Tensor GPT::loss(const Tensor& inputs, const Tensor& targets) const {
  TG_CHECK(targets.shape() == inputs.shape(), "GPT::loss: targets {} must match inputs {}", describe(targets),
           describe(inputs));
  Tensor l = forward(inputs);
  return cross_entropy(reshape(l, {l.size(0) * l.size(1), config_.vocab}), reshape(targets, {targets.numel()}));
}

void save_gpt(const std::string& path, const GPT& model, const std::map<std::string, std::string>& metadata) {
  auto meta = metadata;
  for (const auto& [k, v] : model.config().metadata()) meta[k] = v;
  NamedTensors tensors;
  for (const auto& [name, p] : model.named_parameters()) tensors.emplace_back(name, p.to(Device::cpu));
  save_safetensors(path, tensors, meta);
}

std::shared_ptr<GPT> load_gpt(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  auto model = std::make_shared<GPT>(GPTConfig::from_metadata(file.metadata, path));
  // A training checkpoint (nn::save_checkpoint: "model.<name>" and "optim.*") loads too.
  bool checkpoint = false;
  for (const auto& [name, t] : file.tensors) checkpoint = checkpoint || name.rfind("model.", 0) == 0;
  nn::StateDict state;
  for (const auto& [name, t] : file.tensors)
    if (!checkpoint) state.insert(name, t);
    else if (name.rfind("model.", 0) == 0) state.insert(name.substr(6), t);
  model->load_state_dict(state);
  return model;
}

}  // namespace tg::models
