// Implementation of tests/test_util.h, linked into every suite.
#include "test_util.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/cpu/cpu_backend.h"
#include "data/fashion_mnist.h"

namespace tg::test {

TableParams table_params(UnaryOp k) {
  switch (k) {
    case UnaryOp::LeakyRelu: return {0.1};
    case UnaryOp::Softplus: return {2.0, 3.0};  // beta 2, threshold 3: both branches, kink at x = 1.5
    case UnaryOp::Clamp: return {-0.5, 0.7};
    case UnaryOp::AddScalar: return {0.25};
    case UnaryOp::MulScalar: return {1.5};
    case UnaryOp::DivScalar: return {3.0};
    case UnaryOp::PowScalar: return {2.5};
    default: return {};
  }
}

std::map<std::pair<Op, Check>, int>& op_tests() {
  static std::map<std::pair<Op, Check>, int> registry;
  return registry;
}

bool missing_fashion_mnist() {
  // Called while the test cases register (static initialisation), once per decorated case.
  static const bool missing = [] {
    std::string dir = data::fashion_mnist_dir();
    bool absent = !data::fashion_mnist_available(dir);
    if (absent)
      std::printf("SKIPPING the Fashion-MNIST cases: its four .gz files are not in %s (install "
                  "dataset-fashion-mnist, or set TG_DATA_DIR to a folder holding fashion-mnist/)\n",
                  dir.c_str());
    return absent;
  }();
  return missing;
}

std::string compare(const std::vector<double>& actual, const std::vector<double>& expected, double atol, double rtol) {
  if (actual.size() != expected.size())
    return fmt::format("size mismatch: {} values, expected {}", actual.size(), expected.size());
  std::string report;
  int bad = 0;
  double max_diff = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    bool both_nan = std::isnan(a) && std::isnan(e);
    bool same_inf = std::isinf(a) && a == e;
    double d = std::fabs(a - e);
    if (!both_nan && !same_inf) {
      if (!(d <= atol + rtol * std::fabs(e))) {
        if (bad++ < 6) report += fmt::format("  [{}] got {:.9g}, expected {:.9g}\n", i, a, e);
      }
      if (std::isfinite(d)) max_diff = std::max(max_diff, d);
    }
  }
  if (bad == 0) return "";
  return fmt::format("{} of {} values differ (max |diff| {:.3g}, atol {}, rtol {}):\n{}", bad, actual.size(), max_diff,
                     atol, rtol, report);
}

std::string compare(const Tensor& actual, const std::vector<double>& expected, double atol, double rtol) {
  return compare(actual.to_vector<double>(), expected, atol, rtol);
}

std::string compare(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  if (actual.shape() != expected.shape())
    return fmt::format("shape mismatch: got {}, expected {}", describe(actual), describe(expected));
  return compare(actual.to_vector<double>(), expected.to_vector<double>(), atol, rtol);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor ha = a.detach().to(Device::cpu), hb = b.detach().to(Device::cpu);  // device memory is not host memory
  return std::memcmp(ha.data(), hb.data(), ha.nbytes()) == 0;
}

Tensor leaf(const Shape& shape, uint64_t seed, double scale, double shift) {
  Generator gen(seed);
  Tensor t = randn(shape, gen, {.dtype = DType::f64});
  t = add(mul(t, scale), shift).detach();
  t.requires_grad_();
  return t;
}

Tensor leaf_values(const std::vector<double>& values, const Shape& shape) {
  Tensor t = tensor(values, shape, {.dtype = DType::f64});
  t.requires_grad_();
  return t;
}

std::string error_report(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const Error& e) {
    std::string msg = e.what(), missing;
    for (const std::string& p : parts)
      if (msg.find(p) == std::string::npos) missing += fmt::format(" '{}'", p);
    return missing.empty() ? "" : fmt::format("tg::Error \"{}\" does not contain{}", msg, missing);
  } catch (const std::exception& e) {
    return fmt::format("threw a non-tg::Error exception: {}", e.what());
  }
  return "did not throw";
}

namespace {

// Device addresses: the host address with bit 52 flipped, outside every user-space mapping (and
// not canonical on x86-64), so host code that dereferences a tensor's data() instead of going
// through its backend faults at once, as it would with a real GPU's memory. The kernels get the
// host address back. Offsets added to a device address (views, element j) carry over, being far
// smaller than 2^52.
constexpr uintptr_t kDeviceBit = uintptr_t(1) << 52;
template <class T>
T* flip(T* p) {
  return p ? reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(p) ^ kDeviceBit) : p;
}
template <class T>
T* host(T* device_address) { return flip(device_address); }

// Every kernel forwards to the CPU backend on the host addresses; only the device tag differs.
class LoopbackBackend final : public Backend {
 public:
  void* allocate(size_t bytes) override { return flip(cpu().allocate(bytes)); }
  void deallocate(void* p, size_t bytes) override { cpu().deallocate(host(p), bytes); }
  MemoryStats memory_stats() const override { return cpu().memory_stats(); }
  void reset_peak_memory_stats() override { cpu().reset_peak_memory_stats(); }
  void empty_cache() override { cpu().empty_cache(); }
  void copy_from_host(void* d, const void* s, size_t n) override { cpu().copy_from_host(host(d), s, n); }
  void copy_to_host(void* d, const void* s, size_t n) override { cpu().copy_to_host(d, host(s), n); }
  void copy(void* d, const void* s, size_t n) override { cpu().copy(host(d), host(s), n); }
  void fill(DType t, void* o, int64_t n, double v) override { cpu().fill(t, host(o), n, v); }
  void cast(DType ot, void* o, DType it, const void* i, int64_t n) override { cpu().cast(ot, host(o), it, host(i), n); }
  void unary(UnaryOp op, DType t, void* o, const void* i, int64_t n, double p0, double p1) override {
    cpu().unary(op, t, host(o), host(i), n, p0, p1);
  }
  void binary(BinaryOp op, DType t, void* o, const void* a, const void* b, const BroadcastPlan& p) override {
    cpu().binary(op, t, host(o), host(a), host(b), p);
  }
  void where(DType t, void* o, DType ct, const void* c, const void* a, const void* b, const BroadcastPlan& p) override {
    cpu().where(t, host(o), ct, host(c), host(a), host(b), p);
  }
  void copy_strided(DType t, void* o, const void* i, const CopyPlan& p) override {
    cpu().copy_strided(t, host(o), host(i), p);
  }
  void reduce(ReduceOp op, DType t, void* o, const void* i, int64_t a, int64_t n, int64_t b) override {
    cpu().reduce(op, t, host(o), host(i), a, n, b);
  }
  void argreduce(bool mx, DType t, int64_t* o, const void* i, int64_t a, int64_t n, int64_t b) override {
    cpu().argreduce(mx, t, host(o), host(i), a, n, b);
  }
  void softmax(DType t, void* o, const void* i, int64_t r, int64_t n, bool lg) override {
    cpu().softmax(t, host(o), host(i), r, n, lg);
  }
  void gemm(DType t, const GemmArgs& g) override {
    GemmArgs h = g;
    h.a = host(g.a), h.b = host(g.b), h.c = host(g.c);
    cpu().gemm(t, h);
  }
  void attention_forward(DType t, void* o, void* lse, const void* q, const void* k, const void* v,
                         const AttentionArgs& a) override {
    cpu().attention_forward(t, host(o), host(lse), host(q), host(k), host(v), a);
  }
  void attention_backward(DType t, void* dq, void* dk, void* dv, const void* q, const void* k, const void* v,
                          const void* o, const void* lse, const void* dout, const AttentionArgs& a) override {
    cpu().attention_backward(t, host(dq), host(dk), host(dv), host(q), host(k), host(v), host(o), host(lse),
                             host(dout), a);
  }
  bool has_attention_kernel(DType t, int64_t d) const override { return cpu().has_attention_kernel(t, d); }
  void unfold(DType t, void* c, const void* x, const UnfoldArgs& a) override { cpu().unfold(t, host(c), host(x), a); }
  void fold(DType t, void* x, const void* c, const UnfoldArgs& a) override { cpu().fold(t, host(x), host(c), a); }
  void index_select(DType t, void* o, const void* i, const int64_t* x, int64_t a, int64_t n, int64_t m,
                    int64_t b) override {
    cpu().index_select(t, host(o), host(i), host(x), a, n, m, b);
  }
  void index_add(DType t, void* o, const void* s, const int64_t* x, int64_t a, int64_t n, int64_t m,
                 int64_t b) override {
    cpu().index_add(t, host(o), host(s), host(x), a, n, m, b);
  }
  void gather(DType t, void* o, const void* i, const int64_t* x, int64_t a, int64_t n, int64_t m, int64_t b) override {
    cpu().gather(t, host(o), host(i), host(x), a, n, m, b);
  }
  void scatter_add(DType t, void* o, const void* s, const int64_t* x, int64_t a, int64_t n, int64_t m,
                   int64_t b) override {
    cpu().scatter_add(t, host(o), host(s), host(x), a, n, m, b);
  }
  int64_t first_out_of_range(const int64_t* x, int64_t n, int64_t limit) override {
    return cpu().first_out_of_range(host(x), n, limit);
  }
  void random_uniform(DType t, void* o, int64_t n, uint64_t s, uint64_t off, double lo, double hi) override {
    cpu().random_uniform(t, host(o), n, s, off, lo, hi);
  }
  void random_normal(DType t, void* o, int64_t n, uint64_t s, uint64_t off, double m, double sd) override {
    cpu().random_normal(t, host(o), n, s, off, m, sd);
  }
  void adam_update(const std::vector<AdamTensor>& tensors) override {
    std::vector<AdamTensor> h = tensors;
    for (AdamTensor& a : h) {
      a.param = host(a.param), a.grad = host(a.grad), a.m = host(a.m), a.v = host(a.v);
      if (a.v_max) a.v_max = host(a.v_max);
    }
    cpu().adam_update(h);
  }
  bool all_finite(DType t, const void* i, int64_t n) override { return cpu().all_finite(t, host(i), n); }

 private:
  static Backend& cpu() { return cpu::instance(); }
};

}  // namespace

LoopbackCuda::LoopbackCuda() {
  static LoopbackBackend loopback;
  if (!has_backend(DeviceType::cuda)) {
    register_backend(DeviceType::cuda, &loopback);
    installed_ = true;
  }
}
LoopbackCuda::~LoopbackCuda() {
  if (installed_) register_backend(DeviceType::cuda, nullptr);
}

}  // namespace tg::test
