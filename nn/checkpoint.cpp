// Checkpoint files: model and optimizer state dicts under prefixes in one safetensors file.
#include "nn/checkpoint.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "autograd/grad_mode.h"
#include "nn/safetensors.h"

namespace tg::nn {
namespace {

constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optim.";

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

void save_checkpoint(const std::string& path, const Module& model, const Optimizer& optimizer,
                     const Metadata& metadata) {
  NamedTensors tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : optimizer.state_dict()) tensors.emplace_back(kOptimPrefix + name, t);
  save_safetensors(path, tensors, metadata);
}

Metadata load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer) {
  SafetensorsFile file = load_safetensors(path);
  StateDict model_state, optim_state;
  for (const auto& [name, t] : file.tensors) {
    if (starts_with(name, kModelPrefix)) model_state.insert(name.substr(std::strlen(kModelPrefix)), t);
    else if (starts_with(name, kOptimPrefix)) optim_state.insert(name.substr(std::strlen(kOptimPrefix)), t);
    else fail("load_checkpoint: {} holds '{}', which is neither 'model.*' nor 'optim.*'", path, name);
  }
  NoGradGuard no_grad;
  StateDict backup;  // the model's values before loading, restored if the optimizer's state is bad
  for (const auto& [name, t] : model.state_dict()) backup.insert(name, t.clone());
  try {
    model.load_state_dict(model_state);
    optimizer.load_state_dict(optim_state);
  } catch (const Error& e) {
    model.load_state_dict(backup);
    fail("load_checkpoint: {} does not fit this model and optimizer: {}", path, e.what());
  }
  return file.metadata;
}

const std::string& metadata_at(const Metadata& metadata, const std::string& key, const std::string& path) {
  auto it = metadata.find(key);
  TG_CHECK(it != metadata.end(), "checkpoint {} has no metadata entry '{}'", path, key);
  return it->second;
}

int64_t metadata_int(const Metadata& metadata, const std::string& key, const std::string& path, int64_t lo,
                     int64_t hi) {
  const std::string& text = metadata_at(metadata, key, path);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  TG_CHECK(ec == std::errc() && end == text.data() + text.size() && !text.empty(),
           "checkpoint {}: metadata '{}' is '{}', not an integer", path, key, text);
  TG_CHECK(v >= lo && v <= hi, "checkpoint {}: metadata '{}' is {}, outside [{}, {}]", path, key, v, lo, hi);
  return v;
}

namespace {
double parse_double(const std::string& text, const std::string& key, const std::string& path) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  TG_CHECK(ec == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(v),
           "checkpoint {}: metadata '{}' holds '{}', not a finite number", path, key, text);
  return v;
}
}  // namespace

double metadata_double(const Metadata& metadata, const std::string& key, const std::string& path) {
  return parse_double(metadata_at(metadata, key, path), key, path);
}

std::vector<double> metadata_doubles(const Metadata& metadata, const std::string& key, const std::string& path) {
  const std::string& s = metadata_at(metadata, key, path);
  std::vector<double> v;
  if (s.empty()) return v;
  for (size_t begin = 0;;) {
    size_t end = std::min(s.find(',', begin), s.size());
    v.push_back(parse_double(s.substr(begin, end - begin), key, path));
    if (end == s.size()) return v;
    begin = end + 1;
  }
}

}  // namespace tg::nn
