# Shared by the tests/reference/make_*_reference.py generators: deterministic test values and the
# C++ spelling of a tensor's values as an inline std::vector<double>.
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
