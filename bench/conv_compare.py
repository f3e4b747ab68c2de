#!/usr/bin/python3
"""bench/conv: the DCGAN's convolutions at batch 64 on 28x28 images (f32), forward + backward layer by
layer, and one DCGAN training step (D step + G step, Adam): tapegrad (build/bench_conv) against
PyTorch's CPU build (its convolutions run on oneDNN/mkldnn) at 1 and 2 threads, rounds interleaved
so that every setting sees the same machine load; each figure is the median over rounds of each
run's median. The networks (same shapes and init as bench/conv.cpp):
  G: z (100) -> Linear -> (128, 7, 7) -> BN ReLU -> ConvT 128->64 k4 s2 p1 -> BN ReLU -> ConvT 64->1 k4 s2 p1 -> tanh
  D: Conv 1->64 k4 s2 p1 -> LeakyReLU(0.2) -> Conv 64->128 k4 s2 p1 -> LeakyReLU(0.2) -> Linear 6272 -> 1
Writes OUT/conv/metrics.json. Run through bench/run_bench.sh conv, or:
  OMP_WAIT_POLICY=passive /usr/bin/python3 bench/conv_compare.py --build build --rounds 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

B, Z = 64, 100
LAYERS = ("d_conv1", "d_conv2", "g_convt1", "g_convt2")
KEYS = tuple(f"{name}_ms" for name in LAYERS) + ("step_ms",)


def torch_worker(threads, reps):
    """The bench in PyTorch, in this process: prints one JSON line of figures."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from compare import median_ms  # noqa: E402

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    figures = {}
    layers = {"d_conv1": ((B, 1, 28, 28), nn.Conv2d(1, 64, 4, 2, 1)),
              "d_conv2": ((B, 64, 14, 14), nn.Conv2d(64, 128, 4, 2, 1)),
              "g_convt1": ((B, 128, 7, 7), nn.ConvTranspose2d(128, 64, 4, 2, 1)),
              "g_convt2": ((B, 64, 14, 14), nn.ConvTranspose2d(64, 1, 4, 2, 1))}
    for name, (shape, layer) in layers.items():
        x = torch.randn(*shape, requires_grad=True)
        dy = torch.randn(layer(x).shape)

        def step(x=x, layer=layer, dy=dy):
            x.grad = None
            layer.zero_grad(set_to_none=True)
            layer(x).backward(dy)
        figures[f"{name}_ms"] = median_ms(step, 3, reps)

    G = nn.Sequential(nn.Linear(Z, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)), nn.BatchNorm2d(128), nn.ReLU(),
                      nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                      nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(B, 1, 28, 28) * 2 - 1
    ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)

    def train_step():
        z = torch.randn(B, Z)
        fake = G(z)
        loss_d = (F.binary_cross_entropy_with_logits(D(real), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    figures["step_ms"] = median_ms(train_step, 3, reps)
    print(json.dumps(figures))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build folder with bench_conv")
    ap.add_argument("--out", default="bench_out", help="folder for conv/metrics.json")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    ap.add_argument("--reps", type=int, default=20, help="timed repetitions per figure in each run")
    ap.add_argument("--torch-threads", default="1,2", help="PyTorch thread counts to time, e.g. 1,2")
    ap.add_argument("--torch-worker", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        torch_worker(args.torch_worker, args.reps)
        return

    out = os.path.join(args.out, "conv")
    os.makedirs(out, exist_ok=True)

    def ours():
        folder = os.path.join(out, "ours")
        subprocess.run([os.path.join(args.build, "bench_conv"), "--reps", str(args.reps), "--out", folder],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(folder, "metrics.json")) as f:
            return json.load(f)

    def torch(threads):
        run = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-worker", str(threads), "--reps",
                              str(args.reps)], check=True, capture_output=True, text=True)
        return json.loads(run.stdout.strip().splitlines()[-1])

    settings = {"tapegrad": ours}
    for t in [int(t) for t in args.torch_threads.split(",")]:
        settings[f"torch_{t}t"] = lambda t=t: torch(t)
    runs = {name: [] for name in settings}
    for r in range(args.rounds):
        for name, run in settings.items():
            print(f"round {r + 1}/{args.rounds}: {name}", flush=True)
            runs[name].append(run())
    med = {name: {k: statistics.median_low([run[k] for run in rs]) for k in KEYS} for name, rs in runs.items()}

    torch_names = [n for n in med if n.startswith("torch")]
    policy = os.environ.get("OMP_WAIT_POLICY", "(unset)")
    coretype = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    print(f"\nDCGAN convolutions, batch 64, f32, forward + backward; median of {args.rounds} interleaved rounds "
          f"({args.reps} reps each); OMP_WAIT_POLICY={policy}, OPENBLAS_CORETYPE={coretype}")
    print(f"{'workload':<34} {'tapegrad ms':>12} " + " ".join(f"{n + ' ms':>12}" for n in torch_names)
          + f" {'ours / best':>12}")
    metrics = {"rounds": args.rounds, "reps": args.reps}
    shapes = {"d_conv1_ms": "D conv 1->64 k4 s2 p1, 28->14", "d_conv2_ms": "D conv 64->128 k4 s2 p1, 14->7",
              "g_convt1_ms": "G convT 128->64 k4 s2 p1, 7->14", "g_convt2_ms": "G convT 64->1 k4 s2 p1, 14->28",
              "step_ms": "DCGAN train step (D + G, Adam)"}
    for k in KEYS:
        best = min(med[n][k] for n in torch_names)
        ratio = med["tapegrad"][k] / best
        print(f"{shapes[k]:<34} {med['tapegrad'][k]:>12.3f} " + " ".join(f"{med[n][k]:>12.3f}" for n in torch_names)
              + f" {ratio:>12.3f}")
        metrics[k] = med["tapegrad"][k]
        for n in torch_names:
            metrics[f"{n}_{k}"] = med[n][k]
        metrics["ratio_vs_torch" if k == "step_ms" else f"ratio_vs_torch_{k[:-3]}"] = ratio
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.join(out, 'metrics.json')}")


if __name__ == "__main__":
    main()
