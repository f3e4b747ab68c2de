// StateDict and copy_ (see state_dict.h).
#include "nn/state_dict.h"

#include "core/backend.h"

namespace tg::nn {

void StateDict::insert(const std::string& name, const Tensor& value) {
  TG_CHECK(index_.emplace(name, entries_.size()).second, "StateDict: key '{}' inserted twice", name);
  entries_.emplace_back(name, value);
}

void StateDict::set(const std::string& name, const Tensor& value) {
  auto it = index_.find(name);
  if (it == index_.end()) insert(name, value);
  else entries_[it->second].second = value;
}

const Tensor& StateDict::at(const std::string& name) const {
  auto it = index_.find(name);
  TG_CHECK(it != index_.end(), "StateDict: no key '{}' (it has {} keys)", name, entries_.size());
  return entries_[it->second].second;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.first);
  return out;
}

void copy_(const Tensor& dst, const Tensor& src, const std::string& what) {
  TG_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype(), "{}: cannot copy {} into {}", what,
           describe(src), describe(dst));
  if (dst.data() == src.data() || dst.numel() == 0) return;
  dst.bump_version();
  if (dst.device() == src.device())
    backend(dst.device()).copy(dst.data(), src.data(), dst.nbytes());
  else if (dst.device().is_cpu())
    backend(src.device()).copy_to_host(dst.data(), src.data(), dst.nbytes());
  else if (src.device().is_cpu())
    backend(dst.device()).copy_from_host(dst.data(), src.data(), dst.nbytes());
  else
    copy_(dst, src.detach().to(Device::cpu), what);  // between two accelerators: through the host
}

}  // namespace tg::nn
