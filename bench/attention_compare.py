#!/usr/bin/python3
"""bench/attention: causal attention forward + backward, B=1, H=4, D=64, f32, at T = 256, 1024,
2048, 8192, 16384: tapegrad's tiled kernel (build/bench_attention) against naive attention in
PyTorch (scores, mask, softmax, P V; autograd backward) at 1 and 2 threads, in the same run.
Time is the median of repeated steps; working memory is what a step needs beyond its inputs and
the O and dQ/dK/dV it returns:
  ours:  the CPU allocator's peak bytes in use (core/cpu/memory.cpp), measured inside bench_attention;
  torch: the rise of peak resident memory (VmHWM) over one step in a fresh process, minus O and grads.
PyTorch runs only up to T = 8192: at 16384 its four (H, T, T) f32 matrices (scores, probabilities
and their gradients) would need 16 GiB on this shared 23 GiB machine. Writes OUT/attention/metrics.json.
Run through bench/run_bench.sh attention, or: /usr/bin/python3 bench/attention_compare.py
"""
import argparse
import json
import math
import os
import subprocess
import sys

import torch

from compare import median_ms  # bench/compare.py, beside this file

SIZES = (256, 1024, 2048, 8192, 16384)
TORCH_MAX_T = 8192
B, H, D = 1, 4, 64


def inputs(T):
    torch.manual_seed(0)
    q, k, v = (torch.randn(B, H, T, D, requires_grad=True) for _ in range(3))
    return q, k, v, torch.randn(B, H, T, D)


def naive_step(q, k, v, dout):
    q.grad = k.grad = v.grad = None
    T = q.shape[2]
    s = (q @ k.transpose(-2, -1)) / math.sqrt(D)
    s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    (torch.softmax(s, -1) @ v).backward(dout)


def status_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def step_peak_rise_kib(T):
    """In this process: resident memory's peak during one step, above the resident memory before it."""
    x = inputs(T)
    before = status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM (the peak) to the current resident size
    naive_step(*x)
    return status_kib("VmHWM") - before


def torch_working_mib(T):
    """One step in a fresh process (at 1 thread): the rise of peak resident memory in MiB, less O and
    the three gradients. A child, because a process never hands freed memory back reliably."""
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import attention_compare as a, torch; torch.set_num_threads(1); print(a.step_peak_rise_kib({T}))")
    kib = int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    returned = 4 * B * H * T * D * 4 / 2**20
    return kib / 1024 - returned


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build folder with bench_attention")
    ap.add_argument("--out", default="bench_out", help="folder for attention/metrics.json")
    args = ap.parse_args()

    out = os.path.join(args.out, "attention")
    subprocess.run([os.path.join(args.build, "bench_attention"), "--out", out], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.json")) as f:
        metrics = json.load(f)
    for T in SIZES:
        if T > TORCH_MAX_T:
            continue
        x = inputs(T)
        reps = 10 if T <= 2048 else 3
        for threads in (1, 2):
            torch.set_num_threads(threads)
            metrics[f"torch_{threads}t_T{T}_ms"] = median_ms(lambda: naive_step(*x), 1, reps)
        del x
        metrics[f"torch_T{T}_working_mib"] = torch_working_mib(T)
        metrics[f"ratio_vs_torch_T{T}"] = metrics[f"T{T}_ms"] / min(metrics[f"torch_1t_T{T}_ms"],
                                                                     metrics[f"torch_2t_T{T}_ms"])

    print(f"torch {torch.__version__}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print("| T | ours | torch 1 thread | torch 2 threads | ours / torch best | ours working memory | torch working memory |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for T in SIZES:
        def ms(key):
            return f"{metrics[key]:.1f} ms" if key in metrics else "-"
        ratio = f"{metrics[f'ratio_vs_torch_T{T}']:.3f}" if f"ratio_vs_torch_T{T}" in metrics else "-"
        torch_mib = f"{metrics[f'torch_T{T}_working_mib']:.0f} MiB" if f"torch_T{T}_working_mib" in metrics else "-"
        print(f"| {T} | {ms(f'T{T}_ms')} | {ms(f'torch_1t_T{T}_ms')} | {ms(f'torch_2t_T{T}_ms')} | {ratio} | "
              f"{metrics[f'T{T}_working_mib']:.1f} MiB | {torch_mib} |")
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
