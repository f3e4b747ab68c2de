// Shape ops (autograd/ops/shape.h and concat.cpp): reshape, expand, transpose, permute, slice,
// cat and stack. Exact index arithmetic on arange inputs, negative axes, PyTorch values,
// gradcheck and second-order gradcheck in f64 (these ops are linear, so the second-order check
// runs on op(x) * x to give the second derivative something to see).
#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
Tensor iota(const Shape& shape) { return arange(0, double(numel(shape)), 1).reshape(shape); }
}  // namespace

TG_OP_TEST(Reshape, Value, "shares storage, infers -1, PyTorch") {
  Tensor x = iota({2, 3, 4});
  Tensor y = reshape(x, {4, -1});
  CHECK(y.shape() == Shape{4, 6});
  CHECK(y.data() == x.data());  // a view: no copy
  CHECK_CLOSE(y, x.to_vector<double>());
  CHECK(flatten(x, 1).shape() == Shape{2, 12});
  CHECK(unsqueeze(x, -1).shape() == Shape{2, 3, 4, 1});
  CHECK(squeeze(zeros({2, 1, 3}), 1).shape() == Shape{2, 3});
  CHECK_THROWS_AS(reshape(x, {5, -1}), Error);
  CHECK_THROWS_AS(reshape(x, {-1, -1}), Error);
  CHECK_THROWS_AS(reshape(x, {7}), Error);
  CHECK_TORCH("reshape_infer", [](auto& x) { return reshape(x[0], {4, -1}); });
}
TG_OP_TEST(Reshape, Gradcheck, "") {
  In in{leaf({2, 3, 2}, 1)};
  CHECK_GRADCHECK([](auto& x) { return reshape(x[0], {3, -1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(reshape(x[0], {-1}), reshape(x[0], {12})); }, in);
}

TG_OP_TEST(Expand, Value, "adds and stretches dims; PyTorch") {
  Tensor y = expand(tensor({1, 2}, {2, 1}), {2, 2, 3});
  CHECK(y.shape() == Shape{2, 2, 3});
  CHECK_CLOSE(y, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
  CHECK_THROWS_AS(expand(zeros({2, 3}), {3, 3}), Error);
  CHECK_THROWS_AS(expand(zeros({2, 3}), {3}), Error);  // cannot drop dims
  CHECK_TORCH("expand_rank", [](auto& x) { return expand(x[0], {2, 3, 4}); });
}
TG_OP_TEST(Expand, Gradcheck, "the gradient sums over the stretched dims") {
  In in{leaf({3, 1}, 2)};
  CHECK_GRADCHECK([](auto& x) { return expand(x[0], {2, 3, 4}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(expand(x[0], {2, 3, 2}), x[0]); }, in);
}

TG_OP_TEST(Transpose, Value, "exact and PyTorch") {
  Tensor x = iota({2, 3});
  CHECK_CLOSE(transpose(x, 0, 1), {0, 3, 1, 4, 2, 5});
  CHECK(transpose(iota({2, 3, 4}), -1, 0).shape() == Shape{4, 3, 2});
  CHECK_TORCH("transpose_neg", [](auto& x) { return transpose(x[0], 0, -1); });
}
TG_OP_TEST(Transpose, Gradcheck, "") {
  In in{leaf({2, 3, 2}, 3)};
  CHECK_GRADCHECK([](auto& x) { return transpose(x[0], 0, -1); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(transpose(x[0], 1, 2), transpose(x[0], -1, -2)); }, in);
}

TG_OP_TEST(Permute, Value, "exact index mapping, negative axes, PyTorch") {
  Tensor x = iota({2, 3, 4});
  Tensor y = permute(x, {2, 0, 1});  // y[k, i, j] = x[i, j, k] = 12 i + 4 j + k
  CHECK(y.shape() == Shape{4, 2, 3});
  std::vector<double> expect;
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expect.push_back(12 * i + 4 * j + k);
  CHECK_CLOSE(y, expect);
  CHECK_THROWS_AS(permute(x, {0, 0, 1}), Error);
  CHECK_THROWS_AS(permute(x, {0, 1}), Error);
  CHECK_TORCH("permute", [](auto& x) { return permute(x[0], {2, 0, 1}); });
  CHECK_TORCH("permute_neg", [](auto& x) { return permute(x[0], {-1, 0, 1, -2}); });
}
TG_OP_TEST(Permute, Gradcheck, "") {
  In in{leaf({2, 3, 2}, 4)};
  CHECK_GRADCHECK([](auto& x) { return permute(x[0], {2, 0, 1}); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(permute(x[0], {1, -1, 0}), permute(x[0], {1, 2, 0})); }, in);
}

TG_OP_TEST(Slice, Value, "start/end, negative wrap, clamping; PyTorch") {
  Tensor x = iota({2, 4});
  CHECK_CLOSE(slice(x, 1, 1, 3), {1, 2, 5, 6});
  CHECK_CLOSE(slice(x, -1, -2, 4), {2, 3, 6, 7});
  CHECK_CLOSE(slice(x, 0, 1, 100), {4, 5, 6, 7});  // end clamped, as Python slicing
  CHECK(slice(x, 1, 3, 1).shape() == Shape{2, 0});
  CHECK_TORCH("slice_mid", [](auto& x) { return slice(x[0], 1, 1, 3); });
  CHECK_TORCH("slice_neg", [](auto& x) { return slice(x[0], -1, -3, 5); });
  CHECK_TORCH("slice_neg_axis", [](auto& x) { return slice(x[0], -2, -3, -1); });
  // with a step: x[:, start:end:step]
  Tensor r = iota({2, 7});
  CHECK_CLOSE(slice(r, 1, 1, 6, 2), {1, 3, 5, 8, 10, 12});
  CHECK_CLOSE(slice(r, 1, 0, 7, 3), {0, 3, 6, 7, 10, 13});
  CHECK(slice(r, 1, 0, 7, 7).shape() == Shape{2, 1});
  CHECK(slice(r, 1, 6, 7, 5).shape() == Shape{2, 1});
  CHECK(slice(r, 1, 5, 2, 2).shape() == Shape{2, 0});
  CHECK_ERROR(slice(r, 1, 0, 7, 0), "slice", "step", "(2, 7)");
  CHECK_ERROR(slice(r, 1, 0, 7, -1), "slice", "step");
  CHECK_TORCH("slice_step", [](auto& x) { return slice(x[0], 1, 1, 7, 2); });
  CHECK_TORCH("slice_step_neg_start", [](auto& x) { return slice(x[0], -1, -5, 7, 3); });
}
TG_OP_TEST(Slice, Gradcheck, "the gradient is zero-padded back") {
  In in{leaf({2, 4, 3}, 5)};
  CHECK_GRADCHECK([](auto& x) { return slice(x[0], 1, 1, 3); }, in);
  CHECK_GRADCHECK([](auto& x) { return slice(x[0], -1, 0, 1); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return mul(slice(x[0], 1, 0, 2), slice(x[0], 1, 2, 4)); }, in);
  CHECK_GRADCHECK([](auto& x) { return slice(x[0], 1, 1, 4, 2); }, in);  // with a step: index_add back
  CHECK_GRADGRADCHECK([](auto& x) { return square(slice(x[0], 0, 0, 2, 3)); }, in);
}

TG_OP_TEST(Cat, Value, "axes 0, 1 and -1, empty pieces; PyTorch") {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2}), b = tensor({5, 6}, {2, 1});
  CHECK_CLOSE(cat({a, b}, 1), {1, 2, 5, 3, 4, 6});
  CHECK_CLOSE(cat({a, transpose(b, 0, 1)}, 0), {1, 2, 3, 4, 5, 6});
  CHECK_CLOSE(cat({a, zeros({2, 0}), b}, -1), {1, 2, 5, 3, 4, 6});
  CHECK_TORCH("cat_axis0", [](auto& x) { return cat({x[0], x[1], x[2]}, 0); });
  CHECK_TORCH("cat_axis1", [](auto& x) { return cat({x[0], x[1], x[2]}, 1); });
  CHECK_TORCH("cat_neg_axis", [](auto& x) { return cat({x[0], x[1]}, -1); });
}
TG_OP_TEST(Cat, Gradcheck, "three pieces along the middle axis") {
  In in{leaf({2, 1, 2}, 6), leaf({2, 3, 2}, 7), leaf({2, 2, 2}, 8)};
  CHECK_GRADCHECK([](auto& x) { return cat({x[0], x[1], x[2]}, 1); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return square(cat({x[0], x[1], x[2]}, -2)); }, in);
}

TG_OP_TEST(Stack, Value, "new axis anywhere; PyTorch") {
  Tensor a = tensor({1, 2}), b = tensor({3, 4});
  CHECK(stack({a, b}, 0).shape() == Shape{2, 2});
  CHECK_CLOSE(stack({a, b}, 0), {1, 2, 3, 4});
  CHECK_CLOSE(stack({a, b}, -1), {1, 3, 2, 4});
  CHECK_THROWS_AS(stack({a, tensor({1, 2, 3})}, 0), Error);
  CHECK_TORCH("stack_axis0", [](auto& x) { return stack({x[0], x[1], x[2]}, 0); });
  CHECK_TORCH("stack_axis1", [](auto& x) { return stack({x[0], x[1]}, 1); });
  CHECK_TORCH("stack_neg_axis", [](auto& x) { return stack({x[0], x[1]}, -1); });
}
TG_OP_TEST(Stack, Gradcheck, "") {
  In in{leaf({2, 3}, 9), leaf({2, 3}, 10)};
  CHECK_GRADCHECK([](auto& x) { return stack({x[0], x[1]}, 1); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return square(stack({x[0], x[1], x[0]}, -1)); }, in);
}
