// Indexing ops (autograd/ops/indexing.cpp): index_select, index_add, embedding, gather,
// scatter_add and one_hot. Indices repeat, so backward rules must accumulate; i32 indices work
// like i64. PyTorch values, gradcheck and second-order gradcheck in f64 (differentiating in
// the float inputs; indices are constants).
#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
TensorOptions i64{.dtype = DType::i64};
TensorOptions i32{.dtype = DType::i32};
Tensor iota(const Shape& shape) { return arange(0, double(numel(shape)), 1).reshape(shape); }
}  // namespace

TG_OP_TEST(IndexSelect, Value, "rows and columns, repeats, i32; PyTorch") {
  Tensor x = iota({3, 2});
  CHECK_CLOSE(index_select(x, 0, tensor({2, 0, 2}, {}, i64)), {4, 5, 0, 1, 4, 5});
  CHECK_CLOSE(index_select(x, -1, tensor({1, 1}, {}, i32)), {1, 1, 3, 3, 5, 5});
  CHECK(index_select(x, 0, tensor({}, {0}, i64)).shape() == Shape{0, 2});
  CHECK_TORCH("index_select_axis0", [](auto& x) { return index_select(x[0], 0, x[1]); });
  CHECK_TORCH("index_select_neg_axis", [](auto& x) { return index_select(x[0], -1, x[1]); });
}
TG_OP_TEST(IndexSelect, Gradcheck, "repeated indices accumulate") {
  Tensor idx = tensor({1, 0, 1, 1}, {}, i64);
  In in{leaf({2, 3, 2}, 1)};
  CHECK_GRADCHECK([idx](auto& x) { return index_select(x[0], 1, idx); }, in);
  CHECK_GRADGRADCHECK([idx](auto& x) { return square(index_select(x[0], -1, idx)); }, in);
}

TG_OP_TEST(IndexAdd, Value, "repeats accumulate, input untouched; PyTorch") {
  Tensor x = zeros({3, 2});
  Tensor y = index_add(x, 0, tensor({2, 0, 2}, {}, i64), tensor({1, 2, 3, 4, 5, 6}, {3, 2}));
  CHECK_CLOSE(y, {3, 4, 0, 0, 6, 8});
  CHECK_CLOSE(x, {0, 0, 0, 0, 0, 0});  // out of place
  CHECK_THROWS_AS(index_add(x, 0, tensor({0}, {}, i64), zeros({2, 2})), Error);  // src rows != indices
  CHECK_TORCH("index_add_axis1", [](auto& x) { return index_add(x[0], 1, x[1], x[2]); });
}
TG_OP_TEST(IndexAdd, Gradcheck, "in x and in src") {
  Tensor idx = tensor({2, 0, 2}, {}, i64);
  In in{leaf({3, 2}, 2), leaf({3, 2}, 3)};
  CHECK_GRADCHECK([idx](auto& x) { return index_add(x[0], 0, idx, x[1]); }, in);
  CHECK_GRADGRADCHECK([idx](auto& x) { return square(index_add(x[0], 0, idx, x[1])); }, in);
}

TG_OP_TEST(Embedding, Value, "lookup with the index's shape; PyTorch") {
  Tensor w = iota({4, 2});
  Tensor y = embedding(w, tensor({3, 0, 3, 1}, {2, 2}, i64));
  CHECK(y.shape() == Shape{2, 2, 2});
  CHECK_CLOSE(y, {6, 7, 0, 1, 6, 7, 2, 3});
  CHECK_TORCH("embedding", [](auto& x) { return embedding(x[1], x[0]); });  // F.embedding(index, weight)
}
TG_OP_TEST(Embedding, Gradcheck, "repeated rows accumulate") {
  Tensor idx = tensor({1, 3, 1, 0, 1, 3}, {2, 3}, i64);
  In in{leaf({4, 2}, 4)};
  CHECK_GRADCHECK([idx](auto& x) { return embedding(x[0], idx); }, in);
  CHECK_GRADGRADCHECK([idx](auto& x) { return square(embedding(x[0], idx)); }, in);
}

TG_OP_TEST(Gather, Value, "along each axis; PyTorch") {
  Tensor x = iota({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  CHECK_CLOSE(gather(x, 1, tensor({2, 2, 0, 1}, {2, 2}, i64)), {2, 2, 3, 4});
  CHECK_CLOSE(gather(x, 0, tensor({1, 0, 1}, {1, 3}, i32)), {3, 1, 5});
  CHECK_THROWS_AS(gather(x, 1, tensor({0, 0}, {1, 2}, i64)), Error);  // index rows must match
  CHECK_TORCH("gather_axis1", [](auto& x) { return gather(x[0], 1, x[1]); });
  CHECK_TORCH("gather_axis0_3d", [](auto& x) { return gather(x[0], 0, x[1]); });
}
TG_OP_TEST(Gather, Gradcheck, "repeats accumulate") {
  Tensor idx = tensor({0, 2, 0, 1, 1, 1}, {2, 3}, i64);
  In in{leaf({2, 3}, 5)};
  CHECK_GRADCHECK([idx](auto& x) { return gather(x[0], 1, idx); }, in);
  CHECK_GRADGRADCHECK([idx](auto& x) { return square(gather(x[0], -1, idx)); }, in);
}

TG_OP_TEST(ScatterAdd, Value, "repeats accumulate; PyTorch") {
  Tensor y = scatter_add(zeros({2, 3}), 1, tensor({0, 0, 2, 1}, {2, 2}, i64), tensor({1, 2, 3, 4}, {2, 2}));
  CHECK_CLOSE(y, {3, 0, 0, 0, 4, 3});
  CHECK_TORCH("scatter_add_axis1", [](auto& x) { return scatter_add(x[0], 1, x[1], x[2]); });
  CHECK_TORCH("scatter_add_neg_axis_3d", [](auto& x) { return scatter_add(x[0], -2, x[1], x[2]); });
}
TG_OP_TEST(ScatterAdd, Gradcheck, "in x and in src") {
  Tensor idx = tensor({0, 0, 2, 1, 1, 1}, {2, 3}, i64);
  In in{leaf({2, 3}, 6), leaf({2, 3}, 7)};
  CHECK_GRADCHECK([idx](auto& x) { return scatter_add(x[0], 1, idx, x[1]); }, in);
  CHECK_GRADGRADCHECK([idx](auto& x) { return square(scatter_add(x[0], 1, idx, x[1])); }, in);
}

TG_OP_TEST(OneHot, Value, "rows of the identity, dtype; PyTorch") {
  Tensor y = one_hot(tensor({2, 0}, {}, i64), 3);
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.dtype() == DType::i64);  // as torch.nn.functional.one_hot
  CHECK_CLOSE(y, {0, 0, 1, 1, 0, 0});
  CHECK(one_hot(tensor({1}, {1}, i32), 2, DType::f64).dtype() == DType::f64);
  CHECK_THROWS_AS(one_hot(tensor({3}, {1}, i64), 3), Error);
  CHECK_TORCH("one_hot", [](auto& x) { return one_hot(x[0], 5, DType::f64); });
}
