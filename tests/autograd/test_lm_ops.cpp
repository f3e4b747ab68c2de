// The engine pieces of the language model: silu (an op-table entry), nn::RMSNorm and
// scaled_dot_product_attention with an explicit keep or additive mask. Values and gradients against
// PyTorch (tests/reference/make_torch_reference.py, the cases at its end), gradcheck in f64, and the
// tiled kernel against the same attention written as matmul/softmax/matmul at sizes spanning tiles.
#include <cmath>
#include <limits>

#include "nn/rms_norm.h"
#include "torch_check.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {
TensorOptions f64{.dtype = DType::f64};

// softmax(scale q k^T + bias) v in tg ops, bias already -inf where hidden: the oracle for the kernel.
Tensor naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias) {
  Tensor s = add(mul(matmul(q, k, false, true), 1.0 / std::sqrt(double(q.size(3)))), bias);
  return matmul(softmax(s, -1), v);
}

// A (T, S) keep-mask of 0/1 from a fixed pattern, with at least key 0 kept in every row.
Tensor pattern_mask(int64_t T, int64_t S) {
  std::vector<double> m(size_t(T * S));
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < S; ++j) m[size_t(i * S + j)] = j == 0 || (i * 7 + j * 3) % 5 != 0 ? 1 : 0;
  return tensor(m, {T, S}, f64);
}
}  // namespace

TG_OP_TEST(Silu, Value, "closed form and PyTorch") {
  Tensor x = tensor({0, 1, -1, 40, -40}, {}, f64);
  const double s1 = 1 / (1 + std::exp(-1.0));
  CHECK_CLOSE(silu(x), {0, s1, -(1 - s1), 40, -40 * std::exp(-40.0) / (1 + std::exp(-40.0))}, 1e-300, 1e-15);
  CHECK_TORCH("silu", [](auto& x) { return silu(x[0]); });
}
TG_OP_TEST(Silu, Gradcheck, "first and second order") {
  In in{leaf({2, 3}, 11, 3.0)};
  CHECK_GRADCHECK([](auto& x) { return silu(x[0]); }, in);
  CHECK_GRADGRADCHECK([](auto& x) { return silu(x[0]); }, in);
}

TEST_CASE("RMSNorm: values and gradients against PyTorch, gradcheck, errors") {
  nn::RMSNorm norm(8);
  CHECK(norm.eps == 1e-6);
  CHECK_TORCH("rms_norm", [&](auto& x) {
    norm.weight = x[1];  // the reference's weight, as the module's parameter
    return norm.forward(x[0]);
  });
  nn::RMSNorm small(4);
  In in{leaf({3, 4}, 12), leaf({4}, 13, 0.5, 1.0)};
  CHECK_GRADCHECK(
      [&](auto& x) {
        small.weight = x[1];
        return small.forward(x[0]);
      },
      in);
  // Exact: x = (3, 4) has rms sqrt(12.5); eps = 0 without weight gives x / rms.
  nn::RMSNorm plain(2, 0.0, false);
  CHECK_CLOSE(plain(tensor({3, 4}, {1, 2}, f64)), {3 / std::sqrt(12.5), 4 / std::sqrt(12.5)}, 1e-15, 1e-15);
  CHECK_ERROR(norm(zeros({2, 5})), "RMSNorm(8)", "(2, 5)");
}

TEST_CASE("scaled_dot_product_attention with a mask: PyTorch values and gradients") {
  auto keep = [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], x[3], MaskKind::Keep, true); };
  CHECK_TORCH("sdpa_keep_mask_causal", keep);
  CHECK_TORCH("sdpa_keep_mask_batch",
              [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], x[3], MaskKind::Keep); });
  CHECK_TORCH("sdpa_additive_mask_causal",
              [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], x[3], MaskKind::Additive, true); });
}

TEST_CASE("scaled_dot_product_attention with a mask: gradcheck (keep, additive, broadcast, cached keys)") {
  In in{leaf({2, 2, 3, 4}, 21), leaf({2, 2, 5, 4}, 22), leaf({2, 2, 5, 4}, 23)};
  Tensor keep = pattern_mask(3, 5);
  CHECK_GRADCHECK([&](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], keep, MaskKind::Keep, true); },
                  in);
  Tensor bias = tg::test::leaf({2, 1, 3, 5}, 24).detach();
  CHECK_GRADCHECK(
      [&](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], bias, MaskKind::Additive); }, in);
  In small{leaf({1, 1, 2, 3}, 25), leaf({1, 1, 3, 3}, 26), leaf({1, 1, 3, 3}, 27)};
  Tensor keep23 = tensor({1, 0, 1, 0, 1, 1}, {2, 3}, f64);
  CHECK_GRADGRADCHECK(
      [&](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], keep23, MaskKind::Keep, true); }, small);
}

TEST_CASE("masked attention kernel equals matmul/softmax/matmul across tiles (f32 and f64)") {
  // T = 150 queries over S = 170 keys: three tiles each way, a partial last one, causal offset 20.
  const int64_t B = 2, H = 3, T = 150, S = 170, D = 16;
  for (DType dt : {DType::f64, DType::f32}) {
    CAPTURE(dtype_name(dt));
    Tensor q = leaf({B, H, T, D}, 31).to(dt), k = leaf({B, H, S, D}, 32).to(dt), v = leaf({B, H, S, D}, 33).to(dt);
    Tensor keep = pattern_mask(T, S);
    Tensor bias = where(ne(keep, 0.0), zeros({1}, {.dtype = dt}),
                        full({1}, -std::numeric_limits<double>::infinity(), {.dtype = dt}));
    // causal on top: query i (position i + 20) hides keys j > i + 20
    std::vector<double> c(size_t(T * S));
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < S; ++j) c[size_t(i * S + j)] = j > i + (S - T) ? -INFINITY : 0;
    Tensor expected_bias = add(bias, tensor(c, {T, S}, {.dtype = dt}));
    const double tol = dt == DType::f64 ? 1e-12 : 2e-5;
    Tensor out = scaled_dot_product_attention(q, k, v, keep.to(DType::i64), MaskKind::Keep, true);
    CHECK_CLOSE(out, naive_attention(q, k, v, expected_bias), tol, tol);
    // gradients through the tiled backward against those of the naive graph
    Tensor dout = leaf({B, H, T, D}, 34).detach().to(dt);
    auto grads = [&](bool tiled) {
      Tensor qq = q.detach().requires_grad_(), kk = k.detach().requires_grad_(), vv = v.detach().requires_grad_();
      Tensor o = tiled ? scaled_dot_product_attention(qq, kk, vv, keep, MaskKind::Keep, true)
                       : naive_attention(qq, kk, vv, expected_bias);
      sum(mul(o, dout)).backward();
      return In{qq.grad(), kk.grad(), vv.grad()};
    };
    In tiled = grads(true), naive = grads(false);
    for (int i = 0; i < 3; ++i) CHECK_CLOSE(tiled[size_t(i)], naive[size_t(i)], tol, tol);
    // an additive mask broadcast over the batch, (1, H, T, S)
    Tensor alibi = mul(leaf({1, H, T, S}, 35).detach(), 2.0).to(dt);
    CHECK_CLOSE(scaled_dot_product_attention(q, k, v, alibi, MaskKind::Additive),
                naive_attention(q, k, v, alibi), tol, tol);
  }
}

TEST_CASE("masked attention: a query that sees no key gets 0 and no gradient") {
  Tensor q = leaf({1, 1, 2, 2}, 41), k = leaf({1, 1, 3, 2}, 42), v = leaf({1, 1, 3, 2}, 43);
  Tensor keep = tensor({0, 0, 0, 1, 0, 1}, {2, 3}, f64);
  Tensor out = scaled_dot_product_attention(q, k, v, keep);
  std::vector<double> o = out.to_vector<double>();
  CHECK(o[0] == 0);
  CHECK(o[1] == 0);
  sum(out).backward();
  std::vector<double> dq = q.grad().to_vector<double>();
  CHECK(dq[0] == 0);
  CHECK(dq[1] == 0);
}

TEST_CASE("masked attention: errors name the mask and the sizes") {
  Tensor q = zeros({2, 2, 3, 4}), k = zeros({2, 2, 5, 4});
  CHECK_ERROR(scaled_dot_product_attention(q, k, k, zeros({3, 4})), "scaled_dot_product_attention", "(3, 4)",
              "(2, 2, 3, 5)");
  CHECK_ERROR(scaled_dot_product_attention(q, k, k, zeros({3, 1, 3, 5})), "mask", "(3, 1, 3, 5)");
  CHECK_ERROR(scaled_dot_product_attention(q, k, k, zeros({5})), "mask", "(5,)");
  CHECK_ERROR(scaled_dot_product_attention(q, k, k, zeros({3, 5}, {.dtype = DType::i64}), MaskKind::Additive),
              "additive mask must be floating", "i64");
}
