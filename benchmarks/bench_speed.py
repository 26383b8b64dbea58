"""Training speed: gandojo's loop against a plain PyTorch loop, the cost of logging and metrics, and sampling.

    python benchmarks/bench_speed.py                    # about 4 minutes on 2 cores
    python benchmarks/bench_speed.py --cases dcgan32 --steps 30 --rounds 2

For each case (DCGAN on 32×32 and 64×64 digits, batch 64; the ring8 MLPs, batch 256; all with the GAN objective
and Adam(2e-4, β = (0.5, 0.999))) it prints, in one run on the same machine:

- images/s of gandojo's training loop (``Trainer.step``) and of a plain loop written here the way
  pytorch/examples' dcgan/main.py writes it (a DataLoader over the data, D's real and fake losses backpropagated
  one after the other, one G forward whose batch serves both players, G's loss through D with D's parameter
  gradients computed and then zeroed), with the same networks, initial weights, batch and optimizer; their
  ratio. Both loops are timed in alternating rounds and the median round is kept;
- the achieved GFLOP/s of each loop (torch.utils.flop_counter on one step) against a measured fp32 matmul peak;
- the cost of gandojo's logging, progress bar, evaluations, diagnostics, snapshots and checkpoints at the
  defaults: the time spent in them over a window of 500 steps (two evaluations, a snapshot and a checkpoint),
  against the training time;
- sampling throughput (``Trainer.generate``: inference mode, eval mode, large batches) against training.

Run on an otherwise idle machine. Writes benchmarks/results/speed.txt (speed_cuda.txt with --device cuda).
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

IMAGES = ["data.name=digits", "model.family=dcgan", "model.classic_head=true", "model.width=64",
          "model.extra_layers=0", "model.latent_dim=100", "train.batch_size=64"]
CASES = {
    "dcgan32": [*IMAGES, "data.image_size=32"],
    "dcgan64": [*IMAGES, "data.image_size=64"],
    "ring8": ["data.name=ring8", "train.batch_size=256"],
}
STEPS = {"dcgan32": 30, "dcgan64": 8, "ring8": 200}  # timed steps per round: a few seconds each
TARGETS = {"ratio": 1.10, "overhead": 0.03, "sampling": 5.0}
# What each change saves, on dcgan32: gandojo's loop with one change undone (or one option turned on).
VARIANTS = {
    "gandojo (defaults)": ({}, []),
    "  without the shared fake batch": ({"share_fake_batch": False}, []),
    "  without fused Adam": ({"fused": False}, []),
    "  without the NaN guard (unsafe)": ({"guard": False}, []),
    "  without channels-last": ({}, ["train.channels_last=false"]),
    "  with train.precision=bf16": ({}, ["train.precision=bf16"]),
    "  with train.compile=true": ({}, ["train.compile=true"]),
}


def trainer_for(config, **options):
    """A trainer of ``config`` on its own data (loaded here)."""
    from gandojo.data import load_data
    from gandojo.train import Trainer

    return Trainer(config, load_data(config.data), **options)


def config_for(case: str, device: str, extra: list[str] = ()):
    from gandojo.config import Config, apply_overrides, resolve, with_objective

    return resolve(apply_overrides(with_objective(Config(), "gan"), [*CASES[case], f"train.device={device}",
                                                                      *extra]))


class PlainLoop:
    """The pytorch/examples DCGAN loop (dcgan/main.py), with gandojo's networks and initial weights."""

    def __init__(self, trainer):
        import copy

        self.device = trainer.device
        self.net_g = copy.deepcopy(trainer.generator)
        self.net_d = copy.deepcopy(trainer.discriminator)
        opt = trainer.config.optim
        self.opt_g = torch.optim.Adam(self.net_g.parameters(), lr=opt.lr, betas=opt.betas)
        self.opt_d = torch.optim.Adam(self.net_d.parameters(), lr=opt.lr, betas=opt.betas)
        self.criterion = nn.BCEWithLogitsLoss()  # D returns logits; pytorch/examples has Sigmoid + BCELoss
        self.batch = trainer.config.train.batch_size
        self.latent = trainer.config.model.latent_dim
        self.data = trainer.data
        self.batches = self._batches()

    def _batches(self):
        values = self.data.values
        if values is None:  # a distribution: fresh draws
            while True:
                yield (self.data.sample(self.batch, torch.Generator().manual_seed(0)),)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(values), batch_size=self.batch,
                                             shuffle=True, drop_last=True)
        while True:
            yield from loader

    def step(self) -> None:
        (real,) = next(self.batches)
        real = real.to(self.device)
        b = real.size(0)
        label = torch.full((b,), 1.0, device=self.device)
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.net_d.zero_grad()
        err_d_real = self.criterion(self.net_d(real).view(-1), label)
        err_d_real.backward()
        noise = torch.randn(b, self.latent, device=self.device)
        fake = self.net_g(noise)
        label.fill_(0.0)
        err_d_fake = self.criterion(self.net_d(fake.detach()).view(-1), label)
        err_d_fake.backward()
        self.opt_d.step()
        # (2) Update G: maximize log(D(G(z)))
        self.net_g.zero_grad()
        label.fill_(1.0)
        err_g = self.criterion(self.net_d(fake).view(-1), label)
        err_g.backward()
        self.opt_g.step()


def timed(step, steps: int, device: str) -> float:
    """Seconds for ``steps`` calls of ``step``."""
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return time.perf_counter() - started


def flops_per_step(step) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def matmul_peak(device: str, n: int = 4096, repeats: int = 5) -> float:
    """Measured fp32 matmul GFLOP/s (best of ``repeats``)."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = min(timed(lambda: torch.mm(a, b), 1, device) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def variant_trainer(case: str, device: str, extra: list[str], share_fake_batch: bool = True, fused: bool = True,
                    guard: bool = True):

    trainer = trainer_for(config_for(case, device, extra), share_fake_batch=share_fake_batch)
    if not guard:  # what the check for NaN/inf losses and gradients costs (a pass over every gradient)
        trainer._guard = lambda loss, module, player: None
    if not fused:  # PyTorch's default multi-tensor Adam, as the plain loop uses
        opt = trainer.config.optim
        trainer.opt_g = torch.optim.Adam(trainer.generator.parameters(), lr=opt.lr, betas=opt.betas)
        trainer.opt_d = torch.optim.Adam(trainer.discriminator.parameters(), lr=opt.lr, betas=opt.betas)
    return trainer


def ablation(case: str, steps: int, rounds: int, warmup: int, device: str, extra: list[str]) -> dict[str, float]:
    """Images/s of each of :data:`VARIANTS`, timed in alternating rounds (median)."""
    trainers = {name: variant_trainer(case, device, [*extra, *more], **kwargs)
                for name, (kwargs, more) in VARIANTS.items()}
    batch = next(iter(trainers.values())).config.train.batch_size
    for trainer in trainers.values():
        for _ in range(warmup):
            trainer.step()
    speeds = {name: [] for name in trainers}
    for _ in range(rounds):
        for name, trainer in trainers.items():
            speeds[name].append(steps * batch / timed(trainer.step, steps, device))
    return {name: statistics.median(v) for name, v in speeds.items()}


def loop_speeds(case: str, steps: int, rounds: int, warmup: int, device: str, extra: list[str]) -> dict:

    trainer = trainer_for(config_for(case, device, extra))
    plain = PlainLoop(trainer)
    batch = trainer.config.train.batch_size
    for _ in range(warmup):
        trainer.step()
        plain.step()
    ours, theirs = [], []
    for _ in range(rounds):  # alternate, so a drift of the machine's speed hits both
        ours.append(steps * batch / timed(trainer.step, steps, device))
        theirs.append(steps * batch / timed(plain.step, steps, device))
    return {"gandojo": statistics.median(ours), "plain": statistics.median(theirs),
            "flops_gandojo": flops_per_step(trainer.step), "flops_plain": flops_per_step(plain.step),
            "batch": batch}


def hook_overhead(case: str, device: str, extra: list[str], config=None) -> dict:
    """A window of training with gandojo's run hooks at the defaults (metrics log every 10 steps, progress display,
    evaluations with the critic diagnostics, a snapshot, a checkpoint): seconds spent training, and seconds spent in
    the hooks and the diagnostics."""
    from gandojo.runs.hooks import RunHooks
    from gandojo.runs.progress import MetricsLog, ProgressDisplay
    from gandojo.train import fit

    config = config or config_for(case, device, extra)
    t = config.train  # a window that holds every periodic task: log lines, evaluations, a snapshot, a checkpoint
    window = math.lcm(t.log_every, t.eval_every, t.sample_every, t.checkpoint_every)
    trainer = trainer_for(config)
    trainer.step()  # warm-up
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp)
        (run / "samples").mkdir()
        (run / "checkpoints").mkdir()
        display = ProgressDisplay(window + 1, 1, stream=io.StringIO(), enabled=True)
        hooks = RunHooks(run, trainer, MetricsLog(run / "metrics.jsonl"), display, cache_dir=run / "cache")
        hooks.evaluate()  # the first evaluation builds the evaluator (a classifier for digits) once per run
        in_hooks = 0.0

        def timed_hooks(t, stats):
            nonlocal in_hooks
            started = time.perf_counter()
            hooks(t, stats)
            in_hooks += time.perf_counter() - started

        started = time.perf_counter()
        fit(trainer, window + 1, [timed_hooks])  # diagnostics timed on their own below
        total = time.perf_counter() - started
        hooks.log.close()
    real = trainer.batches.next()
    fake = trainer.generate(len(real))
    diagnostics = timed(lambda: trainer.critic_input_grad_norms(real, fake), 1, device)  # at each evaluation
    overhead = in_hooks + diagnostics * (window // t.eval_every)
    return {"window": window, "bare": total - in_hooks, "hooks": total - in_hooks + overhead}


def sampling_speed(case: str, device: str, extra: list[str], n: int = 8192) -> float:

    trainer = trainer_for(config_for(case, device, extra))
    trainer.generate(256)  # warm-up
    best = min(timed(lambda: trainer.generate(n), 1, device) for _ in range(3))
    return n / best


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--steps", type=int, help="timed steps per round [default: a few seconds' worth per case]")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides for gandojo's loop, e.g. train.precision=bf16")
    args = parser.parse_args(argv)
    from recorded import recorded

    name = "speed" if args.device == "cpu" and not args.set else "speed_" + "_".join(
        [args.device.replace(":", ""), *(s.replace("=", "-").replace(".", "-") for s in args.set)])
    command = (f"python benchmarks/bench_speed.py --rounds {args.rounds} --warmup {args.warmup} "
               f"--device {args.device} --cases {' '.join(args.cases)}" + (f" --steps {args.steps}" if args.steps
                                                                            else "")
               + (f" --set {' '.join(args.set)}" if args.set else ""))
    rows = []
    with recorded(name, command):
        peak = matmul_peak(args.device)
        print(f"fp32 matmul peak (4096 x 4096, measured): {peak:.0f} GFLOP/s\n")
        print(f"{'case':<8} {'gandojo img/s':>13} {'plain img/s':>11} {'ratio':>6} {'gandojo GFLOP/s':>15} "
              f"{'plain GFLOP/s':>13} {'of peak':>7}")
        for case in args.cases:
            steps = args.steps or STEPS[case]
            row = {"case": case, **loop_speeds(case, steps, args.rounds, args.warmup, args.device, args.set)}
            gflops_ours = row["flops_gandojo"] * row["gandojo"] / row["batch"] / 1e9
            gflops_plain = row["flops_plain"] * row["plain"] / row["batch"] / 1e9
            row.update(ratio=row["gandojo"] / row["plain"], gflops=gflops_ours, gflops_plain=gflops_plain)
            rows.append(row)
            print(f"{case:<8} {row['gandojo']:>13.0f} {row['plain']:>11.0f} {row['ratio']:>5.2f}x "
                  f"{gflops_ours:>15.1f} {gflops_plain:>13.1f} {gflops_ours / peak:>6.0%}", flush=True)
        print("\nwork per step (GFLOP): " + ", ".join(
            f"{r['case']} gandojo {r['flops_gandojo'] / 1e9:.3f} / plain {r['flops_plain'] / 1e9:.3f}"
            for r in rows))
        if "dcgan32" in args.cases:
            print("\nwhat each change saves (dcgan32, images/s, median of alternating rounds):")
            variants = ablation("dcgan32", args.steps or STEPS["dcgan32"], 3, args.warmup, args.device, args.set)
            base = variants["gandojo (defaults)"]
            for name, speed in variants.items():
                print(f"  {name:<34} {speed:>6.0f}  {speed / base:>5.2f}x of the defaults", flush=True)
        print(f"\n{'case':<8} {'window':>6} {'train s':>7} {'+ hooks':>7} {'overhead':>8}   "
              f"{'sampling img/s':>14} {'vs training':>11}")
        for row in rows:
            sampling = sampling_speed(row["case"], args.device, args.set)
            row.update(sampling=sampling, sampling_ratio=sampling / row["gandojo"], overhead=None)
            if row["case"] == "dcgan64":  # a 500-step window takes minutes here; dcgan32 stands for it
                cost = {"window": 500, "bare": float("nan"), "hooks": float("nan")}
            else:
                cost = hook_overhead(row["case"], args.device, args.set)
                row["overhead"] = cost["hooks"] / cost["bare"] - 1
            shown = "n/a" if row["overhead"] is None else f"{row['overhead']:.1%}"
            print(f"{row['case']:<8} {cost['window']:>6} {cost['bare']:>7.2f} {cost['hooks']:>7.2f} "
                  f"{shown:>8}   {sampling:>14.0f} {row['sampling_ratio']:>10.1f}x", flush=True)
        from gandojo.config import apply_overrides, load_preset
        from gandojo.runs.runner import prepare

        # as `gandojo train --data ring8` runs it: its steps chosen from the data
        best = prepare(apply_overrides(load_preset("best-points"), [f"train.device={args.device}"]))[0]
        cost = hook_overhead("best-points", args.device, [], config=best)
        share = cost["hooks"] / cost["bare"] - 1
        print(f"best-points (gandojo train --data ring8): {cost['window']} steps, {cost['bare']:.2f} s training "
              f"+ {cost['hooks'] - cost['bare']:.2f} s periodic work = {share:.1%} overhead", flush=True)
        print("\ntargets:")
        for row in rows:
            checks = [("gandojo / plain", row["ratio"], TARGETS["ratio"], ">="),
                      ("logging and metrics overhead", row["overhead"], TARGETS["overhead"], "<"),
                      ("sampling / training", row["sampling_ratio"], TARGETS["sampling"], ">=")]
            for label, value, goal, sense in checks:
                if value is None:
                    continue
                met = value >= goal if sense == ">=" else value < goal
                shown = f"{value:.1%}" if label.startswith("logging") else f"{value:.2f}x"
                goal_shown = f"{goal:.0%}" if label.startswith("logging") else f"{goal:.2f}x"
                print(f"  {row['case']:<8} {label:<30} {shown:>7}  {sense} {goal_shown}: "
                      f"{'met' if met else 'NOT met'}")
    return rows


if __name__ == "__main__":
    main()
