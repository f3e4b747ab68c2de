#!/usr/bin/python3
"""bench/vae: the Fashion-MNIST VAE trained by tapegrad (examples/vae_fmnist) and by PyTorch
(bench/vae_torch.py) under one protocol: the same architecture, data order (tapegrad's Philox
shuffle, reproduced in bench/philox_order.py), batch 128 with drop_last, Adam lr 1e-3, loss =
BCE-with-logits summed over pixels + analytic KL. Prints the train step time of each (averaged
over whole epochs), the ratio ours / fastest PyTorch, and both test negative ELBOs. Writes
OUT/vae/metrics.json. Run through bench/run_bench.sh vae, or:
  OMP_WAIT_POLICY=passive /usr/bin/python3 bench/vae_compare.py --epochs 10

Ours runs twice: with the inherited OpenMP settings (run_bench.sh: OMP_WAIT_POLICY=passive, so
every parallel region wakes sleeping workers, 50-80 us each here), and with a short spin before
sleeping (OMP_WAIT_POLICY unset, GOMP_SPINCOUNT=3000: a few microseconds), which keeps the workers
awake across one step's back-to-back regions. PyTorch at 1 thread opens no parallel regions.
"""
import argparse
import json
import os
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
    ap.add_argument("--out", default="bench_out", help="folder for vae/metrics.json and both runs' outputs")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-threads", default="1,2", help="PyTorch thread counts to run, e.g. 1,2")
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(args.out, "vae")
    os.makedirs(out, exist_ok=True)

    def run_ours(name, env):
        folder = os.path.join(out, name)
        return run_json([os.path.join(args.build, "vae_fmnist"), "--epochs", str(args.epochs), "--seed", str(args.seed),
                         "--iwae-k", "1", "--out", folder], os.path.join(folder, "metrics.json"), env)

    short_spin = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    short_spin["GOMP_SPINCOUNT"] = "3000"
    policy = os.environ.get("OMP_WAIT_POLICY", "(unset)")
    ours = {f"OMP_WAIT_POLICY={policy}": run_ours("ours", None), "GOMP_SPINCOUNT=3000": run_ours("ours_spin", short_spin)}
    torch_runs = {}
    for threads in [int(t) for t in args.torch_threads.split(",")]:
        path = os.path.join(out, f"torch_{threads}t.json")
        torch_runs[threads] = run_json([sys.executable, os.path.join(here, "vae_torch.py"), "--epochs", str(args.epochs),
                                        "--seed", str(args.seed), "--threads", str(threads), "--json", path], path)

    best = min(torch_runs, key=lambda t: torch_runs[t]["step_ms"])
    torch_best = torch_runs[best]
    print(f"\nVAE 784-400-20-400-784, batch 128, {args.epochs} epochs, seed {args.seed}; PyTorch runs with "
          f"OMP_WAIT_POLICY={policy}")
    print(f"{'run':<40} {'step ms':>9} {'/ torch best':>12} {'test -ELBO (nats)':>18}")
    metrics = {"epochs": args.epochs, "torch_best_threads": best}
    for i, (setting, r) in enumerate(ours.items()):
        ratio = r["step_ms"] / torch_best["step_ms"]
        print(f"{'tapegrad, ' + setting:<40} {r['step_ms']:>9.3f} {ratio:>12.3f} {r['test_neg_elbo_nats']:>18.2f}")
        suffix = "" if i == 0 else "_short_spin"
        metrics.update({f"step_ms{suffix}": r["step_ms"], f"ratio_vs_torch{suffix}": ratio,
                        f"test_neg_elbo_nats{suffix}": r["test_neg_elbo_nats"]})
    for threads, r in torch_runs.items():
        print(f"{f'torch, {threads} thread(s)':<40} {r['step_ms']:>9.3f} {'':>12} {r['test_neg_elbo_nats']:>18.2f}")
        metrics[f"torch_{threads}t_step_ms"] = r["step_ms"]
        metrics[f"torch_{threads}t_test_neg_elbo_nats"] = r["test_neg_elbo_nats"]
    gap = metrics["test_neg_elbo_nats"] / torch_best["test_neg_elbo_nats"] - 1
    metrics["test_neg_elbo_rel_diff"] = gap
    print(f"test -ELBO, ours vs torch ({best} thread(s)): {gap:+.2%}")
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
