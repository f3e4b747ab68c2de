// StateDict: an insertion-ordered name -> Tensor map, what Module::state_dict and
// Optimizer::state_dict return and what checkpoints store; and copy_, which writes values into
// an existing tensor's storage (how loading a state dict changes parameters in place).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace tg::nn {

class StateDict {
 public:
  using Entry = std::pair<std::string, Tensor>;

  // Appends `name`; throws tg::Error if it is already present.
  void insert(const std::string& name, const Tensor& value);
  // Replaces the value under `name`, or appends it when absent.
  void set(const std::string& name, const Tensor& value);
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  // The tensor stored under `name`; throws tg::Error naming the key when it is absent.
  const Tensor& at(const std::string& name) const;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<std::string> keys() const;
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
  std::map<std::string, size_t> index_;
};

// dst's values = src's values, written into dst's own storage (no autograd, any devices).
// Shapes and dtypes must match exactly; `what` names the caller in errors.
void copy_(const Tensor& dst, const Tensor& src, const std::string& what = "copy_");

}  // namespace tg::nn
