#!/usr/bin/python3
"""PyTorch on the same GPU for tapegrad's CUDA benches, timed the same way (work queued back to
back, one synchronize, median of 5 rounds after a warm-up round), and one table of both:
  GEMM  torch.matmul, f32 (no TF32, as tapegrad), f16, bf16 at 4096 and 8192   (bench/gemm_cuda.cpp)
  VAE   one training step of bench/vae_torch.py's model, batch 128, eager      (bench/vae_step_cuda.cpp)
  SDPA  torch's scaled_dot_product_attention, f16, B 2, H 16, T 4096, D 64/128 (bench/attention_cuda.cpp)
Run by scripts/device-check.sh:
    python3 bench/cuda_compare.py --gemm OUT/gemm_cuda/metrics.json --vae OUT/vae_step_cuda/metrics.json \
        --attention OUT/attention_cuda/metrics.json"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vae_torch import VAE  # noqa: E402


def median_seconds(fn, reps):
    """Per-call seconds of fn: `reps` calls back to back, then a synchronize; median of 5 rounds."""
    times = []
    for i in range(6):  # round 0 warms up, as bench::median_ms(1, 5, ...)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        if i > 0:
            times.append((time.perf_counter() - t0) / reps)
    return statistics.median(times)


def gemm_tflops(dtype, n):
    gen = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn(n, n, device="cuda", dtype=dtype, generator=gen)
    b = torch.randn(n, n, device="cuda", dtype=dtype, generator=gen)
    return 2.0 * n**3 / median_seconds(lambda: torch.matmul(a, b), 10) * 1e-12


def vae_step_ms():
    torch.manual_seed(0)
    model = VAE().cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(128, 784, device="cuda")

    def step():
        loss = model.neg_elbo(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_seconds(step, 50) * 1e3


def attention_tflops(d):
    """Forward and backward TFLOP/s of torch's SDPA, counted as bench/attention_cuda.cpp counts."""
    b, h, t = 2, 16, 4096
    gen = torch.Generator(device="cuda").manual_seed(0)
    q, k, v, dout = (torch.randn(b, h, t, d, device="cuda", dtype=torch.float16, generator=gen) for _ in range(4))
    sdpa = torch.nn.functional.scaled_dot_product_attention
    with torch.no_grad():
        fwd = median_seconds(lambda: sdpa(q, k, v), 10)
    for x in (q, k, v):
        x.requires_grad_()

    def step():
        q.grad = k.grad = v.grad = None
        sdpa(q, k, v).backward(dout)

    flops = b * h * t * t * d
    return 4 * flops / fwd * 1e-12, 10 * flops / (median_seconds(step, 10) - fwd) * 1e-12


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gemm", required=True, help="bench_gemm_cuda's metrics.json")
    parser.add_argument("--vae", required=True, help="bench_vae_step_cuda's metrics.json")
    parser.add_argument("--attention", required=True, help="bench_attention_cuda's metrics.json")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False  # tapegrad's f32 GEMM is true f32
    gemm, vae = json.load(open(args.gemm)), json.load(open(args.vae))
    attention = json.load(open(args.attention))
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'workload':18} {'tapegrad':>10} {'torch':>10} {'ratio':>6}")
    for name, dtype in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
        for n in (4096, 8192):
            theirs, ours = gemm_tflops(dtype, n), gemm.get(f"gemm_{name}_{n}_tflops", float("nan"))
            print(f"{f'gemm {name} {n} TFLOP/s':18} {ours:10.1f} {theirs:10.1f} {ours / theirs:6.2f}")
    theirs, ours = vae_step_ms(), vae.get("vae_step_ms", float("nan"))
    print(f"{'vae step ms':18} {ours:10.3f} {theirs:10.3f} {theirs / ours:6.2f}")
    for d in (64, 128):
        for part, theirs in zip(("fwd", "bwd"), attention_tflops(d)):
            ours = attention.get(f"attention_f16_d{d}_{part}_tflops", float("nan"))
            print(f"{f'sdpa d{d} {part} TFLOP/s':18} {ours:10.1f} {theirs:10.1f} {ours / theirs:6.2f}")
    print("ratio: tapegrad's throughput over torch's (above 1: tapegrad faster)")


if __name__ == "__main__":
    main()
