#!/usr/bin/python3
"""Writes tests/reference/semantics_reference.h: PyTorch reference cases for the ops and options
that follow PyTorch's semantics at the edges (max/min along an axis, strided slices, clamp_min/max,
cross_entropy's weights / ignore_index / label_smoothing / probability targets, BCE's weight and
pos_weight, log_softmax far from zero). Same case format as make_torch_reference.py (RefCase, read
by tests/autograd/torch_check.cpp); a separate file so these cases draw their own random stream.

Run from the repository root with the system Python that has PyTorch's CPU build:
    /usr/bin/python3 tests/reference/make_semantics_reference.py
"""
import os

import torch
import torch.nn.functional as F
from reference_values import ref_case

torch.manual_seed(13)
CASES = []


def randn(*shape, scale=1.0, shift=0.0):
    """f32-exact values scale * N(0, 1) + shift, as f64."""
    return (torch.randn(*shape) * scale + shift).double()


def rand(*shape, lo=0.0, hi=1.0):
    return (torch.rand(*shape) * (hi - lo) + lo).double()


def D(t): return ("f", t)
def C(t): return ("c", t)
def I(t): return ("i", t.long())


def case(name, fn, *inputs):
    ts = []
    for kind, t in inputs:
        t = t.clone()
        if kind == "f":
            t.requires_grad_(True)
        ts.append(t)
    y = fn(*ts)
    entry = {"name": name, "inputs": [(k, t.detach()) for (k, _), t in zip(inputs, ts)], "output": y.detach()}
    if y.requires_grad:
        up = torch.randn(y.shape).to(y.dtype)
        y.backward(up)
        entry["upstream"] = up
        entry["grads"] = [t.grad if t.grad is not None else torch.zeros_like(t) for (k, _), t in zip(inputs, ts)
                          if k == "f"]
    CASES.append(entry)


# ---- max/min along an axis (values; the indices are checked exactly in the tests) -------------------
case("max_dim", lambda x: torch.max(x, 1).values, D(randn(2, 3, 4)))
case("max_dim_keepdim_neg", lambda x: torch.max(x, -1, keepdim=True).values, D(randn(2, 3, 4)))
case("min_dim", lambda x: torch.min(x, 0).values, D(randn(3, 4)))
case("amax_axes", lambda x: torch.amax(x, dim=(0, 2)), D(randn(2, 3, 4)))
case("amin_axes_keepdim", lambda x: torch.amin(x, dim=(-1,), keepdim=True), D(randn(2, 3, 4)))

# ---- strided slices and one-sided clamps ----------------------------------------------------------
case("slice_step", lambda x: x[:, 1:7:2], D(randn(2, 8, 3)))
case("slice_step_neg_start", lambda x: x[..., -5::3], D(randn(2, 3, 7)))
case("clamp_min", lambda x: torch.clamp_min(x, -0.3), D(randn(3, 4)))
case("clamp_max", lambda x: torch.clamp_max(x, 0.4), D(randn(3, 4)))

# ---- log_softmax far from zero: x - m - log s keeps the f32 bits (m + log s rounds at 3000) ---------
case("log_softmax_far", lambda x: torch.log_softmax(x, -1), D(randn(3, 6, scale=2.0, shift=3000.0)))

# ---- cross_entropy options ------------------------------------------------------------------------
W5 = rand(5, lo=0.2, hi=2.0)
case("ce_weight_mean", lambda x, t, w: F.cross_entropy(x, t, weight=w), D(randn(6, 5, scale=2.0)),
     I(torch.tensor([1, 0, 4, 1, 3, 3])), C(W5))
case("ce_weight_sum", lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction="sum"), D(randn(4, 5)),
     I(torch.tensor([2, 2, 0, 4])), C(W5))
case("ce_ignore_mean", lambda x, t: F.cross_entropy(x, t, ignore_index=-100), D(randn(5, 4)),
     I(torch.tensor([1, -100, 3, -100, 0])))
case("ce_ignore_in_range_none", lambda x, t: F.cross_entropy(x, t, ignore_index=2, reduction="none"), D(randn(5, 4)),
     I(torch.tensor([1, 2, 3, 2, 0])))
case("ce_weight_ignore_spatial", lambda x, t, w: F.cross_entropy(x, t, weight=w, ignore_index=-1),
     D(randn(2, 5, 3)), I(torch.tensor([[0, -1, 4], [2, 2, -1]])), C(W5))
case("ce_smoothing_mean", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), D(randn(4, 5, scale=2.0)),
     I(torch.tensor([3, 0, 1, 4])))
case("ce_smoothing_weight_ignore", lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2, ignore_index=-100),
     D(randn(5, 5)), I(torch.tensor([4, -100, 1, 1, 0])), C(W5))
case("ce_smoothing_weight_sum", lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.3, reduction="sum"),
     D(randn(3, 5)), I(torch.tensor([0, 2, 4])), C(W5))
case("ce_probs_mean", lambda x, p: F.cross_entropy(x, p), D(randn(4, 5)), C(torch.softmax(randn(4, 5), -1)))
case("ce_probs_weight_smoothing_spatial", lambda x, p, w: F.cross_entropy(x, p, weight=w, label_smoothing=0.1),
     D(randn(2, 5, 3)), C(torch.softmax(randn(2, 5, 3), 1)), C(W5))
case("ce_probs_none", lambda x, p: F.cross_entropy(x, p, reduction="none"), D(randn(3, 4)), D(torch.softmax(randn(3, 4), -1)))

# ---- BCE with logits: weight and pos_weight ---------------------------------------------------------
case("bce_pos_weight_mean", lambda x, y, p: F.binary_cross_entropy_with_logits(x, y, pos_weight=p),
     D(randn(3, 4, scale=3.0)), D(rand(3, 4)), C(rand(4, lo=0.5, hi=3.0)))
case("bce_weight_pos_weight_sum", lambda x, y, w, p: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=p,
                                                                                       reduction="sum"),
     D(randn(2, 3, scale=30.0)), D(rand(2, 3)), C(rand(2, 1, lo=0.1, hi=2.0)), C(rand(3, lo=0.5, hi=3.0)))
case("bce_weight_none", lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, weight=w, reduction="none"),
     D(randn(2, 3)), D(rand(2, 3)), C(rand(3, lo=0.1, hi=2.0)))


# ---- writing the header -----------------------------------------------------------------------
lines = [
    "// Generated by tests/reference/make_semantics_reference.py with PyTorch " + torch.__version__ + ": do not edit.",
    "// Inputs (f32-exact), outputs, a fixed upstream gradient and the input gradients it gives, in f64.",
    "#pragma once",
    '#include "reference/torch_reference.h"  // RefCase',
    "",
    "namespace tg::test {",
    "",
    "inline const std::vector<RefCase>& semantics_reference_cases() {",
    "  static const std::vector<RefCase> cases = {",
]
lines += [ref_case(c) for c in CASES]
lines += ["  };", "  return cases;", "}", "", "}  // namespace tg::test", ""]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "semantics_reference.h")
with open(path, "w") as f:
    f.write("\n".join(lines))
print(f"wrote {len(CASES)} cases to {path}")
