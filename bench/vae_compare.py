#!/usr/bin/python3
"""bench/vae: the Fashion-MNIST VAE trained by tapegrad (examples/vae_fmnist) and by PyTorch
(bench/vae_torch.py) under one protocol: the same architecture, data order (tapegrad's Philox
shuffle, reproduced in bench/philox_order.py), batch 128 with drop_last, Adam lr 1e-3, loss =
BCE-with-logits summed over pixels + analytic KL. Two parts:
- speed: one-epoch runs, interleaved round by round so that all settings see the same machine
  load, the step time averaged over the epoch; the table shows each setting's median round;
- quality: one run of --epochs epochs per side, and its test negative ELBO.
Writes OUT/vae/metrics.json. Run through bench/run_bench.sh vae, or:
  OMP_WAIT_POLICY=passive /usr/bin/python3 bench/vae_compare.py --epochs 10 --rounds 3

Ours is timed twice: with the inherited OpenMP settings (run_bench.sh: OMP_WAIT_POLICY=passive, so
every parallel region wakes sleeping workers, 50-80 us each here), and with a short spin before
sleeping (OMP_WAIT_POLICY unset, GOMP_SPINCOUNT=3000: a few microseconds), which keeps the workers
awake across one step's back-to-back regions. PyTorch at 1 thread opens no parallel regions.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run_json(cmd, path, env=None):
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build folder with vae_fmnist")
    ap.add_argument("--out", default="bench_out", help="folder for vae/metrics.json and the runs' outputs")
    ap.add_argument("--epochs", type=int, default=10, help="epochs of the quality runs")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved one-epoch timing rounds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-threads", default="1,2", help="PyTorch thread counts to time, e.g. 1,2")
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(args.out, "vae")
    os.makedirs(out, exist_ok=True)
    policy = os.environ.get("OMP_WAIT_POLICY", "(unset)")
    short_spin = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    short_spin["GOMP_SPINCOUNT"] = "3000"

    def ours(name, epochs, env=None):
        folder = os.path.join(out, name)
        return run_json([os.path.join(args.build, "vae_fmnist"), "--epochs", str(epochs), "--seed", str(args.seed),
                         "--iwae-k", "1", "--out", folder], os.path.join(folder, "metrics.json"), env)

    def torch(name, epochs, threads):
        path = os.path.join(out, f"{name}.json")
        return run_json([sys.executable, os.path.join(here, "vae_torch.py"), "--epochs", str(epochs),
                         "--seed", str(args.seed), "--threads", str(threads), "--json", path], path)

    settings = {f"tapegrad, OMP_WAIT_POLICY={policy}": lambda: ours("time_ours", 1),
                "tapegrad, GOMP_SPINCOUNT=3000": lambda: ours("time_ours_spin", 1, short_spin)}
    for t in [int(t) for t in args.torch_threads.split(",")]:
        settings[f"torch, {t} thread(s)"] = lambda t=t: torch(f"time_torch_{t}t", 1, t)
    times = {name: [] for name in settings}
    for _ in range(args.rounds):
        for name, run in settings.items():
            times[name].append(run()["step_ms"])
    step_ms = {name: statistics.median_low(v) for name, v in times.items()}
    torch_names = [n for n in step_ms if n.startswith("torch")]
    best = min(torch_names, key=lambda n: step_ms[n])

    quality_ours = ours("ours", args.epochs)
    quality_torch = torch("torch_1t", args.epochs, 1)
    gap = quality_ours["test_neg_elbo_nats"] / quality_torch["test_neg_elbo_nats"] - 1

    print(f"\nVAE 784-400-20-400-784, batch 128, seed {args.seed}; step time: median of {args.rounds} interleaved "
          f"one-epoch rounds; PyTorch runs with OMP_WAIT_POLICY={policy}")
    print(f"{'setting':<36} {'step ms':>9} {'/ ' + best:>24}")
    for name, ms in step_ms.items():
        print(f"{name:<36} {ms:>9.3f} {ms / step_ms[best]:>24.3f}")
    print(f"test negative ELBO after {args.epochs} epochs: tapegrad {quality_ours['test_neg_elbo_nats']:.2f}, "
          f"torch {quality_torch['test_neg_elbo_nats']:.2f} nats/image ({gap:+.2%})")

    first = list(step_ms)[0]
    metrics = {"step_ms": step_ms[first], "ratio_vs_torch": step_ms[first] / step_ms[best],
               "step_ms_short_spin": step_ms["tapegrad, GOMP_SPINCOUNT=3000"],
               "ratio_vs_torch_short_spin": step_ms["tapegrad, GOMP_SPINCOUNT=3000"] / step_ms[best],
               "torch_best": best, "rounds": args.rounds, "epochs": args.epochs,
               "test_neg_elbo_nats": quality_ours["test_neg_elbo_nats"],
               "torch_test_neg_elbo_nats": quality_torch["test_neg_elbo_nats"], "test_neg_elbo_rel_diff": gap}
    for name in torch_names:
        metrics[name.replace("torch, ", "torch_").replace(" thread(s)", "t") + "_step_ms"] = step_ms[name]
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
