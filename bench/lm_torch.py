#!/usr/bin/python3
"""The byte-level GPT of models/gpt/gpt.h and examples/train_lm, written in PyTorch 1.13 for the
side-by-side bench (bench/lm_compare.py): the same architecture (token + position embeddings, pre-norm
blocks with RMSNorm eps 1e-6, bias-free attention and SiLU MLP, final RMSNorm, head tied to the token
embedding), the same initialisation (N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 layers)),
norms at one), the same data (fortunes, each plain file split 90/10, non-overlapping windows of
context + 1 bytes, bpc on the first --val-windows validation windows), the same optimizer (Adam,
linear warmup then cosine to 10%, gradient clipping at 1) and the same number of steps. Attention is
naive (q k^T, masked_fill, softmax, @ v): PyTorch 1.13 has no fused attention.

  /usr/bin/python3 bench/lm_torch.py --time-steps 10 --threads 1 --json t.json   # step time only
  /usr/bin/python3 bench/lm_torch.py --epochs 4 --steps-per-epoch 150 --json q.json  # training, bpc
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F


class RMSNorm(torch.nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(torch.nn.Module):
    def __init__(self, e, h, layers):
        super().__init__()
        self.h = h
        self.norm1, self.norm2 = RMSNorm(e), RMSNorm(e)
        self.in_proj = torch.nn.Linear(e, 3 * e, bias=False)
        self.out_proj = torch.nn.Linear(e, e, bias=False)
        self.fc1 = torch.nn.Linear(e, 4 * e, bias=False)
        self.fc2 = torch.nn.Linear(4 * e, e, bias=False)
        residual = 0.02 / math.sqrt(2 * layers)
        for w, std in [(self.in_proj, 0.02), (self.out_proj, residual), (self.fc1, 0.02), (self.fc2, residual)]:
            torch.nn.init.normal_(w.weight, 0, std)

    def attention(self, x, mask):
        b, t, e = x.shape
        q, k, v = self.in_proj(x).view(b, t, 3, self.h, e // self.h).permute(2, 0, 3, 1, 4)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(e // self.h)
        o = torch.softmax(s.masked_fill(mask, float("-inf")), -1) @ v
        return self.out_proj(o.transpose(1, 2).reshape(b, t, e))

    def forward(self, x, mask):
        x = x + self.attention(self.norm1(x), mask)
        return x + self.fc2(F.silu(self.fc1(self.norm2(x))))


class GPT(torch.nn.Module):
    def __init__(self, vocab=256, context=256, embed=256, layers=6, heads=8):
        super().__init__()
        self.tok_emb = torch.nn.Embedding(vocab, embed)
        self.pos_emb = torch.nn.Embedding(context, embed)
        torch.nn.init.normal_(self.tok_emb.weight, 0, 0.02)
        torch.nn.init.normal_(self.pos_emb.weight, 0, 0.02)
        self.blocks = torch.nn.ModuleList(Block(embed, heads, layers) for _ in range(layers))
        self.norm_f = RMSNorm(embed)

    def loss(self, x, y):
        t = x.shape[1]
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        h = self.tok_emb(x) + self.pos_emb(torch.arange(t))
        for b in self.blocks:
            h = b(h, mask)
        logits = self.norm_f(h) @ self.tok_emb.weight.t()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def load_fortunes(folder):
    """data/text.cpp's split: each plain file (no .dat, no links) in name order, 90% to train."""
    train, val = b"", b""
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path) or name.endswith((".dat", ".u8")):
            continue
        text = open(path, "rb").read()
        cut = int(len(text) * 0.9)
        train, val = train + text[:cut], val + text[cut:]
    return train, val


def windows(data, t):
    n = (len(data) - 1) // t
    x = torch.tensor(list(data[: n * t + 1]), dtype=torch.long)
    return x[:-1].view(n, t), x[1:].view(n, t)  # inputs and next-byte targets, as data::make_windows


def lr_at(lr, step, total, warmup):
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="target", choices=["target", "draft"])
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=None, help="default: 2e-3 target, 4e-3 draft (train_lm's)")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--steps-per-epoch", type=int, default=150)
    ap.add_argument("--val-windows", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--time-steps", type=int, default=0, help="only time this many steps on a fixed batch")
    ap.add_argument("--fortunes", default=os.environ.get("TG_FORTUNES_DIR", "/usr/share/games/fortunes"))
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    sizes = dict(embed=256, layers=6, heads=8) if a.model == "target" else dict(embed=128, layers=2, heads=4)
    lr = a.lr if a.lr is not None else (2e-3 if a.model == "target" else 4e-3)
    model = GPT(context=a.context, **sizes)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def step(x, y, lr_now):
        for g in opt.param_groups:
            g["lr"] = lr_now
        loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    out = {"threads": a.threads, "parameters": sum(p.numel() for p in model.parameters())}
    if a.time_steps:
        x = torch.randint(0, 256, (a.batch, a.context))
        y = torch.randint(0, 256, (a.batch, a.context))
        c0 = time.process_time()
        for _ in range(2):
            step(x, y, 1e-3)
        ms = []
        for _ in range(a.time_steps):
            t0 = time.perf_counter()
            step(x, y, 1e-3)
            ms.append(1e3 * (time.perf_counter() - t0))
        out["step_ms"] = sorted(ms)[len(ms) // 2]
        out["step_cpu_ms"] = 1e3 * (time.process_time() - c0) / (a.time_steps + 2)  # all threads, as ours
    else:
        train, val = load_fortunes(a.fortunes)
        tx, ty = windows(train, a.context)
        vx, vy = windows(val, a.context)
        vx, vy = vx[: a.val_windows], vy[: a.val_windows]
        per_epoch = min(a.steps_per_epoch, len(tx) // a.batch) if a.steps_per_epoch else len(tx) // a.batch
        total, seconds, bpc = a.epochs * per_epoch, 0.0, []
        g = torch.Generator().manual_seed(a.seed)
        for epoch in range(a.epochs):
            order = torch.randperm(len(tx), generator=g)
            for i in range(per_epoch):
                idx = order[i * a.batch:(i + 1) * a.batch]
                t0 = time.perf_counter()
                step(tx[idx], ty[idx], lr_at(lr, epoch * per_epoch + i, total, a.warmup))
                seconds += time.perf_counter() - t0
            with torch.no_grad():
                total_loss = sum(model.loss(vx[i:i + a.batch], vy[i:i + a.batch]).item() * len(vx[i:i + a.batch])
                                 for i in range(0, len(vx), a.batch))
            bpc.append(total_loss / len(vx) / math.log(2))
            print(f"torch {a.model} epoch {epoch + 1}: validation {bpc[-1]:.3f} bpc", flush=True)
        out.update(val_bpc=bpc[-1], val_bpc_per_epoch=bpc, step_ms=1e3 * seconds / total, steps=total)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
