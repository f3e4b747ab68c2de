#!/usr/bin/python3
"""bench/lm: the byte-level GPT target model (examples/train_lm, models/gpt) against the same model in
PyTorch (bench/lm_torch.py: same architecture, initialisation scheme, data split, Adam schedule,
clipping and number of steps; naive attention). Two parts:
- speed: the train step (batch 8 x 256 bytes) of build/bench_lm_step and of lm_torch.py at 1 and 2
  threads, interleaved round by round so that all see the same machine load; median of the rounds;
- quality: validation bits per character of --model (target or draft) after --epochs x
  --steps-per-epoch steps on each side (ours through build/train_lm, or an earlier run's
  metrics.json with --ours-metrics; PyTorch's through lm_torch.py, or --torch-metrics).
Writes OUT/lm/metrics.json. Run:
  OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=passive /usr/bin/python3 bench/lm_compare.py --build build-cpu
OPENBLAS_CORETYPE=SkylakeX: this machine's OpenBLAS 0.3.21 does not recognise the CPU and would run
its generic Prescott kernels; the variable applies to both sides (PyTorch uses the same OpenBLAS).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run_json(cmd, path):
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build folder with bench_lm_step and train_lm")
    ap.add_argument("--out", default="bench_out")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    ap.add_argument("--reps", type=int, default=5, help="timed steps per round and side")
    ap.add_argument("--model", default="target", choices=["target", "draft"], help="the model of the quality part")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--steps-per-epoch", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ours-metrics", default="", help="metrics.json of a train_lm run with these flags (skips ours)")
    ap.add_argument("--torch-metrics", default="", help="JSON of an lm_torch.py run with these flags (skips it)")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(args.out, "lm")
    os.makedirs(out, exist_ok=True)
    settings = {
        "tapegrad": lambda p: run_json([os.path.join(args.build, "bench_lm_step"), "--reps", str(args.reps),
                                        "--out", p], os.path.join(p, "metrics.json")),
        "torch 1 thread": lambda p: run_json([sys.executable, os.path.join(here, "lm_torch.py"), "--time-steps",
                                              str(args.reps), "--threads", "1", "--json", p + ".json"], p + ".json"),
        "torch 2 threads": lambda p: run_json([sys.executable, os.path.join(here, "lm_torch.py"), "--time-steps",
                                               str(args.reps), "--threads", "2", "--json", p + ".json"], p + ".json"),
    }
    times = {name: [] for name in settings}
    cpu = {name: [] for name in settings}
    for r in range(args.rounds):
        for i, (name, fn) in enumerate(settings.items()):
            m = fn(os.path.join(out, f"time_{i}_{r}"))
            times[name].append(m["step_ms"])
            cpu[name].append(m["step_cpu_ms"])
    med = {name: statistics.median(v) for name, v in times.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    torch_best = min(med["torch 1 thread"], med["torch 2 threads"])
    metrics = {"step_ms": med["tapegrad"], "torch_1t_step_ms": med["torch 1 thread"],
               "torch_2t_step_ms": med["torch 2 threads"], "ratio_vs_torch": med["tapegrad"] / torch_best,
               "step_cpu_ms": med_cpu["tapegrad"], "torch_1t_step_cpu_ms": med_cpu["torch 1 thread"],
               "torch_2t_step_cpu_ms": med_cpu["torch 2 threads"],
               "cpu_ratio_vs_torch_1t": med_cpu["tapegrad"] / med_cpu["torch 1 thread"]}
    print("train step, batch 8 x 256 bytes (median of rounds; all rounds in ms):")
    for name, v in times.items():
        print(f"  {name:16s} {med[name]:9.1f} ms   {', '.join(f'{x:.0f}' for x in v)}")
    print(f"  ours / fastest PyTorch: {metrics['ratio_vs_torch']:.3f} (target <= 0.8)")
    print("CPU time per step, all threads (the work, whatever share of the cores each run got):")
    for name, v in cpu.items():
        print(f"  {name:16s} {med_cpu[name]:9.1f} ms   {', '.join(f'{x:.0f}' for x in v)}")
    print(f"  ours / PyTorch at 1 thread: {metrics['cpu_ratio_vs_torch_1t']:.3f}")

    if not args.skip_quality:
        steps = ["--model", args.model, "--epochs", str(args.epochs), "--steps-per-epoch", str(args.steps_per_epoch),
                 "--seed", str(args.seed)]
        if args.ours_metrics:
            with open(args.ours_metrics) as f:
                ours = json.load(f)
        else:
            folder = os.path.join(out, "ours")
            # lm_torch.py's draft learns the bytes, so ours must too (train_lm's default distils the target)
            same_objective = ["--draft-loss", "data"] if args.model == "draft" else []
            ours = run_json([os.path.join(args.build, "train_lm"), "--out", folder] + steps + same_objective,
                            os.path.join(folder, "metrics.json"))
        if args.torch_metrics:
            with open(args.torch_metrics) as f:
                theirs = json.load(f)
        else:
            theirs = run_json([sys.executable, os.path.join(here, "lm_torch.py"), "--json",
                               os.path.join(out, "torch_quality.json")] + steps, os.path.join(out, "torch_quality.json"))
        bpc = ours[f"{args.model}_val_bpc"]
        metrics.update({f"{args.model}_val_bpc": bpc, f"torch_{args.model}_val_bpc": theirs["val_bpc"],
                        "val_bpc_rel_diff": bpc / theirs["val_bpc"] - 1,
                        "quality_steps": args.epochs * args.steps_per_epoch})
        print(f"{args.model} validation bpc after {args.epochs} x {args.steps_per_epoch} steps: ours {bpc:.4f}, "
              f"PyTorch {theirs['val_bpc']:.4f} ({100 * metrics['val_bpc_rel_diff']:+.2f}%, target within 2%)")
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(f"wrote {out}/metrics.json")


if __name__ == "__main__":
    main()
