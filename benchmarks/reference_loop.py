"""The reference loop: the unit of compute that the quality benchmarks state their budgets in.

Seconds do not travel between machines (one CPU has AVX-512, the next does not); steps of a fixed loop timed on
the same machine, in the same run, do. The loop is plain PyTorch and nothing of gandojo: the non-saturating GAN,
G and D each 3 hidden layers of 256 ReLU units, latent 2, batch 512, Adam (2e-4, betas 0.5 and 0.999), one D and
one G step per step, on a ring of 8 Gaussians. A budget of N reference steps is N divided by its steps per second.

    python benchmarks/reference_loop.py            # prints this machine's reference steps per second
    python benchmarks/reference_loop.py --bare     # the number alone
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

HIDDEN, DEPTH, LATENT, BATCH = 256, 3, 2, 512


def mlp(inputs: int, outputs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = inputs
    for _ in range(DEPTH):
        layers += [nn.Linear(width, HIDDEN), nn.ReLU()]
        width = HIDDEN
    return nn.Sequential(*layers, nn.Linear(width, outputs))


def ring8(n: int, generator: torch.Generator) -> torch.Tensor:
    k = torch.randint(0, 8, (n,), generator=generator)
    angle = k.float() * (2 * math.pi / 8)
    centers = 2.0 * torch.stack([angle.cos(), angle.sin()], dim=1)
    return centers + 0.02 * torch.randn(n, 2, generator=generator)


def reference_steps_per_second(seconds: float = 8.0, warmup: int = 30) -> float:
    """Steps per second of the reference loop on this machine, now: ``warmup`` steps untimed, then as many as
    ``seconds`` allow (at least 50)."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    g, d = mlp(LATENT, 2), mlp(2, 1)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)

    def step() -> None:
        real = ring8(BATCH, generator)
        fake = g(torch.randn(BATCH, LATENT, generator=generator))
        opt_d.zero_grad(set_to_none=True)
        (loss(d(real), ones) + loss(d(fake.detach()), zeros)).backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        loss(d(fake), ones).backward()
        opt_g.step()

    for _ in range(warmup):
        step()
    started, n = time.perf_counter(), 0
    while n < 50 or time.perf_counter() - started < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - started)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--bare"]:  # the number alone, for bench_quality.py's copies timed side by side
        print(f"{reference_steps_per_second():.3f}")
        sys.exit(0)
    print(f"{reference_steps_per_second():.1f} reference steps per second "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
