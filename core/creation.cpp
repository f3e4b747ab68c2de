// Creation functions. Values are built on the host and copied once to the target device;
// random tensors are drawn by the device's backend from the generator's Philox stream.
#include "core/creation.h"

#include <cmath>
#include <new>

#include "core/backend.h"

namespace tg {

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}
void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0); }

template <class T>
Tensor from_host(const T* values, const Shape& shape, TensorOptions opts) {
  TG_CHECK(opts.dtype == dtype_of<T>::value, "from_host: values are {}, options ask for {}",
           dtype_name(dtype_of<T>::value), dtype_name(opts.dtype));
  Tensor t = Tensor::empty(shape, opts.dtype, opts.resolved_device(), "tensor");
  backend(t.device()).copy_from_host(t.data(), values, t.nbytes());
  if (opts.requires_grad) t.requires_grad_();
  return t;
}
template Tensor from_host<float>(const float*, const Shape&, TensorOptions);
template Tensor from_host<double>(const double*, const Shape&, TensorOptions);
template Tensor from_host<half>(const half*, const Shape&, TensorOptions);
template Tensor from_host<bfloat16>(const bfloat16*, const Shape&, TensorOptions);
template Tensor from_host<int32_t>(const int32_t*, const Shape&, TensorOptions);
template Tensor from_host<int64_t>(const int64_t*, const Shape&, TensorOptions);

Tensor tensor(const std::vector<double>& values, Shape shape, TensorOptions opts) {
  if (shape.empty() && values.size() != 1) shape = {int64_t(values.size())};
  TG_CHECK(checked_numel(shape, dtype_size(opts.dtype), "tensor") == int64_t(values.size()),
           "tensor: {} values do not fill shape {}", values.size(), shape_str(shape));
  return dispatch_dtype(opts.dtype, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> host(values.size());
    for (size_t i = 0; i < values.size(); ++i) host[i] = cast_element<T>(values[i]);  // core/dtype.h's rule
    return from_host(host.data(), shape, opts);
  });
}

Tensor scalar_tensor(double value, TensorOptions opts) { return tensor({value}, Shape{}, opts); }

Tensor empty(const Shape& shape, TensorOptions opts) {
  Tensor t = Tensor::empty(shape, opts.dtype, opts.resolved_device(), "empty");
  if (opts.requires_grad) t.requires_grad_();
  return t;
}

// full under the name of the function the user called (zeros, ones, full), for errors
static Tensor filled(const char* op, const Shape& shape, double value, TensorOptions opts) {
  Tensor t = Tensor::empty(shape, opts.dtype, opts.resolved_device(), op);
  backend(t.device()).fill(opts.dtype, t.data(), t.numel(), value);
  if (opts.requires_grad) t.requires_grad_();
  return t;
}
Tensor full(const Shape& shape, double value, TensorOptions opts) { return filled("full", shape, value, opts); }
Tensor zeros(const Shape& shape, TensorOptions opts) { return filled("zeros", shape, 0.0, opts); }
Tensor ones(const Shape& shape, TensorOptions opts) { return filled("ones", shape, 1.0, opts); }
Tensor full_like(const Tensor& t, double value) {
  return full(t.shape(), value, {.dtype = t.dtype(), .device = t.device()});
}
Tensor zeros_like(const Tensor& t) { return full_like(t, 0.0); }
Tensor ones_like(const Tensor& t) { return full_like(t, 1.0); }

Tensor arange(double start, double end, double step, TensorOptions opts) {
  TG_CHECK(step != 0, "arange: step must be nonzero");
  double count = std::ceil((end - start) / step);
  TG_CHECK(std::isfinite(count) && count < 0x1p62, "arange: [{}, {}) in steps of {} has too many elements", start, end,
           step);
  int64_t n = count > 0 ? int64_t(count) : 0;
  std::vector<double> values;
  try {
    values.resize(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    fail("arange: out of host memory for the {} values of [{}, {}) in steps of {}", n, start, end, step);
  }
  for (int64_t i = 0; i < n; ++i) values[size_t(i)] = start + double(i) * step;
  return tensor(values, {n}, opts);
}
Tensor arange(int64_t n, TensorOptions opts) { return arange(0.0, double(n), 1.0, opts); }

void uniform_(Tensor& t, double lo, double hi, Generator& gen) {
  TG_CHECK(is_floating(t.dtype()), "uniform_: needs a floating tensor, got {}", describe(t));
  backend(t.device()).random_uniform(t.dtype(), t.data(), t.numel(), gen.seed(), gen.reserve(t.numel()), lo, hi);
  t.bump_version();
}
void normal_(Tensor& t, double mean, double std, Generator& gen) {
  TG_CHECK(is_floating(t.dtype()), "normal_: needs a floating tensor, got {}", describe(t));
  backend(t.device()).random_normal(t.dtype(), t.data(), t.numel(), gen.seed(), gen.reserve(t.numel()), mean, std);
  t.bump_version();
}

Tensor rand(const Shape& shape, Generator& gen, TensorOptions opts) {
  Tensor t = Tensor::empty(shape, opts.dtype, opts.resolved_device(), "rand");
  uniform_(t, 0.0, 1.0, gen);
  if (opts.requires_grad) t.requires_grad_();
  return t;
}
Tensor randn(const Shape& shape, Generator& gen, TensorOptions opts) {
  Tensor t = Tensor::empty(shape, opts.dtype, opts.resolved_device(), "randn");
  normal_(t, 0.0, 1.0, gen);
  if (opts.requires_grad) t.requires_grad_();
  return t;
}
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen, TensorOptions opts) {
  TG_CHECK(low < high, "randint: empty range [{}, {})", low, high);
  TG_CHECK(!is_floating(opts.dtype), "randint: dtype must be i32 or i64, got {}", dtype_name(opts.dtype));
  // low + floor(U[0, high - low)) in f64: exact for ranges below 2^32, the only ones the 32-bit
  // words cover. The draw is non-negative, so the cast's truncation toward zero is the floor
  // (truncating U[low, high) itself would send (-1, 0) to 0, and to `high` when high == 0).
  const Device device = opts.resolved_device();
  Backend& be = backend(device);
  Tensor u = Tensor::empty(shape, DType::f64, device, "randint");
  uniform_(u, 0.0, double(high - low), gen);
  Tensor k = Tensor::empty(shape, DType::i64, device, "randint");
  be.cast(DType::i64, k.data(), DType::f64, u.data(), u.numel());
  be.unary(UnaryOp::AddScalar, DType::i64, k.data(), k.data(), k.numel(), double(low), 0.0);
  if (opts.dtype == DType::i64) return k;
  Tensor out = Tensor::empty(shape, opts.dtype, device, "randint");
  be.cast(opts.dtype, out.data(), DType::i64, k.data(), k.numel());
  return out;
}
Tensor rand(const Shape& shape, TensorOptions opts) { return rand(shape, default_generator(), opts); }
Tensor randn(const Shape& shape, TensorOptions opts) { return randn(shape, default_generator(), opts); }
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions opts) {
  return randint(low, high, shape, default_generator(), opts);
}

}  // namespace tg
