"""The VAE of models/vae.h in PyTorch, trained under the same protocol as examples/vae_fmnist:
Fashion-MNIST pixels in [0, 1], the data order of tapegrad's DataLoader (bench/philox_order.py),
batch 128 with drop_last, Adam(lr=1e-3), loss = sum over pixels of BCE-with-logits + analytic KL,
averaged over the batch. Prints per-epoch figures and writes them as JSON (--json).

  /usr/bin/python3 bench/vae_torch.py --epochs 10 --threads 1 --json out/vae_torch.json
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from philox_order import shuffled_order  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def load(split):
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(f"{DATA}/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    return torch.from_numpy(images.astype(np.float32) / 255.0)


class VAE(torch.nn.Module):
    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.enc = torch.nn.Linear(784, hidden)
        self.mu = torch.nn.Linear(hidden, latent)
        self.logvar = torch.nn.Linear(hidden, latent)
        self.dec1 = torch.nn.Linear(latent, hidden)
        self.dec2 = torch.nn.Linear(hidden, 784)

    def neg_elbo(self, x):
        """Per-image negative ELBO (nats): BCE summed over pixels + KL(q(z|x) || N(0, I))."""
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.dec2(F.relu(self.dec1(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return rec + kl


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--json", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train, test = load("train"), load("test")
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps = len(train) // a.batch
    history = []
    for epoch in range(a.epochs):
        order = torch.from_numpy(shuffled_order(len(train), a.seed, epoch))
        t0 = time.perf_counter()
        total = 0.0
        for b in range(steps):
            x = train[order[b * a.batch:(b + 1) * a.batch]]
            loss = model.neg_elbo(x).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item()
        step_ms = (time.perf_counter() - t0) * 1000 / steps
        with torch.no_grad():
            test_nelbo = torch.cat([model.neg_elbo(test[i:i + 1000]) for i in range(0, len(test), 1000)]).mean().item()
        history.append({"epoch": epoch + 1, "train_neg_elbo_nats": total / steps, "test_neg_elbo_nats": test_nelbo,
                        "step_ms": step_ms})
        print(f"torch epoch {epoch + 1}: train {total / steps:.2f}  test {test_nelbo:.2f} nats  {step_ms:.2f} ms/step",
              flush=True)
    result = {"threads": a.threads, "test_neg_elbo_nats": history[-1]["test_neg_elbo_nats"],
              "step_ms": float(np.mean([h["step_ms"] for h in history])), "epochs": history}
    if a.json:
        os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
