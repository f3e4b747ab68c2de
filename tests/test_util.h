// Shared test helpers: value comparison that prints where tensors differ (first mismatches and
// the max difference), and the op-coverage registry behind TG_OP_TEST.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg::test {

enum class Check { Value, Gradcheck };

// op -> how many tests of each kind are compiled in; test_coverage.cpp asserts every op has both.
std::map<std::pair<Op, Check>, int>& op_tests();
inline bool register_op_test(Op op, Check kind) { return ++op_tests()[{op, kind}] > 0; }

// "" when every |actual - expected| <= atol + rtol |expected| (NaN matches NaN); otherwise a
// report of the first mismatches and the max difference.
std::string compare(const std::vector<double>& actual, const std::vector<double>& expected, double atol, double rtol);
std::string compare(const Tensor& actual, const std::vector<double>& expected, double atol = 1e-6, double rtol = 1e-5);
std::string compare(const Tensor& actual, const Tensor& expected, double atol = 1e-6, double rtol = 1e-5);

// Same shape, dtype and bytes, wherever the two tensors live ("bit-identical").
bool bitwise_equal(const Tensor& a, const Tensor& b);

// f64 leaf with standard-normal values (fixed seed), requiring grad.
Tensor leaf(const Shape& shape, uint64_t seed, double scale = 1.0, double shift = 0.0);
// f64 leaf with the given values (shape defaults to 1-D), requiring grad.
Tensor leaf_values(const std::vector<double>& values, const Shape& shape = {});

// "" when `fn` throws tg::Error whose message contains every one of `parts`; otherwise what
// happened instead (no throw, another exception, or the message and the missing parts).
std::string error_report(const std::function<void()>& fn, const std::vector<std::string>& parts);

// True when Fashion-MNIST is not where data::fashion_mnist_dir() says (not installed, or hidden with
// TG_DATA_DIR=/nonexistent); the first call prints the folder and how to provide it. Used through
// TG_NEEDS_FASHION_MNIST.
bool missing_fashion_mnist();

// The scalar parameters each parametrised entry of the elementwise op table is tested with, by the
// table-driven gradcheck (tests/autograd/test_op_table.cpp) and the CPU/CUDA parity table.
struct TableParams {
  double p0 = 0, p1 = 0;
};
TableParams table_params(UnaryOp k);

// The device the suite runs on: "cpu", or "cuda:0" in a --device=cuda run; for expected error
// messages, which name it.
inline std::string device_name() { return default_device().str(); }

// While alive, Device::cuda is backed by a stand-in that keeps memory on the host and runs the
// CPU kernels, unless a real CUDA backend is registered (then that one is used). It lets a
// CPU-only build exercise device-crossing code: ToDevice's tape node, mixed-device errors. Its
// tensors' data() are addresses the host cannot dereference (a bit flipped; the kernels flip it
// back), so code that reads device memory without its backend crashes here as on a GPU.
class LoopbackCuda {
 public:
  LoopbackCuda();
  ~LoopbackCuda();
  LoopbackCuda(const LoopbackCuda&) = delete;
  LoopbackCuda& operator=(const LoopbackCuda&) = delete;

 private:
  bool installed_ = false;
};

}  // namespace tg::test

// Test cases about host code (the CPU backend's kernels and allocator, host conversions) carry this
// doctest suite, `TEST_CASE("name" * TG_CPU_ONLY)`, or a whole file opens with
// TEST_SUITE_BEGIN(TG_CPU_ONLY_SUITE); the suites' CUDA runs leave them out (doctest_main.cpp).
#define TG_CPU_ONLY_SUITE "cpu only"
#define TG_CPU_ONLY doctest::test_suite(TG_CPU_ONLY_SUITE)

// Test cases that read Fashion-MNIST carry this decorator, `TEST_CASE("name" * TG_NEEDS_FASHION_MNIST)`:
// without the files they are skipped (doctest counts them as skipped) and the binary says why.
#define TG_NEEDS_FASHION_MNIST doctest::skip(::tg::test::missing_fashion_mnist())

// CHECK_CLOSE(actual, expected[, atol, rtol]): fails with the mismatch report.
#define CHECK_CLOSE(...)                                    \
  do {                                                      \
    std::string tg_report_ = ::tg::test::compare(__VA_ARGS__); \
    CHECK_MESSAGE(tg_report_.empty(), tg_report_);          \
  } while (0)

#define CHECK_GRADCHECK(fn, inputs)                          \
  do {                                                       \
    auto tg_gc_ = ::tg::gradcheck(fn, inputs);               \
    CHECK_MESSAGE(tg_gc_.ok, tg_gc_.report);                 \
  } while (0)

#define CHECK_GRADGRADCHECK(fn, inputs)                      \
  do {                                                       \
    auto tg_gc_ = ::tg::gradgradcheck(fn, inputs);           \
    CHECK_MESSAGE(tg_gc_.ok, tg_gc_.report);                 \
  } while (0)

// CHECK_ERROR(expr, "part", ...): expr raises tg::Error and the message names every part (the op,
// the shapes); used where the full message is not worth pinning down character by character.
#define CHECK_ERROR(expr, ...)                                                                   \
  do {                                                                                           \
    std::string tg_err_ = ::tg::test::error_report([&] { (void)(expr); }, {__VA_ARGS__});        \
    CHECK_MESSAGE(tg_err_.empty(), tg_err_);                                                     \
  } while (0)

// A test case that also counts as coverage of `op` for the given check kind (Value or Gradcheck).
#define TG_OP_TEST(op, kind, name)                                                            \
  static const bool DOCTEST_ANONYMOUS(tg_op_test_) =                                          \
      ::tg::test::register_op_test(::tg::Op::op, ::tg::test::Check::kind);                    \
  TEST_CASE("op " #op " " name)
