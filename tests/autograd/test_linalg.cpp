// matmul (autograd/ops/linalg.h): exact small products, PyTorch values for every transpose-flag
// combination on 2-D, batch-broadcast, shared-matrix (linear layer) and 1-D operands at odd sizes,
// gradcheck and second-order gradcheck in f64 for each of those paths.
#include <string>

#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
const bool kFlags[2] = {false, true};
std::string flag_name(bool ta, bool tb) { return std::string(ta ? "t" : "n") + (tb ? "t" : "n"); }
// The stored shape of an operand that is (rows, cols) after its transpose flag.
Shape stored(Shape batch, int64_t rows, int64_t cols, bool trans) {
  batch.push_back(trans ? cols : rows);
  batch.push_back(trans ? rows : cols);
  return batch;
}
}  // namespace

TG_OP_TEST(Matmul, Value, "exact 2-D products with every flag combination") {
  // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]; AB = [[19, 22], [43, 50]]
  Tensor A = tensor({1, 2, 3, 4}, {2, 2}), At = tensor({1, 3, 2, 4}, {2, 2});
  Tensor B = tensor({5, 6, 7, 8}, {2, 2}), Bt = tensor({5, 7, 6, 8}, {2, 2});
  CHECK_CLOSE(matmul(A, B), {19, 22, 43, 50});
  CHECK_CLOSE(matmul(At, B, true, false), {19, 22, 43, 50});
  CHECK_CLOSE(matmul(A, Bt, false, true), {19, 22, 43, 50});
  CHECK_CLOSE(matmul(At, Bt, true, true), {19, 22, 43, 50});
  // (2, 3) @ (3,) and (3,) @ (3, 2): the vector dim is dropped, as in torch.matmul
  Tensor M = tensor({1, 0, 2, 0, 1, -1}, {2, 3});
  Tensor v = tensor({3, 4, 5});
  CHECK(matmul(M, v).shape() == Shape{2});
  CHECK_CLOSE(matmul(M, v), {13, -1});
  CHECK_CLOSE(matmul(v, M, false, true), {13, -1});
  Tensor dot = matmul(v, v);
  CHECK(dot.shape() == Shape{});
  CHECK_CLOSE(dot, {50});
  // K = 0 gives zeros, not garbage
  CHECK_CLOSE(matmul(zeros({2, 0}), zeros({0, 3})), {0, 0, 0, 0, 0, 0});
}

TG_OP_TEST(Matmul, Value, "batch broadcast and 1-D shapes") {
  CHECK(matmul(zeros({2, 1, 3, 4}), zeros({5, 4, 6})).shape() == Shape{2, 5, 3, 6});
  CHECK(matmul(zeros({4}), zeros({2, 4, 6})).shape() == Shape{2, 6});
  CHECK(matmul(zeros({2, 3, 4}), zeros({4})).shape() == Shape{2, 3});
  CHECK(matmul(zeros({2, 4, 3}), zeros({6, 4}), true, true).shape() == Shape{2, 3, 6});
  // a batch of two 1x1 products against one shared 1x2 matrix
  CHECK_CLOSE(matmul(tensor({2, 3}, {2, 1, 1}), tensor({1, -1}, {1, 2})), {2, -2, 3, -3});
  CHECK_THROWS_AS(matmul(zeros({3}), zeros({3}), true, false), Error);  // flag on a vector
}

TG_OP_TEST(Matmul, Value, "PyTorch: every flag combination on every path, f64 and f32") {
  for (bool ta : kFlags)
    for (bool tb : kFlags) {
      auto fn = [ta, tb](auto& x) { return matmul(x[0], x[1], ta, tb); };
      for (const char* path : {"2d", "bcast", "linear", "shared_a"}) {
        std::string name = fmt::format("matmul_{}_{}", path, flag_name(ta, tb));
        CAPTURE(name);
        CHECK_TORCH(name.c_str(), fn);
      }
    }
  auto nn = [](auto& x) { return matmul(x[0], x[1]); };
  CHECK_TORCH("matmul_vec_mat", nn);
  CHECK_TORCH("matmul_vec_mat_tb", [](auto& x) { return matmul(x[0], x[1], false, true); });
  CHECK_TORCH("matmul_mat_vec", nn);
  CHECK_TORCH("matmul_mat_vec_ta", [](auto& x) { return matmul(x[0], x[1], true, false); });
  CHECK_TORCH("matmul_vec_vec", nn);
  CHECK_TORCH("matmul_vec_batched", nn);
  CHECK_TORCH("matmul_batched_vec", nn);
}

TG_OP_TEST(Matmul, Gradcheck, "every flag combination, batch broadcast (2,1) x (3,)") {
  for (bool ta : kFlags)
    for (bool tb : kFlags) {
      CAPTURE(flag_name(ta, tb));
      In in{leaf(stored({2, 1}, 2, 3, ta), 1), leaf(stored({3}, 3, 2, tb), 2)};
      auto fn = [ta, tb](auto& x) { return matmul(x[0], x[1], ta, tb); };
      CHECK_GRADCHECK(fn, in);
      CHECK_GRADGRADCHECK(fn, in);
    }
}

TG_OP_TEST(Matmul, Gradcheck, "linear-layer path, shared a, 2-D") {
  for (bool ta : kFlags)
    for (bool tb : kFlags) {
      CAPTURE(flag_name(ta, tb));
      auto fn = [ta, tb](auto& x) { return matmul(x[0], x[1], ta, tb); };
      In linear{leaf(stored({2, 2}, 2, 3, ta), 3), leaf(stored({}, 3, 2, tb), 4)};
      CHECK_GRADCHECK(fn, linear);
      CHECK_GRADGRADCHECK(fn, linear);
      In shared_a{leaf(stored({}, 2, 3, ta), 5), leaf(stored({2}, 3, 2, tb), 6)};
      CHECK_GRADCHECK(fn, shared_a);
      CHECK_GRADGRADCHECK(fn, shared_a);
    }
}

TG_OP_TEST(Matmul, Gradcheck, "1-D operands") {
  auto nn = [](auto& x) { return matmul(x[0], x[1]); };
  for (auto in : {In{leaf({3}, 7), leaf({3, 2}, 8)}, In{leaf({2, 3}, 9), leaf({3}, 10)}, In{leaf({3}, 11), leaf({3}, 12)},
                  In{leaf({3}, 13), leaf({2, 3, 2}, 14)}, In{leaf({2, 2, 3}, 15), leaf({3}, 16)}}) {
    CAPTURE(shape_str(in[0].shape()));
    CAPTURE(shape_str(in[1].shape()));
    CHECK_GRADCHECK(nn, in);
    CHECK_GRADGRADCHECK(nn, in);
  }
  In tb{leaf({3}, 17), leaf({2, 3}, 18)};
  CHECK_GRADCHECK([](auto& x) { return matmul(x[0], x[1], false, true); }, tb);
  CHECK_GRADGRADCHECK([](auto& x) { return matmul(x[0], x[1], false, true); }, tb);
}
