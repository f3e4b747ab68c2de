#!/usr/bin/python3
"""torch.matmul on the GPU for the products bench_gemm_cuda times (f32 without TF32, f16, bf16 at
4096 and 8192), timed the same way; then prints one table, tapegrad against torch, from
tapegrad's metrics.json. Run by scripts/device-check.sh:
    python3 bench/gemm_cuda_torch.py --tapegrad OUT/gemm_cuda/metrics.json [--reps N]"""
import argparse
import json
import statistics
import time

import torch


def torch_tflops(dtype, n, reps):
    gen = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn(n, n, device="cuda", dtype=dtype, generator=gen)
    b = torch.randn(n, n, device="cuda", dtype=dtype, generator=gen)
    times = []
    for i in range(6):  # the first round warms up, as bench::median_ms(1, 5, ...)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b)
        torch.cuda.synchronize()
        if i > 0:
            times.append((time.perf_counter() - t0) / reps)
    return 2.0 * n**3 / statistics.median(times) * 1e-12


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tapegrad", required=True, help="bench_gemm_cuda's metrics.json")
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False  # tapegrad's f32 GEMM is true f32
    ours = json.load(open(args.tapegrad))
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'dtype':6} {'n':>5} {'tapegrad TFLOP/s':>17} {'torch TFLOP/s':>14} {'ratio':>6}")
    for name, dtype in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
        for n in (4096, 8192):
            theirs = torch_tflops(dtype, n, args.reps)
            mine = ours.get(f"gemm_{name}_{n}_tflops", float("nan"))
            print(f"{name:6} {n:5d} {mine:17.1f} {theirs:14.1f} {mine / theirs:6.2f}")


if __name__ == "__main__":
    main()
