#!/usr/bin/python3
"""Writes tests/reference/torch_reference.h: PyTorch reference values for the op tests.

Run from the repository root with the system Python that has PyTorch's CPU build:
    /usr/bin/python3 tests/reference/make_torch_reference.py
Inputs are drawn from torch.manual_seed(0) as f32 values (so the C++ f32 and f64 tests read
exactly the same numbers), promoted to f64; outputs and gradients are computed in f64. Each
differentiable case also stores a fixed upstream gradient and the input gradients it gives.
The C++ tests name a case and supply the same op written with tapegrad (tests/autograd/torch_check.h).
"""
import os

import torch
import torch.nn.functional as F
from reference_values import C, D, I, make_case, rand, randn, ref_case

torch.manual_seed(0)
CASES = []


def away_from_zero(*shape, lo=0.5, hi=1.5):
    """Values with |v| in [lo, hi) and random sign: for divisors, abs and reciprocal."""
    sign = torch.where(torch.rand(*shape) < 0.5, -1.0, 1.0)
    return (sign * (torch.rand(*shape) * (hi - lo) + lo)).double()


def small_ints(*shape, lo=-2, hi=3):
    """Integers as floats: comparisons then see ties."""
    return torch.randint(lo, hi, shape).double()


def case(name, fn, *inputs):
    CASES.append(make_case(name, fn, *inputs))


# ---- elementwise ------------------------------------------------------------------------------
case("add_bcast", lambda a, b: a + b, D(randn(2, 1, 3)), D(randn(4, 1)))
case("sub_bcast", lambda a, b: a - b, D(randn(3, 4)), D(randn(4)))
case("mul_bcast", lambda a, b: a * b, D(randn(2, 3, 1)), D(randn(1, 4)))
case("div_bcast", lambda a, b: a / b, D(randn(2, 3)), D(away_from_zero(3)))
case("pow_bcast", lambda a, b: torch.pow(a, b), D(rand(2, 3, lo=0.5, hi=2.0)), D(randn(3)))
case("maximum_bcast", torch.maximum, D(randn(3, 4)), D(randn(4)))
case("minimum_bcast", torch.minimum, D(randn(3, 4)), D(randn(1, 4)))
case("neg", torch.neg, D(randn(2, 3)))
case("exp", torch.exp, D(randn(2, 3, scale=2.0)))
case("log", torch.log, D(rand(2, 3, lo=0.1, hi=5.0)))
case("log1p", torch.log1p, D(rand(2, 3, lo=-0.9, hi=3.0)))
case("sqrt", torch.sqrt, D(rand(2, 3, lo=0.1, hi=4.0)))
case("abs", torch.abs, D(away_from_zero(2, 3)))
case("tanh", torch.tanh, D(randn(2, 3, scale=2.0)))
case("sigmoid", torch.sigmoid, D(randn(3, 4, scale=6.0)))
case("relu", torch.relu, D(away_from_zero(2, 4)))
case("leaky_relu", lambda x: F.leaky_relu(x, 0.1), D(away_from_zero(2, 4)))
case("gelu", F.gelu, D(randn(3, 4, scale=2.0)))
case("erf", torch.erf, D(randn(3, 4)))
case("softplus", F.softplus, D(randn(3, 4, scale=4.0)))
case("clamp", lambda x: torch.clamp(x, -0.5, 0.7), D(randn(3, 4)))
case("add_scalar", lambda x: x + 2.5, D(randn(2, 3)))
case("mul_scalar", lambda x: x * -1.5, D(randn(2, 3)))
case("pow_scalar_3", lambda x: x ** 3, D(randn(2, 3)))
case("pow_scalar_2", lambda x: x ** 2, D(randn(2, 3)))
case("pow_scalar_half", lambda x: x ** 0.5, D(rand(2, 3, lo=0.2, hi=3.0)))
case("reciprocal", torch.reciprocal, D(away_from_zero(2, 3)))
case("square", torch.square, D(randn(2, 3)))
case("where_bcast", lambda c, a, b: torch.where(c != 0, a, b), C(small_ints(2, 1, lo=0, hi=2)), D(randn(2, 3)),
     D(randn(3)))
# Casts. f64 -> f32 on values that are not f32-exact; f32 -> f16/bf16 on values chosen to hit
# ties (round to even), subnormals, 65504 and overflow; f32 -> i64 truncates toward zero.
case("cast_f64_f32", lambda x: x.float(), D(torch.tensor([0.1, 1 / 3, -2.0 / 7, 1e-40, 3.4e38, 1e10 + 1],
                                                           dtype=torch.float64)))
ties = [1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11), 65504, 65519, 65520, 1e5, 2 ** -24, 2 ** -25,
        3 * 2 ** -26, 1e-8, -2.5, 0.1, 1 / 3, 2 ** -14 - 2 ** -25]
case("cast_f32_f16", lambda x: x.float().half(), D(torch.tensor(ties, dtype=torch.float32).double()))
bties = [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 1 + 2 ** -8 + 2 ** -20, 3.3895e38, 3.4e38, 1e-40, 0.1, -1 / 3]
case("cast_f32_bf16", lambda x: x.float().bfloat16(), D(torch.tensor(bties, dtype=torch.float32).double()))
case("cast_f32_i64", lambda x: x.float().long(), C(torch.tensor([-2.7, -0.5, 0.0, 0.5, 2.7, 1e6 + 0.25]).double()))
for name, fn in [("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt), ("le", torch.le), ("gt", torch.gt),
                 ("ge", torch.ge)]:
    case(name + "_bcast", lambda a, b, fn=fn: fn(a, b).double(), C(small_ints(3, 4)), C(small_ints(4)))

# ---- reductions -------------------------------------------------------------------------------
case("sum_all", lambda x: x.sum(), D(randn(2, 3, 4)))
case("sum_axes_keepdim", lambda x: x.sum(dim=(0, 2), keepdim=True), D(randn(2, 3, 4)))
case("sum_neg_axis", lambda x: x.sum(dim=-1), D(randn(2, 3, 4)))
case("mean_axis", lambda x: x.mean(dim=1), D(randn(2, 3, 4)))
case("mean_neg_axes_keepdim", lambda x: x.mean(dim=(-1, -3), keepdim=True), D(randn(2, 3, 4)))
case("max_all", lambda x: x.amax(), D(randn(2, 3, 4)))
case("max_neg_axis", lambda x: x.amax(dim=-1), D(randn(2, 3, 4)))
case("max_axes_keepdim", lambda x: x.amax(dim=(0, 2), keepdim=True), D(randn(2, 3, 4)))
case("min_all", lambda x: x.amin(), D(randn(2, 3, 4)))
case("min_axis", lambda x: x.amin(dim=1), D(randn(2, 3, 4)))
case("min_axes_keepdim", lambda x: x.amin(dim=(-1, 0), keepdim=True), D(randn(2, 3, 4)))
case("logsumexp_all", lambda x: torch.logsumexp(x, dim=(0, 1, 2)), D(randn(2, 3, 4, scale=3.0)))
case("logsumexp_axis", lambda x: torch.logsumexp(x, dim=1), D(randn(2, 3, 4, scale=3.0)))
case("logsumexp_neg_keepdim", lambda x: torch.logsumexp(x, dim=-1, keepdim=True), D(randn(2, 3, 4, scale=30.0)))
case("var_all", lambda x: x.var(), D(randn(2, 3, 4)))
case("var_axes_pop", lambda x: x.var(dim=(0, 2), unbiased=False), D(randn(2, 3, 4)))
case("var_neg_keepdim", lambda x: x.var(dim=-1, keepdim=True), D(randn(2, 3, 4, shift=100.0)))
case("argmax_axis", lambda x: x.argmax(dim=1), C(randn(2, 3, 4)))
case("argmax_neg_keepdim", lambda x: x.argmax(dim=-1, keepdim=True), C(randn(2, 3, 4)))
case("argmin_axis", lambda x: x.argmin(dim=0), C(randn(3, 4, 2)))
case("argmin_neg_keepdim", lambda x: x.argmin(dim=-2, keepdim=True), C(randn(3, 4, 2)))


# ---- matmul: op(a) @ op(b), with the transposed operands stored transposed -----------------------
def mm(ta, tb):
    return lambda a, b: torch.matmul(a.transpose(-1, -2) if ta else a, b.transpose(-1, -2) if tb else b)


def mm_shape(batch, rows, cols, trans):
    return (*batch, cols, rows) if trans else (*batch, rows, cols)


M, K, N = 3, 5, 4  # odd sizes: nothing divides a block size
for ta in (False, True):
    for tb in (False, True):
        flags = ("t" if ta else "n") + ("t" if tb else "n")
        case("matmul_2d_" + flags, mm(ta, tb), D(randn(*mm_shape((), M, K, ta))), D(randn(*mm_shape((), K, N, tb))))
        # batch dims (2, 1) and (3,) broadcast to (2, 3)
        case("matmul_bcast_" + flags, mm(ta, tb), D(randn(*mm_shape((2, 1), M, K, ta))),
             D(randn(*mm_shape((3,), K, N, tb))))
        # a batched, b a shared matrix (the linear-layer path)
        case("matmul_linear_" + flags, mm(ta, tb), D(randn(*mm_shape((2, 3), M, K, ta))),
             D(randn(*mm_shape((), K, N, tb))))
        # a a shared matrix, b batched
        case("matmul_shared_a_" + flags, mm(ta, tb), D(randn(*mm_shape((), M, K, ta))),
             D(randn(*mm_shape((2,), K, N, tb))))
case("matmul_vec_mat", mm(False, False), D(randn(K)), D(randn(K, N)))
case("matmul_vec_mat_tb", mm(False, True), D(randn(K)), D(randn(N, K)))
case("matmul_mat_vec", mm(False, False), D(randn(M, K)), D(randn(K)))
case("matmul_mat_vec_ta", mm(True, False), D(randn(K, M)), D(randn(K)))
case("matmul_vec_vec", mm(False, False), D(randn(K)), D(randn(K)))
case("matmul_vec_batched", mm(False, False), D(randn(K)), D(randn(2, K, N)))
case("matmul_batched_vec", mm(False, False), D(randn(2, M, K)), D(randn(K)))

# ---- shape ------------------------------------------------------------------------------------
case("reshape_infer", lambda x: x.reshape(4, -1), D(randn(2, 3, 4)))
case("expand_rank", lambda x: x.expand(2, 3, 4), D(randn(3, 1)))
case("transpose_neg", lambda x: x.transpose(0, -1), D(randn(2, 3, 4)))
case("permute", lambda x: x.permute(2, 0, 1), D(randn(2, 3, 4)))
case("permute_neg", lambda x: x.permute(-1, 0, 1, -2), D(randn(2, 3, 4, 5)))
case("slice_mid", lambda x: x[:, 1:3], D(randn(2, 4, 3)))
case("slice_neg", lambda x: x[..., -3:], D(randn(2, 3, 5)))
case("slice_neg_axis", lambda x: x[:, -3:-1], D(randn(2, 4, 3)))
case("cat_axis0", lambda a, b, c: torch.cat([a, b, c], 0), D(randn(1, 3)), D(randn(2, 3)), D(randn(3, 3)))
case("cat_axis1", lambda a, b, c: torch.cat([a, b, c], 1), D(randn(2, 1, 2)), D(randn(2, 3, 2)),
     D(randn(2, 2, 2)))
case("cat_neg_axis", lambda a, b: torch.cat([a, b], -1), D(randn(2, 3, 2)), D(randn(2, 3, 4)))
case("stack_axis0", lambda a, b, c: torch.stack([a, b, c], 0), D(randn(2, 3)), D(randn(2, 3)), D(randn(2, 3)))
case("stack_axis1", lambda a, b: torch.stack([a, b], 1), D(randn(2, 3)), D(randn(2, 3)))
case("stack_neg_axis", lambda a, b: torch.stack([a, b], -1), D(randn(2, 3)), D(randn(2, 3)))

# ---- indexing (indices repeat, so the backward has to accumulate) ---------------------------------
case("index_select_axis0", lambda x, i: torch.index_select(x, 0, i), D(randn(4, 3)), I(torch.tensor([2, 0, 2, 3, 2])))
case("index_select_neg_axis", lambda x, i: torch.index_select(x, -1, i), D(randn(2, 3, 4)), I(torch.tensor([3, 1, 3])))
case("index_add_axis1", lambda x, i, s: torch.index_add(x, 1, i, s), D(randn(2, 4, 3)), I(torch.tensor([1, 3, 1])),
     D(randn(2, 3, 3)))
case("embedding", F.embedding, I(torch.tensor([[1, 4, 1], [0, 4, 4]])), D(randn(5, 3)))
case("gather_axis1", lambda x, i: torch.gather(x, 1, i), D(randn(3, 4)), I(torch.tensor([[0, 3, 0], [1, 1, 2],
                                                                                       [3, 2, 3]])))
case("gather_axis0_3d", lambda x, i: torch.gather(x, 0, i), D(randn(3, 2, 2)), I(torch.randint(0, 3, (4, 2, 2))))
case("scatter_add_axis1", lambda x, i, s: torch.scatter_add(x, 1, i, s), D(randn(2, 4)),
     I(torch.tensor([[0, 3, 0], [2, 2, 2]])), D(randn(2, 3)))
case("scatter_add_neg_axis_3d", lambda x, i, s: torch.scatter_add(x, -2, i, s), D(randn(2, 3, 2)),
     I(torch.randint(0, 3, (2, 4, 2))), D(randn(2, 4, 2)))
case("one_hot", lambda i: F.one_hot(i, 5).double(), I(torch.tensor([[0, 4], [2, 2], [1, 3]])))

# ---- softmax and losses -----------------------------------------------------------------------
case("softmax_last", lambda x: torch.softmax(x, -1), D(randn(3, 5, scale=3.0)))
case("softmax_axis0", lambda x: torch.softmax(x, 0), D(randn(3, 2, 4)))
case("log_softmax_last", lambda x: torch.log_softmax(x, -1), D(randn(3, 5, scale=3.0)))
case("log_softmax_axis1", lambda x: torch.log_softmax(x, 1), D(randn(2, 3, 4, scale=20.0)))
case("cross_entropy_mean", lambda x, t: F.cross_entropy(x, t), D(randn(4, 5, scale=2.0)), I(torch.tensor([1, 0, 4, 1])))
case("cross_entropy_sum", lambda x, t: F.cross_entropy(x, t, reduction="sum"), D(randn(4, 5)),
     I(torch.tensor([3, 3, 0, 2])))
case("cross_entropy_none_spatial", lambda x, t: F.cross_entropy(x, t, reduction="none"), D(randn(2, 3, 4)),
     I(torch.randint(0, 3, (2, 4))))
case("nll_loss_mean", lambda x, t: F.nll_loss(x, t), D(randn(4, 3)), I(torch.tensor([2, 0, 1, 2])))
case("nll_loss_none_spatial", lambda x, t: F.nll_loss(x, t, reduction="none"), D(randn(2, 3, 2)),
     I(torch.randint(0, 3, (2, 2))))
case("bce_logits_mean", F.binary_cross_entropy_with_logits, D(randn(3, 4, scale=3.0)), D(rand(3, 4)))
case("bce_logits_none", lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
     D(randn(2, 3, scale=30.0)), D(rand(2, 3)))
case("mse_mean", F.mse_loss, D(randn(3, 4)), D(randn(3, 4)))
case("mse_sum", lambda x, y: F.mse_loss(x, y, reduction="sum"), D(randn(2, 3)), D(randn(2, 3)))


# ---- language-model pieces (appended last so that the cases above keep their random inputs) ---
case("silu", F.silu, D(randn(3, 4, scale=6.0)))
# RMSNorm (torch 1.13 has none): x / sqrt(mean(x^2) + eps) * weight, eps = 1e-6
case("rms_norm", lambda x, w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w,
     D(randn(2, 3, 8)), D(randn(8, shift=1.0)))


def naive_attention(q, k, v, keep=None, additive=None, causal=False):
    """softmax(q k^T / sqrt(D) + additive, masked where not kept or causal-hidden) v, written out."""
    s = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if additive is not None:
        s = s + additive
    hidden = torch.zeros(s.shape[-2:], dtype=torch.bool)
    if causal:  # queries are the last Tq of Tk positions
        tq, tk = s.shape[-2:]
        hidden = torch.ones(tq, tk, dtype=torch.bool).triu(tk - tq + 1)
    if keep is not None:
        hidden = hidden | (keep == 0)
    return torch.softmax(s.masked_fill(hidden, float("-inf")), -1) @ v


# A (Tq, Tk) keep-mask with causal and a KV cache of 2 (Tq = 3, Tk = 5); every row keeps a key.
keep = torch.tensor([[1, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 0, 1, 1]], dtype=torch.float64)
case("sdpa_keep_mask_causal", lambda q, k, v, m: naive_attention(q, k, v, keep=m, causal=True),
     D(randn(2, 2, 3, 4)), D(randn(2, 2, 5, 4)), D(randn(2, 2, 5, 4)), C(keep))
# A (B, 1, Tq, Tk) keep-mask broadcast over heads, with B = 2.
keep_b = torch.tensor([[[[1, 1, 0, 1], [0, 1, 1, 0], [1, 0, 0, 0]]], [[[0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 0, 1]]]],
                      dtype=torch.float64)
case("sdpa_keep_mask_batch", lambda q, k, v, m: naive_attention(q, k, v, keep=m),
     D(randn(2, 3, 3, 4)), D(randn(2, 3, 4, 4)), D(randn(2, 3, 4, 4)), C(keep_b))
# An additive (1, H, Tq, Tk) mask (ALiBi-like biases) broadcast over the batch, with causal.
case("sdpa_additive_mask_causal", lambda q, k, v, m: naive_attention(q, k, v, additive=m, causal=True),
     D(randn(2, 2, 4, 4)), D(randn(2, 2, 4, 4)), D(randn(2, 2, 4, 4)), C(randn(1, 2, 4, 4, scale=2.0)))


# ---- writing the header -----------------------------------------------------------------------
lines = [
    "// Generated by tests/reference/make_torch_reference.py with PyTorch " + torch.__version__ + ": do not edit.",
    "// Inputs (f32-exact), outputs, a fixed upstream gradient and the input gradients it gives, in f64.",
    "#pragma once",
    "#include <cmath>",
    "#include <cstdint>",
    "#include <vector>",
    "",
    "namespace tg::test {",
    "",
    "// kind: 'f' differentiable float, 'c' constant float, 'i' integer indices.",
    "struct RefTensor {",
    "  char kind;",
    "  std::vector<int64_t> shape;",
    "  std::vector<double> values;",
    "};",
    "",
    "struct RefCase {",
    "  const char* name;",
    "  std::vector<RefTensor> inputs;",
    "  RefTensor output;",
    "  RefTensor upstream;           // empty values when the output carries no gradient",
    "  std::vector<RefTensor> grads;  // one per 'f' input, in order",
    "};",
    "",
    "inline const std::vector<RefCase>& torch_reference_cases() {",
    "  static const std::vector<RefCase> cases = {",
]
lines += [ref_case(c) for c in CASES]
lines += ["  };", "  return cases;", "}", "", "}  // namespace tg::test", ""]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.h")
with open(path, "w") as f:
    f.write("\n".join(lines))
print(f"wrote {len(CASES)} cases to {path}")
