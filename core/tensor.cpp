// Tensor handle basics: storage, accessors and host copies. The methods that record on the tape
// (backward, to, reshape, clone) go through the autograd layer's hooks (core/autograd_hooks.h).
#include "core/tensor.h"

#include <new>

#include "core/autograd_hooks.h"
#include "core/backend.h"

namespace tg {

Storage::Storage(size_t bytes, Device device) : bytes(bytes), device(device) {
  data = backend(device).allocate(bytes);
}
Storage::~Storage() { backend(device).deallocate(data, bytes); }

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device, const char* op) {
  int64_t n = checked_numel(shape, dtype_size(dtype), op);
  size_t bytes = size_t(n) * dtype_size(dtype);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  try {
    impl->storage = std::make_shared<Storage>(bytes, device);
  } catch (const std::bad_alloc&) {
    fail("{}: out of memory allocating {} {} on {} ({} bytes)", op, dtype_name(dtype), shape_str(shape), device.str(),
         bytes);
  } catch (const Error& e) {  // the device's own out-of-memory report, with its counts
    fail("{}: cannot allocate {} {} on {} ({} bytes): {}", op, dtype_name(dtype), shape_str(shape), device.str(), bytes,
         e.what());
  }
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t axis) const { return shape()[normalize_axis(axis, dim(), "size")]; }

template <class T>
T* Tensor::data_ptr() const {
  TG_CHECK(dtype() == dtype_of<T>::value, "data_ptr: tensor is {}, asked for {}", dtype_name(dtype()),
           dtype_name(dtype_of<T>::value));
  TG_CHECK(device().is_cpu(), "data_ptr: tensor is on {}; copy it with .to(Device::cpu) first",
           device().str());
  return static_cast<T*>(data());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  try {
    std::vector<T> out(static_cast<size_t>(numel()));
    dispatch_dtype(dtype(), [&](auto tag) {
      using S = decltype(tag);
      std::vector<S> host(out.size());
      backend(device()).copy_to_host(host.data(), data(), nbytes());
      for (size_t i = 0; i < out.size(); ++i) out[i] = cast_element<T>(host[i]);  // core/dtype.h's rule
    });
    return out;
  } catch (const std::bad_alloc&) {
    fail("to_vector: out of host memory copying {} to a vector of {}", describe(*this), dtype_name(dtype_of<T>::value));
  }
}

template <class T>
T Tensor::item() const {
  TG_CHECK(numel() == 1, "item: tensor of shape {} has {} elements, expected 1", shape_str(shape()), numel());
  return to_vector<T>()[0];
}

Tensor& Tensor::requires_grad_(bool on) {
  TG_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating tensors can require grad, got {}",
           dtype_name(dtype()));
  TG_CHECK(is_leaf(), "requires_grad_: {} is the result of an op; only leaves can change requires_grad "
           "(use detach() first)", describe(*this));
  impl().requires_grad = on;
  return *this;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape();
  impl->dtype = dtype();
  impl->storage = this->impl().storage;
  return Tensor(std::move(impl));
}

namespace {
const AutogradHooks* installed_hooks = nullptr;  // constant-initialised: safe to set before main
}  // namespace

void set_autograd_hooks(const AutogradHooks* hooks) { installed_hooks = hooks; }

const AutogradHooks& autograd_hooks(const char* caller) {
  TG_CHECK(installed_hooks != nullptr, "{}: the autograd layer is not linked (link tapegrad::autograd or "
           "tapegrad::tapegrad; core alone has no tape)", caller);
  return *installed_hooks;
}

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  autograd_hooks("backward").backward(*this, grad, retain_graph, create_graph);
}
Tensor Tensor::reshape(const Shape& shape) const { return autograd_hooks("reshape").reshape(*this, shape); }
Tensor Tensor::to(DType t) const { return t == dtype() ? *this : autograd_hooks("to").cast(*this, t); }
Tensor Tensor::to(Device d) const { return d == device() ? *this : autograd_hooks("to").to_device(*this, d); }
Tensor Tensor::clone() const { return autograd_hooks("clone").cast(*this, dtype()); }

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined tensor";
  return fmt::format("{} {} {}", dtype_name(t.dtype()), shape_str(t.shape()), t.device().str());
}

#define TG_INSTANTIATE(T)                                \
  template T* Tensor::data_ptr<T>() const;               \
  template T Tensor::item<T>() const;                    \
  template std::vector<T> Tensor::to_vector<T>() const;
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
TG_INSTANTIATE(int32_t)
TG_INSTANTIATE(int64_t)
template half* Tensor::data_ptr<half>() const;
template bfloat16* Tensor::data_ptr<bfloat16>() const;
#undef TG_INSTANTIATE

}  // namespace tg
