#!/usr/bin/python3
"""Runs each tapegrad bench and the same workload in PyTorch (CPU) side by side, interleaved
round by round so both see the same machine load, and prints ours, torch at 1 and 2 threads
and the time ratio ours / fastest torch. Writes OUT/<bench>/metrics.json with all figures.
Run through bench/run_bench.sh (which builds first), or: /usr/bin/python3 bench/compare.py"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_overhead():
    x = torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)

    def step():
        x.grad = None
        y = x
        for _ in range(1000):
            y = y * 1.0001 + 0.0001
        y.sum().backward()

    return median_ms(step, 5, 30)


def torch_mlp_step():
    torch.manual_seed(0)
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    model = torch.nn.Sequential(torch.nn.Linear(784, 400), torch.nn.ReLU(), torch.nn.Linear(400, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    return median_ms(step, 10, 100)


def torch_gemm():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    return median_ms(lambda: torch.matmul(a, b), 3, 30)


GEMM_GFLOP = 2 * 1024**3 * 1e-9

# name -> (our metric holding the time in ms, PyTorch workload, how to show a time)
BENCHES = {
    "overhead": ("overhead_ms", torch_overhead, lambda ms: f"{ms:.3f} ms"),
    "mlp_step": ("step_ms", torch_mlp_step, lambda ms: f"{ms:.3f} ms"),
    "gemm": ("gemm_ms", torch_gemm, lambda ms: f"{GEMM_GFLOP / ms * 1e3:.0f} GFLOP/s"),
}


def run_ours(build, name, workdir):
    out = os.path.join(workdir, name)
    subprocess.run([os.path.join(build, f"bench_{name}"), "--out", out], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build folder with the bench_* binaries")
    ap.add_argument("--out", default="bench_out", help="folder for <bench>/metrics.json")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the table shows their medians")
    ap.add_argument("benches", nargs="*", default=list(BENCHES), help="subset of: " + " ".join(BENCHES))
    args = ap.parse_args()

    runs = {name: {"ours": [], "torch_1t": [], "torch_2t": []} for name in args.benches}
    ours_metrics = {name: [] for name in args.benches}  # every figure of each of our runs
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(args.rounds):
            for name in args.benches:
                key, torch_fn, _ = BENCHES[name]
                ours_metrics[name].append(run_ours(args.build, name, workdir))
                runs[name]["ours"].append(ours_metrics[name][-1][key])
                for threads in (1, 2):
                    torch.set_num_threads(threads)
                    runs[name][f"torch_{threads}t"].append(torch_fn())

    notes = []
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, median of {args.rounds} interleaved rounds, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print(f"{'bench':<10} {'ours':>16} {'torch 1 thread':>16} {'torch 2 threads':>16} {'ours/torch best':>16}")
    for name in args.benches:
        key, _, show = BENCHES[name]
        med = {k: statistics.median_low(v) for k, v in runs[name].items()}
        ratio = med["ours"] / min(med["torch_1t"], med["torch_2t"])
        print(f"{name:<10} {show(med['ours']):>16} {show(med['torch_1t']):>16} {show(med['torch_2t']):>16} {ratio:>16.3f}")
        metrics = next(m for m in ours_metrics[name] if m[key] == med["ours"])  # our median run
        metrics.update({key: med["ours"], f"torch_1t_{key}": med["torch_1t"], f"torch_2t_{key}": med["torch_2t"],
                        "ratio_vs_torch": ratio})
        if name == "gemm":
            for k in ("torch_1t", "torch_2t"):
                metrics[f"{k}_gemm_gflops"] = GEMM_GFLOP / med[k] * 1e3
            notes.append(f"gemm: tg::matmul reaches {metrics['ratio_vs_cblas']:.1%} of cblas_sgemm called directly")
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        with open(os.path.join(args.out, name, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)
            f.write("\n")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
