// Batched matmul with transpose flags. For C = op(A) op(B) the gradients are again matmuls
// with flags, so no transpose is ever materialised:
//   dA = dC op(B)^T   (or, when A is transposed, dA = op(B) dC^T)
//   dB = op(A)^T dC   (or, when B is transposed, dB = dC^T op(A))
// Broadcast batch dims are summed back with sum_to.
#include "autograd/ops/linalg.h"

#include "autograd/node.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"

namespace tg {
namespace {

// x with its batch dims materialised to `batch` (a copy only when x really broadcasts).
Tensor expand_batch(const Tensor& x, const Shape& batch) {
  Shape full = batch;
  full.insert(full.end(), x.shape().end() - 2, x.shape().end());
  if (x.shape() == full) return x;
  return raw::copy_strided(x, full, broadcast_strides(x.shape(), full));
}

Tensor matmul_batched(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  size_t na = sa.size(), nb = sb.size();
  int64_t M = ta ? sa[na - 1] : sa[na - 2], K = ta ? sa[na - 2] : sa[na - 1];
  int64_t Kb = tb ? sb[nb - 1] : sb[nb - 2], N = tb ? sb[nb - 2] : sb[nb - 1];
  TG_CHECK(K == Kb, "matmul: inner dimensions differ: {}{} @ {}{} multiplies (.., {}, {}) by (.., {}, {})", describe(a),
           ta ? "^T" : "", describe(b), tb ? "^T" : "", M, K, Kb, N);
  Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  TG_CHECK(broadcastable(batch_a, batch_b), "matmul: batch dims {} of {} and {} of {} cannot be broadcast together",
           shape_str(batch_a), describe(a), shape_str(batch_b), describe(b));
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = Tensor::empty(out_shape, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  if (K == 0) {
    backend(a.device()).fill(a.dtype(), out.data(), out.numel(), 0.0);
    return out;
  }
  GemmArgs g;
  g.trans_a = ta;
  g.trans_b = tb;
  g.m = M;
  g.n = N;
  g.k = K;
  g.lda = sa[na - 1];
  g.ldb = sb[nb - 1];
  g.ldc = N;
  g.c = out.data();
  Tensor A = a, B = b;
  if (batch_b.empty() && !ta) {
    // (..., M, K) @ (K, N): fold a's batch into rows, one GEMM.
    g.m = M * numel(batch_a);
  } else {
    int64_t nbatch = numel(batch);
    A = numel(batch_a) == 1 ? a : expand_batch(a, batch);
    B = numel(batch_b) == 1 ? b : expand_batch(b, batch);
    g.batch = nbatch;
    g.stride_a = numel(batch_a) == 1 ? 0 : M * K;
    g.stride_b = numel(batch_b) == 1 ? 0 : K * N;
    g.stride_c = M * N;
  }
  g.a = A.data();
  g.b = B.data();
  backend(a.device()).gemm(a.dtype(), g);
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  raw::check_compatible(Op::Matmul, {&a, &b});
  raw::check_floating(Op::Matmul, a);
  TG_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: needs at least 1-D operands, got {} and {}", describe(a), describe(b));
  TG_CHECK((a.dim() > 1 || !ta) && (b.dim() > 1 || !tb), "matmul: a transpose flag on a 1-D operand ({} and {})",
           describe(a), describe(b));
  // 1-D operands, as torch.matmul: a vector a is a row (1, K), a vector b a column (K, 1).
  if (a.dim() == 1 || b.dim() == 1) {
    // checked here so the message shows the operands as given, not as the (1, K) / (K, 1) used below
    int64_t ka = a.dim() == 1 ? a.size(0) : a.size(ta ? -2 : -1);
    int64_t kb = b.dim() == 1 ? b.size(0) : b.size(tb ? -1 : -2);
    TG_CHECK(ka == kb, "matmul: inner dimensions differ: {}{} @ {}{} multiplies K = {} by K = {}", describe(a),
             ta ? "^T" : "", describe(b), tb ? "^T" : "", ka, kb);
    Tensor a2 = a.dim() == 1 ? unsqueeze(a, 0) : a;
    Tensor b2 = b.dim() == 1 ? unsqueeze(b, 1) : b;
    Tensor out = matmul(a2, b2, ta, tb);
    if (b.dim() == 1) out = squeeze(out, -1);
    if (a.dim() == 1) out = squeeze(out, -2 + (b.dim() == 1 ? 1 : 0));
    return out;
  }
  Tensor out = matmul_batched(a, b, ta, tb);
  if (needs_grad(a, b))
    record(Op::Matmul, out, {a, b}, [a, b, ta, tb](const Tensor& dc, Node& self) -> Grads {
      Tensor da, db;
      if (self.inputs[0]) da = sum_to(ta ? matmul(b, dc, tb, true) : matmul(dc, b, false, !tb), a.shape());
      if (self.inputs[1]) {
        if (b.dim() == 2 && a.dim() > 2 && !ta) {
          // b is shared by every row of a batched a (a linear layer): one GEMM over all rows.
          Tensor a2 = reshape(a, {-1, a.size(-1)}), dc2 = reshape(dc, {-1, dc.size(-1)});
          db = tb ? matmul(dc2, a2, true, false) : matmul(a2, dc2, true, false);
        } else {
          db = sum_to(tb ? matmul(dc, a, true, ta) : matmul(a, dc, !ta, false), b.shape());
        }
      }
      return {da, db};
    });
  return out;
}

}  // namespace tg
