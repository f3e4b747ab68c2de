// KV cache storage (see kv_cache.h): rows are copied with the backend's strided copy, so the cache
// works on every device.
#include "nn/kv_cache.h"

#include <algorithm>

#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/kernel_plan.h"

namespace tg::nn {
namespace {

// dst[:, :, dst_row + r, :] = src[:, :, src_row + r, :] for r < rows; dst and src are (B, H, *, D).
void copy_rows(const Tensor& dst, int64_t dst_row, const Tensor& src, int64_t src_row, int64_t rows) {
  const int64_t BH = src.size(0) * src.size(1), D = src.size(3);
  if (rows == 0 || BH * D == 0) return;
  const Shape shape{BH, rows, D};
  CopyPlan plan = make_copy_plan(shape, {dst.size(2) * D, D, 1}, {src.size(2) * D, D, 1});
  const size_t item = dtype_size(src.dtype());
  char* out = static_cast<char*>(dst.data()) + size_t(dst_row * D) * item;
  const char* in = static_cast<const char*>(src.data()) + size_t(src_row * D) * item;
  backend(dst.device()).copy_strided(dst.dtype(), out, in, plan);
  dst.bump_version();
}

}  // namespace

void KVCache::grow(const Tensor& like, int64_t rows) {
  int64_t cap = std::max({rows, reserved_, k_.defined() ? 2 * k_.size(2) : int64_t(64)});
  Shape shape{like.size(0), like.size(1), cap, like.size(3)};
  Tensor k = Tensor::empty(shape, like.dtype(), like.device()), v = Tensor::empty(shape, like.dtype(), like.device());
  if (k_.defined()) {
    copy_rows(k, 0, k_, 0, length_);
    copy_rows(v, 0, v_, 0, length_);
  }
  k_ = k;
  v_ = v;
}

void KVCache::append(const Tensor& k, const Tensor& v) {
  TG_CHECK(k.dim() == 4 && k.shape() == v.shape() && k.dtype() == v.dtype() && k.device() == v.device(),
           "KVCache::append: k {} and v {} must be (B, H, T, D) alike", describe(k), describe(v));
  if (k_.defined() && length_ > 0)
    TG_CHECK(k.size(0) == k_.size(0) && k.size(1) == k_.size(1) && k.size(3) == k_.size(3) &&
                 k.dtype() == k_.dtype() && k.device() == k_.device(),
             "KVCache::append: the cache holds {} (B, H, capacity, D); new keys {} do not match (batch of {})",
             describe(k_), describe(k), k.size(0));
  const int64_t T = k.size(2);
  const bool fits = k_.defined() && k_.size(0) == k.size(0) && k_.size(1) == k.size(1) && k_.size(3) == k.size(3) &&
                    k_.dtype() == k.dtype() && k_.device() == k.device() && length_ + T <= k_.size(2);
  if (!fits) {
    if (length_ == 0) k_ = v_ = Tensor();  // a new shape: start over
    grow(k, length_ + T);
  }
  copy_rows(k_, length_, k, 0, T);
  copy_rows(v_, length_, v, 0, T);
  length_ += T;
}

void KVCache::truncate(int64_t length) {
  TG_CHECK(0 <= length && length <= length_, "KVCache::truncate: length {} is outside [0, {}]", length, length_);
  length_ = length;
}

void KVCache::keep(int64_t prefix, const std::vector<int64_t>& positions) {
  TG_CHECK(0 <= prefix && prefix <= length_, "KVCache::keep: prefix {} is outside [0, {}]", prefix, length_);
  for (size_t i = 0; i < positions.size(); ++i)
    TG_CHECK(positions[i] >= prefix && positions[i] < length_ && (i == 0 || positions[i] > positions[i - 1]),
             "KVCache::keep: positions must increase within [{}, {}), got {} at index {}", prefix, length_,
             positions[i], i);
  // Row positions[i] moves down to prefix + i <= positions[i]; in increasing order no row is
  // overwritten before it has moved.
  for (size_t i = 0; i < positions.size(); ++i) {
    const int64_t to = prefix + int64_t(i);
    if (positions[i] == to) continue;
    copy_rows(k_, to, k_, positions[i], 1);
    copy_rows(v_, to, v_, positions[i], 1);
  }
  length_ = prefix + int64_t(positions.size());
}

Tensor KVCache::keys() const { return k_.defined() ? slice(k_, 2, 0, length_) : Tensor(); }
Tensor KVCache::values() const { return v_.defined() ? slice(v_, 2, 0, length_) : Tensor(); }

}  // namespace tg::nn
