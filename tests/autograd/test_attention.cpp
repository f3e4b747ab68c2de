// ScaledDotProductAttention in the op-coverage suite: closed-form values, gradcheck (causal and
// not, queries shorter than keys) and gradgradcheck through the create_graph path. The tiled
// kernels against the naive reference at many shapes, memory and errors are in tests/attention/.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};
}  // namespace

TG_OP_TEST(ScaledDotProductAttention, Value, "equal scores average the visible values; two keys") {
  // q = 0 makes every score 0, so each query averages the values it sees: all three, or
  // (causal) the first i + 1.
  Tensor q = zeros({1, 1, 3, 2}, f64), k = tensor({1, -2, 0.5, 3, -1, 2}, {1, 1, 3, 2}, f64);
  Tensor v = tensor({1, 2, 3, 4, 5, 6}, {1, 1, 3, 2}, f64);
  CHECK_CLOSE(scaled_dot_product_attention(q, k, v), {3, 4, 3, 4, 3, 4}, 1e-15, 1e-15);
  CHECK_CLOSE(scaled_dot_product_attention(q, k, v, /*causal=*/true), {1, 2, 2, 3, 3, 4}, 1e-15, 1e-15);
  // One query at position 2 of 3 (a KV cache of two): causal sees all three keys.
  CHECK_CLOSE(scaled_dot_product_attention(zeros({1, 1, 1, 2}, f64), k, v, true), {3, 4}, 1e-15, 1e-15);
  // Scores 0 and 1 (D = 1, scale 1): weights 1/(1+e) and e/(1+e) on values 1 and 0.
  Tensor out = scaled_dot_product_attention(tensor({1}, {1, 1, 1, 1}, f64), tensor({0, 1}, {1, 1, 2, 1}, f64),
                                            tensor({1, 0}, {1, 1, 2, 1}, f64), false, 1.0);
  CHECK_CLOSE(out, {1 / (1 + M_E)}, 1e-15, 1e-14);
  // The default scale is 1/sqrt(D): D = 4 with q.k = 2 gives the same weights as scale 1 on q.k = 1.
  Tensor q4 = tensor({1, 1, 1, 1}, {1, 1, 1, 4}, f64), k4 = tensor({0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5}, {1, 1, 2, 4}, f64);
  Tensor v4 = tensor({1, 1, 1, 1, 0, 0, 0, 0}, {1, 1, 2, 4}, f64);
  CHECK_CLOSE(scaled_dot_product_attention(q4, k4, v4), std::vector<double>(4, 1 / (1 + M_E)), 1e-15, 1e-14);
}

TG_OP_TEST(ScaledDotProductAttention, Gradcheck, "causal and not, Tq < Tk, and second order") {
  In same{leaf({1, 2, 4, 3}, 1), leaf({1, 2, 4, 3}, 2), leaf({1, 2, 4, 3}, 3)};
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); }, same);
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], true); }, same);
  In cached{leaf({2, 1, 2, 3}, 4), leaf({2, 1, 5, 3}, 5), leaf({2, 1, 5, 3}, 6)};
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], true, 0.7); }, cached);
  CHECK_GRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); }, cached);
  In small{leaf({1, 1, 3, 2}, 7), leaf({1, 1, 3, 2}, 8), leaf({1, 1, 3, 2}, 9)};
  CHECK_GRADGRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], true); }, small);
  CHECK_GRADGRADCHECK([](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); }, small);
}
