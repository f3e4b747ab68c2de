// Checkpoint files: model and optimizer state dicts under prefixes in one safetensors file.
#include "nn/checkpoint.h"

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

}  // namespace tg::nn
