#!/usr/bin/python3
# Generates PyTorch's numbers for the convolution tests, so the suites need no Python, in three
# headers of tests/reference (namespace conv_ref in all three):
# - unfold_reference.h: unfold and fold values and gradients (tests/autograd/test_conv.cpp);
# - conv_reference.h: conv2d, conv_transpose2d and avg_pool2d values and gradients (the same tests);
# - norm_layers_reference.h: the normalisation layers (BatchNorm1d/2d in train and eval mode with
#   their running statistics, GroupNorm) and optimizer parameter groups with an LR schedule
#   (tests/nn/test_norm_layers.cpp).
# Run from the repository root: /usr/bin/python3 tests/reference/make_conv_reference.py
import os

import torch
import torch.nn.functional as F

from reference_values import cpp_vector, det  # beside this file

torch.set_default_dtype(torch.float64)
out = []


def emit(name, values):
    out.append(cpp_vector(name, values))


def op_case(name, fn, inputs):
    """fn(*inputs) and the inputs' gradients of loss = sum(fn(*inputs) * c), c deterministic."""
    leaves = [t.clone().requires_grad_() for t in inputs]
    y = fn(*leaves)
    c = det(tuple(y.shape), 1.0, 0.4)
    (y * c).sum().backward()
    emit(f"{name}_y", y.detach())
    emit(f"{name}_c", c)
    for i, t in enumerate(leaves):
        emit(f"{name}_in{i}", t.detach())
        emit(f"{name}_d{i}", t.grad)


# ---- ops: shapes and geometries the C++ tests repeat (tests/autograd/test_conv.cpp) ----
op_case("unfold", lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=(1, 1), stride=(2, 1)),
        [det((2, 2, 5, 6), 1.0, 0.1)])
op_case("fold", lambda c: F.fold(c, (5, 6), (2, 3), dilation=(1, 2), padding=(1, 1), stride=(2, 1)),
        [det((2, 12, 12), 1.0, 0.2)])
unfold_end = len(out)  # what follows goes to conv_reference.h
op_case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
        [det((2, 3, 7, 6), 1.0, 0.3), det((4, 3, 3, 2), 0.5, 0.5), det((4,), 0.2, 0.7)])
op_case("conv2d_dcgan", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        [det((2, 2, 8, 8), 1.0, 0.9), det((3, 2, 4, 4), 0.3, 1.1), det((3,), 0.2, 1.3)])
op_case("conv_transpose2d",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 1), padding=(1, 1), output_padding=(1, 0),
                                           dilation=(1, 2)),
        [det((2, 3, 4, 5), 1.0, 1.5), det((3, 2, 4, 3), 0.5, 1.7), det((2,), 0.2, 1.9)])
op_case("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), [det((1, 2, 5, 5), 1.0, 2.1)])
ops_end = len(out)  # what follows goes to norm_layers_reference.h

# ---- BatchNorm2d: two training batches (outputs, gradients of the first, running statistics
# after both), then eval mode on a third input ----
bn = torch.nn.BatchNorm2d(3)
with torch.no_grad():
    bn.weight.copy_(1 + det((3,), 0.5, 2.3))
    bn.bias.copy_(det((3,), 0.3, 2.5))
x1 = (det((4, 3, 3, 2), 2.0, 2.7) + 0.5).requires_grad_()
y1 = bn(x1)
c1 = det(tuple(y1.shape), 1.0, 2.9)
(y1 * c1).sum().backward()
x2 = det((4, 3, 3, 2), 1.5, 3.1) - 0.25
bn(x2)
bn.eval()
x3 = det((2, 3, 3, 2), 1.0, 3.3)
for name, t in [("weight", bn.weight), ("bias", bn.bias), ("x1", x1), ("c1", c1), ("y1", y1), ("x2", x2),
                ("x3", x3), ("y3", bn(x3)), ("running_mean", bn.running_mean), ("running_var", bn.running_var),
                ("dx1", x1.grad), ("dweight", bn.weight.grad), ("dbias", bn.bias.grad)]:
    emit(f"bn2d_{name}", t.detach())

# ---- BatchNorm1d on (N, C): one training batch, its running statistics ----
bn1 = torch.nn.BatchNorm1d(3, momentum=0.3)
x = det((5, 3), 2.0, 3.5)
emit("bn1d_x", x)
emit("bn1d_y", bn1(x).detach())
emit("bn1d_running_mean", bn1.running_mean)
emit("bn1d_running_var", bn1.running_var)

# ---- GroupNorm(2 groups, 4 channels) ----
gn = torch.nn.GroupNorm(2, 4)
with torch.no_grad():
    gn.weight.copy_(1 + det((4,), 0.5, 3.7))
    gn.bias.copy_(det((4,), 0.3, 3.9))
op_case("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5),
        [det((2, 4, 3, 3), 2.0, 4.1), gn.weight.detach(), gn.bias.detach()])

# ---- parameter groups: two parameters in two groups (own lr, own weight decay), 3 steps with
# fixed gradients, and StepLR scaling both groups' lr ----
pa0, pb0 = det((2, 3), 1.0, 4.3), det((3,), 1.0, 4.5)
emit("groups_pa0", pa0)
emit("groups_pb0", pb0)
ga = [det((2, 3), 0.5, 4.7 + s) for s in range(3)]
gb = [det((3,), 0.5, 5.1 + s) for s in range(3)]
emit("groups_ga", torch.stack(ga))
emit("groups_gb", torch.stack(gb))
configs = {
    "sgd": lambda a, b: torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01, "weight_decay": 0.1}], lr=0.1,
                                        momentum=0.9),
    "adam": lambda a, b: torch.optim.Adam([{"params": [a], "weight_decay": 0.2}, {"params": [b], "lr": 0.05}],
                                          lr=0.01),
    "adamw": lambda a, b: torch.optim.AdamW([{"params": [a]}, {"params": [b], "lr": 0.05, "weight_decay": 0.0}],
                                            lr=0.01, weight_decay=0.1),
}
for name, make in configs.items():
    a, b = pa0.clone().requires_grad_(), pb0.clone().requires_grad_()
    opt = make(a, b)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    lrs = []
    for s in range(3):
        a.grad, b.grad = ga[s].clone(), gb[s].clone()
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    emit(f"groups_{name}_a", a.detach())
    emit(f"groups_{name}_b", b.detach())
    emit(f"groups_{name}_lrs", torch.tensor(lrs))  # (3 steps, 2 groups): the lr each step used


def write(name, what, values):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        f.write(f"// Generated by tests/reference/make_conv_reference.py with torch {torch.__version__}; do not edit.\n")
        f.write(f"// PyTorch's values (float64): {what}.\n")
        f.write("#pragma once\n#include <vector>\n\nnamespace conv_ref {\n\n")
        f.write("\n".join(values))
        f.write("\n\n}  // namespace conv_ref\n")
    print(f"wrote {path}")


write("unfold_reference.h", "unfold and fold", out[:unfold_end])
write("conv_reference.h", "conv2d, conv_transpose2d, avg_pool2d", out[unfold_end:ops_end])
write("norm_layers_reference.h", "BatchNorm/GroupNorm, optimizer parameter groups", out[ops_end:])
