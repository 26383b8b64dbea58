"""One rank of a data-parallel test job, started by torchrun from tests/test_distributed.py.

    torchrun --standalone --nproc_per_node=2 tests/ddp_worker.py OUT [--fail-rank R]

Trains each config of :func:`cases` for :data:`STEPS` generator steps with the library's own DDP path and
saves, per rank, OUT/rank{R}.pt: every case's parameters, whether every generator step of training (the
shared fake batch) left D's gradients untouched, whether batch-norm statistics stay each rank's own across
two forward passes, the step each rank stops at when only rank 1 sees a Ctrl-C, and the step and signal each rank
stops with when only rank 0's hooks see a SIGTERM. With ``--fail-rank R``
rank R raises during its second step instead (the job must end, not hang).
"""

from __future__ import annotations

import copy
import os
import signal
import sys
from pathlib import Path

import torch

from gandojo import distributed
from gandojo.config import Config, DataConfig, ModelConfig, ObjectiveConfig, TrainConfig, resolve
from gandojo.runs.hooks import StopAgreement, StopRequested
from gandojo.train import Trainer, fit
from run_helpers import trainer_for

STEPS = 4


def cases() -> dict[str, Config]:
    """gan and wgan-gp on points (MLPs: no batch statistics) and DCGAN with batch norm in D, on digits."""
    points = DataConfig(name="ring8")
    return {
        "gan": resolve(Config(data=points, objective=ObjectiveConfig(name="gan"),
                              train=TrainConfig(batch_size=64, seed=3))),
        "wgan-gp": resolve(Config(data=points, objective=ObjectiveConfig(name="wgan-gp", n_critic=2),
                                  train=TrainConfig(batch_size=64, seed=4))),
        "dcgan": resolve(Config(data=DataConfig(name="digits", image_size=16),
                                model=ModelConfig(family="dcgan", latent_dim=16, width=8, spectral_norm=True),
                                objective=ObjectiveConfig(name="gan"), train=TrainConfig(batch_size=16, seed=5))),
    }


def record_generator_steps(trainer: Trainer) -> list[bool]:
    """Wrap the trainer's generator step: the list gets, per step of training, whether D's gradients were the
    same after it as before."""
    untouched: list[bool] = []
    generator_step = trainer.generator_step

    def recording(*args, **kwargs):
        before = [p.grad.clone() for p in trainer.discriminator.parameters()]
        loss = generator_step(*args, **kwargs)
        after = [p.grad for p in trainer.discriminator.parameters()]
        untouched.append(all(torch.equal(a, b) for a, b in zip(before, after, strict=True)))
        return loss

    trainer.generator_step = recording
    return untouched


def own_batch_statistics(world: distributed.World) -> bool:
    """Two forward passes of a DDP-wrapped batch norm on this rank's own data (as D's real and fake passes): are
    its running statistics this rank's alone, i.e. not overwritten by rank 0's between the passes?"""
    bn = torch.nn.BatchNorm1d(3)
    reference = copy.deepcopy(bn)
    wrapped = distributed.wrap(bn, world, torch.device("cpu"))
    gen = torch.Generator().manual_seed(world.rank)
    for _ in range(2):
        x = torch.randn(8, 3, generator=gen) + 10 * world.rank
        wrapped(x).sum().backward()
        reference(x)
    return torch.equal(bn.running_mean, reference.running_mean) and torch.equal(bn.running_var, reference.running_var)


def stop_requested_on_rank_one(world: distributed.World) -> int:
    """A Ctrl-C seen by rank 1 alone at the end of step 1 (set as its signal handler would): where each rank stops."""
    trainer = trainer_for(cases()["gan"], world=world)
    agreement = StopAgreement(world)

    def ctrl_c(t, stats):
        if world.rank == 1 and t.g_step == 1:
            agreement.stop_requested = signal.SIGINT

    try:
        fit(trainer, 10, [ctrl_c, agreement])
    except StopRequested:
        pass
    return trainer.g_step


def sigterm_on_rank_zeros_hooks(world: distributed.World) -> tuple[int, int]:
    """Rank 0's own hooks see a SIGTERM at the end of step 2 (they raise StopRequested, as RunHooks do); rank 1 sees
    nothing: where each rank stops, and with which signal."""

    def hooks(t, stats):
        if t.g_step == 2:
            raise StopRequested(signal.SIGTERM)

    trainer = trainer_for(cases()["gan"], world=world)
    agreement = StopAgreement(world, hooks if world.is_main else None)
    try:
        fit(trainer, 10, [agreement])
    except StopRequested as stop:
        return trainer.g_step, stop.signum
    return trainer.g_step, 0


def main(out: Path, fail_rank: int | None) -> None:
    world = distributed.world_from_env(os.environ)
    distributed.start(world)
    try:
        result = {"own_batch_statistics": own_batch_statistics(world)}
        for name, config in cases().items():
            trainer = trainer_for(config, world=world)
            untouched = record_generator_steps(trainer)

            def fail(t, stats):
                if world.rank == fail_rank and t.g_step == 1:
                    raise RuntimeError(f"rank {world.rank} fails on purpose")

            fit(trainer, STEPS, [fail])
            result[name] = {"generator": dict(trainer.generator.named_parameters()),
                            "discriminator": dict(trainer.discriminator.named_parameters()),
                            "d_grads_untouched": len(untouched) == STEPS and all(untouched)}
        result["stopped_at"] = stop_requested_on_rank_one(world)
        result["terminated_at"] = sigterm_on_rank_zeros_hooks(world)
        torch.save(result, out / f"rank{world.rank}.pt")
    except BaseException:
        distributed.stop()
        raise
    distributed.stop(together=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    fail = int(args[args.index("--fail-rank") + 1]) if "--fail-rank" in args else None
    main(Path(args[0]), fail)
