// Training checkpoints: a model's state_dict, its optimizer's state and a string map of run
// metadata (epoch, step, RNG state, ...) in one safetensors file, so PyTorch and HF tools can
// read it. Tensor names are "model.<param>" and "optim.state.<i>.<name>". The file is written
// to a temporary name and renamed; loading checks everything before it changes anything.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/optim.h"

namespace tg::nn {

using Metadata = std::map<std::string, std::string>;

void save_checkpoint(const std::string& path, const Module& model, const Optimizer& optimizer,
                     const Metadata& metadata = {});

// Loads `path` into model and optimizer and returns its metadata. On any error (a missing or
// corrupt file, an unknown name, a shape or dtype that does not match) it throws tg::Error
// naming the file and the problem, and leaves model and optimizer as they were.
Metadata load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer);

// The metadata value under `key`; throws tg::Error naming the file when it is absent.
const std::string& metadata_at(const Metadata& metadata, const std::string& key, const std::string& path);
// The value under `key` read as a number: an integer in [lo, hi], a finite double, or a
// comma-separated list of finite doubles ("" is the empty list). Anything else (absent, not a
// number, trailing text, out of range) throws tg::Error naming the key, the value and the file.
int64_t metadata_int(const Metadata& metadata, const std::string& key, const std::string& path, int64_t lo,
                     int64_t hi);
double metadata_double(const Metadata& metadata, const std::string& key, const std::string& path);
std::vector<double> metadata_doubles(const Metadata& metadata, const std::string& key, const std::string& path);

}  // namespace tg::nn
