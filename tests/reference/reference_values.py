# Shared by the tests/reference/make_*_reference.py generators: deterministic test values, the
# C++ spelling of a tensor's values as an inline std::vector<double>, and a RefCase tensor entry.
import math

import torch


def det(shape, scale, phase):
    """Deterministic, irregular test values: scale * sin(1.3 i + phase), in the default dtype."""
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


def cpp_vector(name, values):
    """`inline const std::vector<double> name = {...};` with the values flattened, four a line."""
    flat = [float(v) for v in torch.as_tensor(values).flatten().tolist()]
    rows = [", ".join(repr(v) for v in flat[i:i + 4]) for i in range(0, len(flat), 4)]
    body = ",\n    ".join(rows)
    return f"inline const std::vector<double> {name} = {{\n    {body}}};"


def num(v, integral):
    """A value as C++ source: an integer, NAN, +-INFINITY, or the shortest round-tripping double."""
    if integral:
        return str(int(v))
    v = float(v)
    if v != v:
        return "NAN"
    if v in (float("inf"), float("-inf")):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def ref_tensor(t, kind):
    """One RefTensor initializer {'kind', {shape}, {values}} (kind 'f', 'c' or 'i')."""
    integral = not (t.is_floating_point() or t.dtype == torch.bool)
    vals = t.reshape(-1).tolist() if t.dtype != torch.bool else t.reshape(-1).double().tolist()
    shape = ", ".join(str(d) for d in t.shape)
    body = ", ".join(num(v, integral) for v in vals)
    return f"{{'{kind}', {{{shape}}}, {{{body}}}}}"


def out_kind(t):
    """'f' for a float (or bool) output, 'i' for an integer one."""
    return "f" if (t.is_floating_point() or t.dtype == torch.bool) else "i"


def ref_case(c):
    """One RefCase initializer: name, inputs, output, upstream gradient, input gradients."""
    ins = ", ".join(ref_tensor(t, k) for k, t in c["inputs"])
    out = ref_tensor(c["output"], out_kind(c["output"]))
    up = ref_tensor(c["upstream"], "f") if "upstream" in c else "{'f', {}, {}}"
    grads = ", ".join(ref_tensor(g, "f") for g in c.get("grads", []))
    return f'      {{"{c["name"]}",\n       {{{ins}}},\n       {out},\n       {up},\n       {{{grads}}}}},'


def randn(*shape, scale=1.0, shift=0.0):
    """f32-exact values scale * N(0, 1) + shift, as f64."""
    return (torch.randn(*shape) * scale + shift).double()


def rand(*shape, lo=0.0, hi=1.0):
    return (torch.rand(*shape) * (hi - lo) + lo).double()


# Input kinds: D differentiable float, C constant float (no gradient), I integer indices.
def D(t): return ("f", t)
def C(t): return ("c", t)
def I(t): return ("i", t.long())


def make_case(name, fn, *inputs):
    """Runs fn on the inputs and, where the output carries a gradient, backward from a random
    f32-exact upstream gradient (f16-exact for half outputs); returns the case's tensors."""
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
    return entry
