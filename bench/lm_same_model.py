#!/usr/bin/python3
"""Checks that bench/lm_torch.py's GPT is models/gpt's: loads the weights build/bench_lm_grads wrote
into the PyTorch model, computes the loss on the same 8 validation windows, and compares it and every
parameter's gradient with tapegrad's. Prints the largest differences. Run:
  build/bench_lm_grads --out /tmp/lm && /usr/bin/python3 bench/lm_same_model.py /tmp/lm
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_torch import GPT, load_fortunes, windows  # noqa: E402


def load_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, v in header.items():
        if name != "__metadata__":
            begin, end = v["data_offsets"]
            tensors[name] = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32).view(v["shape"])
    return tensors, header.get("__metadata__", {})


def main():
    folder = sys.argv[1]
    weights, meta = load_safetensors(os.path.join(folder, "lm_init.safetensors"))
    grads, gmeta = load_safetensors(os.path.join(folder, "lm_grad.safetensors"))
    m = GPT(context=int(meta["gpt.context"]), embed=int(meta["gpt.embed"]), layers=int(meta["gpt.layers"]),
            heads=int(meta["gpt.heads"]))
    # tapegrad's parameter name -> the PyTorch module's parameter
    ours = {"tok_emb.weight": m.tok_emb.weight, "pos_emb.weight": m.pos_emb.weight, "norm_f.weight": m.norm_f.weight}
    for i, b in enumerate(m.blocks):
        p = f"blocks.{i}."
        ours.update({p + "norm1.weight": b.norm1.weight, p + "norm2.weight": b.norm2.weight,
                     p + "attn.in_proj_weight": b.in_proj.weight, p + "attn.out_proj.weight": b.out_proj.weight,
                     p + "mlp.layers.0.weight": b.fc1.weight, p + "mlp.layers.1.weight": b.fc2.weight})
    assert set(ours) == set(weights), sorted(set(ours) ^ set(weights))
    with torch.no_grad():
        for name, param in ours.items():
            param.copy_(weights[name])
    _, val = load_fortunes(os.environ.get("TG_FORTUNES_DIR", "/usr/share/games/fortunes"))
    vx, vy = windows(val, int(meta["gpt.context"]))
    loss = m.loss(vx[:8], vy[:8])
    loss.backward()
    print(f"loss: PyTorch {loss.item():.8f}, tapegrad {float(gmeta['loss']):.8f}")
    worst = 0.0
    for name, param in ours.items():
        diff = (grads[name] - param.grad).abs().max().item()
        scale = param.grad.abs().max().item()
        worst = max(worst, diff / scale)
        print(f"  {name:30s} max |diff| {diff:.2e}   max |grad| {scale:.2e}")
    print(f"largest gradient difference relative to the parameter's largest gradient: {worst:.2e}")


if __name__ == "__main__":
    main()
