// Bad input raises tg::Error naming the op and the shapes (dtypes, devices) involved: shape
// mismatches, mixed dtypes and devices, out-of-range indices, backward misuse. Messages are
// pinned exactly where they are short and stable, otherwise checked for the parts that matter.
#include "test_util.h"

using namespace tg;
using tg::test::leaf;

namespace {
TensorOptions f64{.dtype = DType::f64};
TensorOptions i64{.dtype = DType::i64};
}  // namespace

TEST_CASE("errors: broadcasting shape mismatches") {
  Tensor a = zeros({2, 3}), b = zeros({4});
  CHECK_THROWS_WITH_AS(add(a, b), "add: shapes (2, 3) and (4,) cannot be broadcast together", Error);
  CHECK_ERROR(mul(zeros({2, 1, 3}), zeros({4, 2})), "mul", "(2, 1, 3)", "(4, 2)");
  CHECK_ERROR(where(zeros({3}), zeros({2}), zeros({2})), "where", "(3,)", "(2,)");
  CHECK_ERROR(expand(zeros({2, 3}), {3, 3}), "expand", "(2, 3)", "(3, 3)");
  CHECK_ERROR(mse_loss(zeros({2}), zeros({3})), "mse_loss", "(2,)", "(3,)");
}

TEST_CASE("errors: matmul shape mismatches") {
  const std::string dev = test::device_name();
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({4, 5})),
                       fmt::format("matmul: inner dimensions differ: f32 (2, 3) {0} @ f32 (4, 5) {0} multiplies "
                                   "(.., 2, 3) by (.., 4, 5)", dev).c_str(),
                       Error);
  CHECK_ERROR(matmul(zeros({3, 2}), zeros({3, 5}), false, true), "matmul", "(3, 2)", "(3, 5) " + dev + "^T");
  // batch dims that do not broadcast: the message names both operands, not just their batch dims
  CHECK_ERROR(matmul(zeros({2, 3, 4}), zeros({3, 4, 5})), "matmul", "(2, 3, 4)", "(3, 4, 5)");
  CHECK_ERROR(matmul(zeros({3}), zeros({4})), "matmul", "f32 (3,)", "f32 (4,)");  // as given, not as (1, 3)
}

TEST_CASE("errors: cat and stack shape mismatches") {
  CHECK_THROWS_WITH_AS(cat({zeros({2, 3}), zeros({3, 4})}, 1),
                       "cat: tensor 1 has shape (3, 4), which differs from tensor 0's (2, 3) outside axis 1", Error);
  CHECK_ERROR(cat({zeros({2, 3}), zeros({2, 3, 1})}, 0), "cat", "(2, 3)", "(2, 3, 1)");
  CHECK_ERROR(cat({zeros({2, 3})}, 2), "cat", "axis 2");
  CHECK_ERROR(stack({zeros({2}), zeros({3})}, 0), "stack", "(2,)", "(3,)");
}

TEST_CASE("errors: mixed dtypes") {
  const std::string dev = test::device_name();
  CHECK_THROWS_WITH_AS(add(zeros({2}), zeros({2}, f64)),
                       fmt::format("add: inputs have different dtypes (f32 (2,) {0} and f64 (2,) {0}); cast one with "
                                   ".to(dtype) first", dev).c_str(),
                       Error);
  CHECK_ERROR(matmul(zeros({2, 2}), zeros({2, 2}, f64)), "matmul", "f32 (2, 2)", "f64 (2, 2)");
  CHECK_ERROR(cat({zeros({1, 2}), zeros({1, 2}, f64)}, 0), "cat", "f32 (1, 2)", "f64 (1, 2)");
  CHECK_ERROR(index_add(zeros({3}), 0, tensor({0}, {1}, i64), zeros({1}, f64)), "index_add", "f32 (3,)", "f64 (1,)");
  CHECK_ERROR(exp(zeros({2}, i64)), "exp", "i64 (2,)");
  CHECK_ERROR(matmul(zeros({2, 2}, i64), zeros({2, 2}, i64)), "matmul", "i64 (2, 2)");
}

TEST_CASE("errors: mixed devices") {
  tg::test::LoopbackCuda device;  // a second device, even in a CPU-only build
  constexpr TensorOptions cpu{.device = Device::cpu};
  Tensor gpu = zeros({2, 3}, {.device = Device::cuda});
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}, cpu), gpu),
                       "add: inputs are on different devices (f32 (2, 3) cpu and f32 (2, 3) cuda:0); move them with "
                       ".to(device) first",
                       Error);
  CHECK_ERROR(matmul(zeros({3, 2}, cpu), gpu), "matmul", "f32 (3, 2) cpu", "f32 (2, 3) cuda:0");
  CHECK_ERROR(cat({zeros({2, 3}, cpu), gpu}, 0), "cat", "cpu", "cuda:0");
  CHECK_ERROR(gather(gpu, 1, zeros({2, 3}, {.dtype = DType::i64, .device = Device::cpu})), "gather", "cuda:0", "cpu");
}

TEST_CASE("errors: out-of-range indices") {
  const std::string dev = test::device_name();
  Tensor w = zeros({5, 3});
  CHECK_THROWS_WITH_AS(embedding(w, tensor({1, 7, 0, 2}, {2, 2}, i64)),
                       fmt::format("embedding: index 7 at position 1 is out of range for size 5 (index i64 (2, 2) {0}, "
                                   "input f32 (5, 3) {0})", dev).c_str(),
                       Error);
  CHECK_ERROR(embedding(w, tensor({-1}, {1}, i64)), "embedding", "-1", "(5, 3)");
  CHECK_ERROR(index_select(w, 1, tensor({3}, {1}, i64)), "index_select", "index 3", "(5, 3)");
  CHECK_ERROR(gather(zeros({2, 3}), 1, tensor({0, 3}, {2, 1}, i64)), "gather", "index 3", "(2, 3)", "(2, 1)");
  CHECK_ERROR(scatter_add(zeros({2, 3}), 0, tensor({2, 0, 0}, {1, 3}, i64), zeros({1, 3})), "scatter_add", "index 2",
              "(2, 3)");
  CHECK_ERROR(one_hot(tensor({0, 4}, {}, i64), 3), "one_hot", "index 4");
  // cross_entropy targets: named as cross_entropy, with the logits' and the target's shapes
  Tensor logits = zeros({4, 3}), bad = tensor({0, 1, 5, 2}, {}, i64);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, bad),
                       fmt::format("cross_entropy: target 5 at position 2 is out of range for 3 classes (input f32 "
                                   "(4, 3) {0}, target i64 (4,) {0})", dev).c_str(),
                       Error);
  CHECK_ERROR(cross_entropy(logits, tensor({0, 0, -1, 0}, {}, i64)), "cross_entropy", "target -1", "(4, 3)", "(4,)");
  CHECK_ERROR(nll_loss(logits, bad), "nll_loss", "target 5", "(4, 3)", "(4,)");
  CHECK_ERROR(cross_entropy(logits, tensor({0, 1}, {}, i64)), "cross_entropy", "(4, 3)", "(2,)");
  CHECK_ERROR(cross_entropy(logits, zeros({4})), "cross_entropy", "f32 (4,)");  // float targets
}

TEST_CASE("errors: axes out of range") {
  CHECK_THROWS_WITH_AS(sum(zeros({2, 3}), {2}), "sum: axis 2 is out of range for a tensor with 2 dims", Error);
  CHECK_ERROR(softmax(zeros({2, 3}), -3), "softmax", "axis -3");
  CHECK_ERROR(argmax(zeros({2, 3}), 5), "argmax", "axis 5");
  CHECK_ERROR(reshape(zeros({2, 3}), {4}), "reshape", "(2, 3)", "(4,)");
}

TEST_CASE("errors: backward misuse") {
  Tensor x = leaf({2, 3}, 1);
  Tensor y = mul(x, x);
  CHECK_ERROR(y.backward(), "backward", "f64 (2, 3)", "not a scalar");
  CHECK_ERROR(y.backward(ones({3}, f64)), "backward", "(3,)", "(2, 3)");
  Tensor loss = sum(y);
  loss.backward();
  CHECK_ERROR(loss.backward(), "backward", "sum", "second time", "retain_graph");
  CHECK_ERROR(zeros({2}).backward(), "backward", "does not require grad");
  CHECK_ERROR(zeros({2}, i64).requires_grad_(), "requires_grad_", "i64");
  CHECK_ERROR(grad({sum(x)}, {leaf({2}, 2)}), "grad", "inputs[0]", "f64 (2,)", "allow_unused");
  CHECK_ERROR(gradcheck([](auto& in) { return in[0]; }, {zeros({2}).requires_grad_()}), "gradcheck", "f64");
}
