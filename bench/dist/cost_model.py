#!/usr/bin/env python3
"""Predicted DDP step time and scaling efficiency on N = 8, 64, 512 GPUs (bench/dist/README.md).

A model, not a measurement: every input below is an assumption or a published figure, named where
it is set. Weak scaling: each GPU keeps its own batch, so N GPUs do N times the work per step, and
the efficiency is T_compute / T_step. Run: python3 bench/dist/cost_model.py
"""
import math

# ---- the network: H100 nodes of 8 GPUs on NVLink, 8 x 400 Gb/s InfiniBand NICs per node ----------
# NCCL's ring all-reduce reaches a bus bandwidth of ~370 GB/s on 8 H100s over NVLink (450 GB/s line
# rate less ~20% protocol overhead; NVIDIA/nccl-tests issue #212, NCCL's maintainer). Between nodes
# NCCL reached 192 GB/s busbw on DGX-A100's 8 x 200 Gb/s NICs (NVIDIA/nccl issue #812: 96% of the
# 200 GB/s line rate); 8 x 400 Gb/s at the same 96% is 384 GB/s, so NVLink's 370 stays the bottleneck.
BUS_BW = 370e9  # bytes/s, every N here
# Latency per tree level (a hop, one direction): small all-reduces on 16 H20s in 2 nodes took
# ~46 us (NVIDIA/nccl issue #1244, NVLSTree); a tree all-reduce is 2 log2(N) levels, 2 * 4 * a = 46 us.
ALPHA = 46e-6 / (2 * math.log2(16))


def ring(nbytes, n):
    """Ring all-reduce: 2(N-1) steps of latency, each GPU sends 2(N-1)/N of the message."""
    return 2 * (n - 1) * ALPHA + 2 * (n - 1) / n * nbytes / BUS_BW


def tree(nbytes, n):
    """Double binary tree (NCCL's small-message choice): 2 log2 N levels, ~2 S / B of traffic."""
    return 2 * math.log2(n) * ALPHA + 2 * nbytes / BUS_BW


def all_reduce(nbytes, n):
    return min(ring(nbytes, n), tree(nbytes, n))  # NCCL picks the faster per size


def buckets(param_bytes, cap):
    """DDP's buckets: parameters in reverse order, a new bucket when the cap would be passed."""
    out, cur = [], 0
    for b in reversed(param_bytes):
        if cur and cur + b > cap:
            out.append(cur)
            cur = 0
        cur += b
    return out + [cur]


def step(model, n, cap):
    """Step time: compute, plus the communication the backward could not hide. Every bucket but
    the last can overlap the backward (2/3 of the compute); they run one after another on the link."""
    sizes = buckets(model["param_bytes"], cap)
    comm = sum(all_reduce(s, n) for s in sizes)
    hidden = min(comm - all_reduce(sizes[-1], n), 2 / 3 * model["compute_s"])
    return model["compute_s"] + comm - hidden, comm, len(sizes)


def f32(*counts):
    return [4 * c for c in counts]


MODELS = {
    # examples/vae_fmnist: 784-400-20-400-784, 652,824 parameters (2.6 MB of f32 gradients).
    # Compute: batch 128 per GPU on an H100 is bound by kernel launches, not FLOPs (1 GFLOP a step):
    # ~60 kernels a step at ~5 us each, so 0.3 ms (assumed; no GPU was available to measure it).
    "VAE (0.65M params, batch 128/GPU)": {
        "param_bytes": f32(784 * 400, 400, 400 * 20, 20, 400 * 20, 20, 20 * 400, 400, 400 * 784, 784),
        "compute_s": 0.3e-3,
    },
    # A ~5M-parameter GPT: 6 layers, d_model 256, context 256, vocabulary 2048, tied embeddings:
    # 12 L d^2 + V d + T d = 4.72M + 0.52M + 0.07M = 5.31M parameters (21 MB of f32 gradients); per
    # layer the qkv (3 d^2), output (d^2) and two MLP (4 d^2 each) weights; biases and norms left out.
    # Compute: 16 x 256 tokens per GPU, 6 P tokens + attention = 1.5e11 FLOPs, at an assumed 25% of
    # the H100's 989 TFLOP/s (bf16), plus launch overhead: 1 ms (assumed).
    "GPT (5.3M params, 4096 tokens/GPU)": {
        "param_bytes": f32(2048 * 256, 256 * 256) + f32(*[3 * 256**2, 256**2, 4 * 256**2, 4 * 256**2] * 6),
        "compute_s": 1.0e-3,
    },
}

if __name__ == "__main__":
    print(f"all-reduce model: alpha {ALPHA * 1e6:.2f} us per tree level, bus bandwidth {BUS_BW / 1e9:.0f} GB/s")
    print(f"{'model':<36} {'bucket':>8} {'N':>5} {'buckets':>8} {'comm us':>9} {'step ms':>9} {'efficiency':>11}")
    for name, m in MODELS.items():
        for cap in (1 << 20, 25 << 20):
            for n in (8, 64, 512):
                t, comm, k = step(m, n, cap)
                print(f"{name:<36} {cap >> 20:>5}MiB {n:>5} {k:>8} {comm * 1e6:>9.1f} {t * 1e3:>9.3f} "
                      f"{m['compute_s'] / t:>10.1%}")
