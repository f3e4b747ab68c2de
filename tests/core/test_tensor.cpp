// Tensors, creation functions, shape helpers, casts between every pair of dtypes and printing
// (core/tensor.h, creation.h, shape.h, print.cpp): exact values and shapes, and the errors bad
// arguments raise.
#include <cmath>

#include "core/backend.h"
#include "test_util.h"

using namespace tg;

namespace {
const DType kAll[] = {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64};
}

TEST_CASE("creation: zeros, ones, full, *_like, tensor, scalar_tensor") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::f32);
  CHECK(z.device() == default_device());
  CHECK_CLOSE(z, std::vector<double>(6, 0.0));
  CHECK_CLOSE(ones({4}, {.dtype = DType::i32}), {1, 1, 1, 1});
  Tensor f = full({2, 2}, -2.5, {.dtype = DType::bf16});
  CHECK(f.dtype() == DType::bf16);
  CHECK_CLOSE(f, {-2.5, -2.5, -2.5, -2.5});
  CHECK_CLOSE(full_like(f, 7), {7, 7, 7, 7});
  CHECK(zeros_like(f).dtype() == DType::bf16);
  CHECK_CLOSE(ones_like(z), std::vector<double>(6, 1.0));
  CHECK(zeros({}).numel() == 1);   // a scalar
  CHECK(zeros({0, 3}).numel() == 0);
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {3, 2}, {.dtype = DType::f64});
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(tensor({1, 2, 3}).shape() == Shape{3});  // 1-D by default
  Tensor s = scalar_tensor(4.25, {.dtype = DType::f64});
  CHECK(s.shape() == Shape{});
  CHECK(s.item<double>() == 4.25);
  CHECK(tensor({1.0, 2.0}, {}, {.requires_grad = true}).requires_grad());
  double host[3] = {0.5, 1.5, 2.5};
  CHECK_CLOSE(from_host(host, {3}, {.dtype = DType::f64}), {0.5, 1.5, 2.5});
}

// GCC 12.2 with AVX-512 copied the list {1, 1, 1, 1, 0, 0, 0, 0} of doubles as eight 1.0s (a
// 64-byte constant with a zero upper half became one broadcast); the Release flags leave AVX-512
// out for that reason (CMakeLists.txt). These lists go through tensor() as in the tests.
TEST_CASE("creation: literal lists with a zero upper half keep their values") {
  std::vector<double> f64 = tensor({1, 1, 1, 1, 0, 0, 0, 0}, {2, 4}, {.dtype = DType::f64}).to_vector<double>();
  std::vector<double> f32 = tensor({1, 1, 1, 1, 0, 0, 0, 0}, {1, 1, 2, 4}, {.dtype = DType::f32}).to_vector<double>();
  std::vector<double> twos = tensor({-2, -2, -2, -2, 0, 0, 0, 0}).to_vector<double>();
  // Element by element against scalars: an expected list written as a literal would be copied
  // by the same wrong code.
  for (int i = 0; i < 8; ++i) {
    CAPTURE(i);
    CHECK(f64[size_t(i)] == (i < 4 ? 1.0 : 0.0));
    CHECK(f32[size_t(i)] == (i < 4 ? 1.0 : 0.0));
    CHECK(twos[size_t(i)] == (i < 4 ? -2.0 : 0.0));
  }
}

TEST_CASE("creation: arange") {
  CHECK_CLOSE(arange(5), {0, 1, 2, 3, 4});
  CHECK(arange(5).dtype() == DType::i64);
  CHECK_CLOSE(arange(1, 2, 0.25), {1, 1.25, 1.5, 1.75});
  CHECK_CLOSE(arange(0, 1, 0.3), {0, 0.3, 0.6, 0.9});  // ceil(1 / 0.3) = 4 values
  CHECK_CLOSE(arange(3, 0, -1), {3, 2, 1});
  CHECK(arange(2, 2, 1).numel() == 0);
  CHECK(arange(2, 0, 1).numel() == 0);
}

TEST_CASE("creation: bad arguments raise") {
  CHECK_THROWS_WITH_AS(tensor({1, 2, 3}, {2, 2}), "tensor: 3 values do not fill shape (2, 2)", Error);
  CHECK_ERROR(zeros({2, -1}), "negative", "(2, -1)");
  CHECK_ERROR(arange(0, 1, 0), "arange", "step");
  CHECK_ERROR(randint(3, 3, {2}), "randint", "[3, 3)");
  CHECK_ERROR(randint(0, 3, {2}, {.dtype = DType::f32}), "randint", "f32");
  double host[2] = {1, 2};
  CHECK_ERROR(from_host(host, {2}, {.dtype = DType::f32}), "from_host", "f64", "f32");
  CHECK_ERROR(zeros({2}).item(), "item", "(2,)");
  CHECK_ERROR(zeros({2}).data_ptr<double>(), "data_ptr", "f32", "f64");
  CHECK_ERROR(Tensor().shape(), "undefined");
  if (!has_backend(DeviceType::cuda)) CHECK_ERROR(zeros({2}, {.device = Device::cuda}), "cuda:0", "no backend");
  CHECK_ERROR(parse_device("gpu"), "gpu");
  CHECK(parse_device("cuda:1") == Device{DeviceType::cuda, 1});
}

TEST_CASE("default device: creation without a device follows set_default_device, ops follow their inputs") {
  test::LoopbackCuda cuda;  // a second device, even in a CPU-only build
  const Device before = default_device();
  constexpr TensorOptions kF64{.dtype = DType::f64};  // no device: resolved when a tensor is made
  set_default_device(Device::cuda);
  CHECK(zeros({2}).device() == Device::cuda);
  CHECK(tensor({1, 2}, {}, kF64).device() == Device::cuda);
  CHECK(zeros({2}, {.device = Device::cpu}).device() == Device::cpu);
  set_default_device(Device::cpu);
  CHECK(randn({2}, kF64).device() == Device::cpu);
  CHECK(add(zeros({2}, {.device = Device::cuda}), 1.0).device() == Device::cuda);
  // one backend per device type: cuda:1 is refused rather than served by cuda:0's backend
  CHECK_ERROR(zeros({2}, {.device = Device{DeviceType::cuda, 1}}), "cuda:1", "cuda:0 only");
  set_default_device(before);
}

TEST_CASE("shapes: numel, strides, broadcasting, axes, formatting") {
  CHECK(numel({2, 3, 4}) == 24);
  CHECK(numel({}) == 1);
  CHECK(contiguous_strides({2, 3, 4}) == Shape{12, 4, 1});
  CHECK(shape_str({}) == "()");
  CHECK(shape_str({5}) == "(5,)");
  CHECK(shape_str({2, 3}) == "(2, 3)");
  CHECK(broadcast_shapes({2, 1, 3}, {4, 1}, "op") == Shape{2, 4, 3});
  CHECK(broadcast_shapes({}, {3}, "op") == Shape{3});
  CHECK(broadcast_shapes({0, 1}, {1, 5}, "op") == Shape{0, 5});
  CHECK(broadcastable({3, 1}, {1, 4}));
  CHECK(!broadcastable({3, 2}, {4}));
  CHECK_THROWS_WITH_AS(broadcast_shapes({2, 3}, {3, 2}, "MyOp"), "MyOp: shapes (2, 3) and (3, 2) cannot be broadcast together",
                       Error);
  CHECK(broadcast_strides({3, 1}, {2, 3, 4}) == Shape{0, 1, 0});
  CHECK(normalize_axis(-1, 3, "op") == 2);
  CHECK_THROWS_WITH_AS(normalize_axis(3, 3, "MyOp"), "MyOp: axis 3 is out of range for a tensor with 3 dims", Error);
  CHECK_THROWS_AS(normalize_axis(-4, 3, "op"), Error);
  CHECK(describe(zeros({2, 3}, {.dtype = DType::i32})) == "i32 (2, 3) " + test::device_name());
}

// Values every dtype holds exactly survive any cast; others round (floats) or truncate toward
// zero (float -> integer), as in PyTorch.
TEST_CASE("cast between every pair of dtypes") {
  const std::vector<double> exact = {-3, -1, 0, 1, 2, 100};
  for (DType from : kAll)
    for (DType to : kAll) {
      INFO("from ", dtype_name(from));
      INFO("to ", dtype_name(to));
      Tensor y = tensor(exact, {2, 3}, {.dtype = from}).to(to);
      CHECK(y.dtype() == to);
      CHECK(y.shape() == Shape{2, 3});
      CHECK_CLOSE(y, exact, 0, 0);
    }
  CHECK_CLOSE(tensor({-2.7, -0.5, 0.5, 2.7}).to(DType::i32), {-2, 0, 0, 2}, 0, 0);
  CHECK_CLOSE(tensor({0.1}).to(DType::f16), {0.0999755859375}, 0, 0);
  CHECK_CLOSE(tensor({2049}).to(DType::f16), {2048}, 0, 0);  // tie, even mantissa
  CHECK_CLOSE(tensor({2051}).to(DType::f16), {2052}, 0, 0);  // tie, even mantissa upwards
  CHECK_CLOSE(tensor({257}).to(DType::bf16), {256}, 0, 0);
  CHECK_CLOSE(tensor({1e5}).to(DType::f16), {INFINITY}, 0, 0);
  CHECK_CLOSE(tensor({1e5}).to(DType::bf16), {99840}, 0, 0);  // bf16 keeps the range, not the digits
  CHECK_CLOSE(tensor({16777217}, {}, {.dtype = DType::i64}).to(DType::f32), {16777216}, 0, 0);
  CHECK_CLOSE(tensor({16777217}, {}, {.dtype = DType::i64}).to(DType::f64), {16777217}, 0, 0);
  CHECK_CLOSE(tensor({-70000}, {}, {.dtype = DType::i64}).to(DType::i32), {-70000}, 0, 0);
}

TEST_CASE("printing: exact strings") {
  const std::string dev = test::device_name();
  CHECK(fmt::format("{}", tensor({1, 2.5, -3})) == "tensor([1.0000, 2.5000, -3.0000], f32 (3,) " + dev + ")");
  CHECK(fmt::format("{}", tensor({1, 2, 3, 4}, {2, 2}, {.dtype = DType::f64})) ==
        "tensor([[1.0000, 2.0000],\n [3.0000, 4.0000]], f64 (2, 2) " + dev + ")");
  CHECK(fmt::format("{}", arange(8)) == "tensor([0, 1, 2, ..., 5, 6, 7], i64 (8,) " + dev + ")");
  CHECK(fmt::format("{}", scalar_tensor(0.125)) == "tensor(0.1250, f32 () " + dev + ")");
  CHECK(fmt::format("{}", arange(8).reshape({2, 2, 2})) ==
        "tensor([[[0, 1],\n  [2, 3]],\n [[4, 5],\n  [6, 7]]], i64 (2, 2, 2) " + dev + ")");
  CHECK(fmt::format("{:h}", zeros({2, 3}, {.dtype = DType::bf16})) == "bf16 (2, 3) " + dev);
  CHECK(fmt::format("{}", Tensor()) == "undefined tensor");
}

#if defined(__SANITIZE_ADDRESS__)
// The test below asks for 4 TiB on purpose: AddressSanitizer should answer as the system does
// (a null pointer, which the allocator reports), not abort the suite.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

TEST_CASE("creation: sizes that overflow and memory the device refuses raise naming the op and the shape") {
  const int64_t big = int64_t(1) << 31;
  // 2^62 elements fit in int64, but not their 2^64 bytes (it used to wrap to a 0-byte tensor)
  CHECK_ERROR(zeros({big, big}), "zeros", "(2147483648, 2147483648)", "bytes");
  CHECK_ERROR(ones({big, big, big}), "ones", "(2147483648, 2147483648, 2147483648)", "elements");
  CHECK_ERROR(empty({3, -1}), "empty", "negative", "(3, -1)");
  CHECK_ERROR(randn({big, big, 4}), "randn", "(2147483648, 2147483648, 4)");
  CHECK_ERROR(numel({big, big, big}), "numel", "(2147483648, 2147483648, 2147483648)");
  CHECK(numel({big, big, big, 0}) == 0);
  CHECK(zeros({big, big, 0}).numel() == 0);  // a zero dim makes any shape empty, as in PyTorch
  // 2^42 bytes (4 TiB): more than this machine or a GPU gives; the device's refusal (or
  // std::bad_alloc) comes back as a tg::Error naming the function, the shape and the device
  CHECK_ERROR(zeros({int64_t(1) << 40}), "zeros", "(1099511627776,)", test::device_name());
  CHECK_ERROR(arange(0.0, 1e300, 1.0), "arange", "too many");
}
