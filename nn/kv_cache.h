// KVCache: the keys and values of the positions a decoder has seen, for incremental decoding.
// Storage is (B, H, capacity, D), allocated once (the capacity given, or grown by doubling), so a
// decoding step writes its new rows in place instead of concatenating, and attention reads the
// first length() rows in place (autograd/ops/attention.h, cached_attention). truncate() rolls back
// after rejected draft tokens without copying what stays; keep() compacts accepted tree nodes.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace tg::nn {

class KVCache {
 public:
  explicit KVCache(int64_t capacity = 0) : reserved_(capacity) {}  // 0: grow as needed

  int64_t length() const { return length_; }
  int64_t capacity() const { return k_.defined() ? k_.size(2) : reserved_; }
  // Writes k and v (B, H, T, D) at positions [length, length + T) and advances length by T.
  void append(const Tensor& k, const Tensor& v);
  // Forgets the positions from `length` on; nothing moves. 0 <= length <= length().
  void truncate(int64_t length);
  // Keeps positions [0, prefix) and then `positions` (increasing, each in [prefix, length())), moved
  // down to prefix, prefix + 1, ...: the accepted path of a verified candidate tree.
  void keep(int64_t prefix, const std::vector<int64_t>& positions);
  void clear() { length_ = 0; }

  // The storage (B, H, capacity, D), undefined before the first append; rows [0, length()) are valid.
  const Tensor& key_storage() const { return k_; }
  const Tensor& value_storage() const { return v_; }
  // Copies of rows [0, length()), (B, H, length, D).
  Tensor keys() const;
  Tensor values() const;

 private:
  void grow(const Tensor& like, int64_t rows);
  Tensor k_, v_;
  int64_t length_ = 0, reserved_ = 0;
};

}  // namespace tg::nn
