// tg::Tensor: a cheap handle (shared ownership) to a shape, a dtype, a device and a storage.
// Tensors are contiguous and row-major; reshape and detach share storage, every other op
// allocates its output. Autograd state (requires_grad, grad, grad_fn) lives on the handle's impl.
#pragma once
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"

namespace tg {

struct Node;

// One allocation on one device; freed through its backend when the last tensor lets go.
// `version` counts the in-place writes to it (optimizer steps, copy_, init, random fills, ...):
// autograd compares it with the version a saved tensor had when its op was recorded.
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device;
  std::atomic<uint64_t> version{0};
  // Set by the index range check for device memory (autograd/ops/indexing.cpp): at version
  // `indices_checked_at`, every value, read as i64, lay in [0, indices_below), so a later op with a
  // limit at least that large skips the scan and the wait for its result. Guarded by that file's mutex.
  uint64_t indices_checked_at = UINT64_MAX;
  int64_t indices_below = 0;
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct TensorImpl {
  Shape shape;
  DType dtype = DType::f32;
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> grad_fn;           // the op that produced this tensor (non-leaves)
  std::shared_ptr<Node> grad_accumulator;  // leaves that require grad: where backward deposits
};

// Options of tensor creation. Without a device the tensor goes to default_device() as it is when
// the tensor is created, so options kept in a constant follow set_default_device.
struct TensorOptions {
  DType dtype = DType::f32;
  std::optional<Device> device;
  bool requires_grad = false;
  Device resolved_device() const { return device ? *device : default_device(); }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A new uninitialised tensor, on the device given (ops pass their inputs'); tg::empty in
  // core/creation.h is the user-facing one, which follows the default device. A shape whose size
  // overflows, or memory the device refuses (std::bad_alloc included), raises tg::Error naming
  // `op` (the user-facing function creating it), the shape, dtype and device.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu,
                      const char* op = "empty");

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int64_t dim() const { return int64_t(impl().shape.size()); }
  int64_t size(int64_t axis) const;
  int64_t numel() const { return tg::numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device; }
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype()); }

  void* data() const { return impl().storage->data; }
  // Every function that writes into an existing tensor's storage calls bump_version() (PyTorch's
  // _version), so a backward that saved this storage knows it changed.
  uint64_t version() const { return impl().storage->version.load(std::memory_order_relaxed); }
  void bump_version() const { impl().storage->version.fetch_add(1, std::memory_order_relaxed); }
  // Typed pointer to CPU memory; throws if T does not match the dtype or the tensor is not on the CPU.
  template <class T> T* data_ptr() const;
  // The single value of a one-element tensor, converted to T (copies from the device).
  template <class T = float> T item() const;
  // All values converted to T, in row-major order (copies from the device).
  template <class T = float> std::vector<T> to_vector() const;

  // autograd. backward, to, clone and reshape record on the tape, which lives in the autograd layer:
  // core reaches them through the hooks it installs (core/autograd_hooks.h).
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& requires_grad_(bool on = true);
  Tensor grad() const { return Tensor(impl().grad); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  void zero_grad() { impl().grad.reset(); }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  // Reverse-mode gradient of this tensor into the .grad of every leaf it depends on.
  // A non-scalar tensor needs `grad` (the vector in the vector-Jacobian product).
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  Tensor detach() const;  // same storage, no autograd history

  Tensor to(DType t) const;
  Tensor to(Device d) const;
  Tensor clone() const;
  Tensor reshape(const Shape& shape) const;  // differentiable; shares storage

  TensorImpl& impl() const {
    TG_CHECK(impl_ != nullptr, "use of an undefined tensor (a default-constructed tg::Tensor)");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// "f32 (2, 3) cpu": the header used in error messages.
std::string describe(const Tensor& t);

}  // namespace tg

// fmt::format("{}", t) prints the values, PyTorch style; "{:h}" prints only describe(t).
template <>
struct fmt::formatter<tg::Tensor> {
  bool header_only = false;
  constexpr auto parse(format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 'h') {
      header_only = true;
      ++it;
    }
    return it;
  }
  format_context::iterator format(const tg::Tensor& t, format_context& ctx) const;
};
