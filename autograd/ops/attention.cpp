// scaled_dot_product_attention: checks, the forward kernel, and the backward rule. The backward is
// the FlashAttention-2 backward kernel, run from the saved O and logsumexp L. When the backward is
// itself being recorded (create_graph), the gradient is written in tg ops from the full
// probabilities instead, so that it can be differentiated again; that costs O(Tq Tk) memory, which
// second derivatives (gradient penalties, gradgradcheck) are used with small enough. A dtype or
// head size the device has no kernel for (f16 on the CPU, f64 or D = 8 on CUDA), or a mask on a
// device whose kernel takes none (CUDA), runs the whole op as recorded ops, O = softmax(S) V with
// S = scale Q K^T + M, at the same O(Tq Tk) cost:
//   P = softmax(S), dV = P^T dO, dP = dO V^T, dS = P ∘ (dP - rowsum(P ∘ dP)),
//   dQ = scale dS K, dK = scale dS^T Q
#include "autograd/ops/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/nn_functional.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"
#include "core/creation.h"

namespace tg {
namespace {

constexpr Op kOp = Op::ScaledDotProductAttention;

// Tk: the keys attended to, the first Tk of k's and v's rows (all of them, but for a KV cache's storage).
AttentionArgs checked_args(const Tensor& q, const Tensor& k, const Tensor& v, int64_t Tk, bool causal,
                           std::optional<double> scale) {
  raw::check_compatible(kOp, {&q, &k, &v});
  raw::check_floating(kOp, q);
  TG_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
           "scaled_dot_product_attention: q, k and v must be (B, H, T, D), got q {}, k {}, v {}", describe(q),
           describe(k), describe(v));
  TG_CHECK(k.shape() == v.shape(), "scaled_dot_product_attention: k {} and v {} must have the same shape", describe(k),
           describe(v));
  TG_CHECK(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
           "scaled_dot_product_attention: q {} and k {} must agree in batch, heads and head size (B, H, _, D)",
           describe(q), describe(k));
  TG_CHECK(q.size(3) > 0, "scaled_dot_product_attention: head size D is 0 in q {}", describe(q));
  AttentionArgs a{.B = q.size(0), .H = q.size(1), .Tq = q.size(2), .Tk = Tk, .D = q.size(3),
                  .scale = scale.value_or(1.0 / std::sqrt(double(q.size(3)))), .causal = causal};
  TG_CHECK(a.Tk > 0 || a.Tq == 0, "scaled_dot_product_attention: no keys to attend to: q {}, k {}", describe(q),
           describe(k));
  TG_CHECK(!causal || a.Tq <= a.Tk,
           "scaled_dot_product_attention: causal attention needs Tq <= Tk (the queries are the last Tq of the Tk "
           "positions), got q {} and k {}", describe(q), describe(k));
  TG_CHECK(std::isfinite(a.scale), "scaled_dot_product_attention: scale must be finite, got {}", a.scale);
  return a;
}

// 1 where query i sees key j (j <= i + Tk - Tq), 0 elsewhere: (Tq, Tk) in q's dtype and device.
Tensor causal_mask(const AttentionArgs& a, const Tensor& q) {
  std::vector<double> visible(size_t(a.Tq * a.Tk), 0.0);
  for (int64_t i = 0; i < a.Tq; ++i)
    for (int64_t j = 0; j < a.visible_keys(i); ++j) visible[size_t(i * a.Tk + j)] = 1.0;
  return tensor(visible, {a.Tq, a.Tk}, {.dtype = q.dtype(), .device = q.device()});
}

// The mask as the kernels read it: additive, in q's dtype, (Bm, Hm, Tq, Tk) with Bm in {1, B} and
// Hm in {1, H}; its strides go into a. Keep masks become 0 where kept and -inf where hidden.
Tensor additive_mask(const Tensor& mask, MaskKind kind, const Tensor& q, AttentionArgs& a) {
  TG_CHECK(mask.device() == q.device(), "scaled_dot_product_attention: mask {} is on another device than q {}",
           describe(mask), describe(q));
  TG_CHECK(mask.dim() == 2 || mask.dim() == 4,
           "scaled_dot_product_attention: mask {} must be (Tq, Tk) or (B or 1, H or 1, Tq, Tk)", describe(mask));
  Tensor m = mask.dim() == 2 ? reshape(mask, {1, 1, mask.size(0), mask.size(1)}) : mask;
  TG_CHECK(m.size(2) == a.Tq && m.size(3) == a.Tk && (m.size(0) == 1 || m.size(0) == a.B) &&
               (m.size(1) == 1 || m.size(1) == a.H),
           "scaled_dot_product_attention: mask {} does not broadcast to (B, H, Tq, Tk) = ({}, {}, {}, {})",
           describe(mask), a.B, a.H, a.Tq, a.Tk);
  NoGradGuard constant;
  if (kind == MaskKind::Keep) {
    m = where(ne(m, 0.0), zeros({1}, {.dtype = q.dtype(), .device = q.device()}),
              full({1}, -std::numeric_limits<double>::infinity(), {.dtype = q.dtype(), .device = q.device()}));
  } else {
    TG_CHECK(is_floating(mask.dtype()), "scaled_dot_product_attention: an additive mask must be floating, got {}",
             describe(mask));
    m = m.to(q.dtype());
  }
  a.bias_b_stride = m.size(0) == 1 ? 0 : m.size(1) * a.Tq * a.Tk;
  a.bias_h_stride = m.size(1) == 1 ? 0 : a.Tq * a.Tk;
  return m;
}

// The scores scale Q K^T + M, with -inf where a query may not see a key.
Tensor scores(const Tensor& q, const Tensor& k, const Tensor& bias, const AttentionArgs& a) {
  Tensor s = mul(matmul(q, k, false, true), a.scale);
  if (bias.defined()) s = add(s, bias);
  if (a.causal) s = where(causal_mask(a, q), s, full_like(s, -std::numeric_limits<double>::infinity()));
  return s;
}

// The gradients in tg ops (see the top of the file), recorded when create_graph is on.
Grads differentiable_grads(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                           const Tensor& bias, const AttentionArgs& a) {
  Tensor p = softmax(scores(q, k, bias, a), -1);
  Tensor dv = matmul(p, dout, true, false);
  Tensor dp = matmul(dout, v, false, true);
  Tensor ds = mul(p, sub(dp, sum(mul(p, dp), {3}, /*keepdim=*/true)));
  return {mul(matmul(ds, k), a.scale), mul(matmul(ds, q, true, false), a.scale), dv};
}

// The op for checked sizes a and an optional additive mask `bias` (see additive_mask).
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, AttentionArgs a) {
  Backend& device = backend(q.device());
  if (!device.has_attention_kernel(q.dtype(), a.D) || (bias.defined() && !device.has_attention_mask_kernel()))
    return matmul(softmax(scores(q, k, bias, a), -1), v);
  a.bias = bias.defined() ? bias.data() : nullptr;
  Tensor out = Tensor::empty(q.shape(), q.dtype(), q.device());
  // L in f64 for f64 inputs, f32 otherwise (f16/bf16 kernels accumulate in f32).
  Tensor lse = Tensor::empty({a.B, a.H, a.Tq}, q.dtype() == DType::f64 ? DType::f64 : DType::f32, q.device());
  backend(q.device()).attention_forward(q.dtype(), out.data(), lse.data(), q.data(), k.data(), v.data(), a);
  if (needs_grad(std::vector<Tensor>{q, k, v}))
    record(kOp, out, {q, k, v}, [q, k, v, lse, bias, a](const Tensor& dout, Node& self) -> Grads {
      if (GradMode::enabled()) return differentiable_grads(dout, q, k, v, bias, a);
      Tensor o = self.output();
      Tensor dq = Tensor::empty(q.shape(), q.dtype(), q.device());
      Tensor dk = Tensor::empty(k.shape(), k.dtype(), k.device());
      Tensor dv = Tensor::empty(v.shape(), v.dtype(), v.device());
      backend(q.device()).attention_backward(q.dtype(), dq.data(), dk.data(), dv.data(), q.data(), k.data(),
                                             v.data(), o.data(), lse.data(), dout.data(), a);
      return {dq, dk, dv};
    }, {.tensors = {q, k, v, lse}, .output = true});
  return out;
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                    std::optional<double> scale) {
  return attention(q, k, v, Tensor(), checked_args(q, k, v, k.dim() == 4 ? k.size(2) : 0, causal, scale));
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                    MaskKind kind, bool causal, std::optional<double> scale) {
  AttentionArgs a = checked_args(q, k, v, k.dim() == 4 ? k.size(2) : 0, causal, scale);
  if (!mask.defined()) return attention(q, k, v, Tensor(), a);
  Tensor bias = additive_mask(mask, kind, q, a);
  return attention(q, k, v, bias, a);
}

Tensor cached_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t kv_length, const Tensor& mask,
                        MaskKind kind, bool causal) {
  TG_CHECK(!needs_grad(std::vector<Tensor>{q, k, v}),
           "cached_attention: for inference only (no gradient flows through a KV cache's storage); q {} needs one",
           describe(q));
  TG_CHECK(k.dim() == 4 && 0 <= kv_length && kv_length <= k.size(2),
           "cached_attention: cache storage {} must be (B, H, capacity, D) with capacity >= kv_length = {}", describe(k),
           kv_length);
  Backend& device = backend(q.device());
  if (!device.has_attention_kernel(q.dtype(), q.size(-1)) || !device.has_attention_mask_kernel())  // copy the rows
    return scaled_dot_product_attention(q, slice(k, 2, 0, kv_length), slice(v, 2, 0, kv_length), mask, kind, causal);
  AttentionArgs a = checked_args(q, k, v, kv_length, causal, std::nullopt);
  Tensor bias = mask.defined() ? additive_mask(mask, kind, q, a) : Tensor();
  a.kv_rows = k.size(2);
  a.bias = bias.defined() ? bias.data() : nullptr;
  Tensor out = Tensor::empty(q.shape(), q.dtype(), q.device());
  Tensor lse = Tensor::empty({a.B, a.H, a.Tq}, q.dtype() == DType::f64 ? DType::f64 : DType::f32, q.device());
  device.attention_forward(q.dtype(), out.data(), lse.data(), q.data(), k.data(), v.data(), a);
  return out;
}

}  // namespace tg
