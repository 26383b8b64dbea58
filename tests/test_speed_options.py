"""The speed options and the work the loop no longer does: channels-last layout, bfloat16 autocast, torch.compile,
fused optimizers, sampling in inference mode. Each either changes no number beyond floating-point noise or is
shown to be applied; what each saves is measured in benchmarks/bench_speed.py, not here."""

from __future__ import annotations

import shutil

import pytest
import torch

from gandojo.config import Config, apply_overrides, resolve, resolve_explained, with_objective
from run_helpers import trainer_for

SMALL_DCGAN = ["data.name=digits", "model.family=dcgan", "data.image_size=16", "model.width=8",
               "model.latent_dim=16", "train.batch_size=16"]


def config(objective: str = "gan", extra: list[str] = ()) -> Config:
    return resolve(apply_overrides(with_objective(Config(), objective), list(extra)))


def test_channels_last_is_chosen_for_dcgan_on_the_cpu_only_and_says_why():
    cfg, notes = resolve_explained(apply_overrides(Config(), SMALL_DCGAN))
    assert cfg.train.channels_last is True
    assert any(n.startswith("train.channels_last = True: DCGAN trains faster") for n in notes)
    points, notes = resolve_explained(Config())
    assert points.train.channels_last is False and not any("channels_last" in n for n in notes)
    explicit = resolve(apply_overrides(Config(), [*SMALL_DCGAN, "train.channels_last=false"]))
    assert explicit.train.channels_last is False


def test_channels_last_changes_no_number():
    a = trainer_for(config("gan", [*SMALL_DCGAN, "train.channels_last=true"]))
    b = trainer_for(config("gan", [*SMALL_DCGAN, "train.channels_last=false"]))
    conv = next(p for p in a.discriminator.parameters() if p.dim() == 4 and p.shape[1] > 1)
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    for _ in range(3):
        a.step()
        b.step()
    for x, y in zip(a.generator.parameters(), b.generator.parameters(), strict=True):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=1e-4)


def test_bf16_autocast_runs_the_forward_passes_in_bfloat16_and_keeps_the_losses_in_float32():
    trainer = trainer_for(config("gan", [*SMALL_DCGAN, "train.precision=bf16"]))
    seen = []
    first_conv = next(m for m in trainer.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    stats = trainer.step(diagnostics=True)  # the diagnostics feed bf16 fakes to the fp32 critic outside autocast
    # D's training passes (real, fake, the generator step's judging) in bf16; the diagnostics after them in fp32
    assert seen == [torch.bfloat16] * 3 + [torch.float32] * 2
    assert stats["critic_grad_norm_fake"] > 0
    assert all(isinstance(v, float) and v == v for v in stats.values())
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())  # the weights stay fp32


def test_fp32_is_the_default_precision():
    trainer = trainer_for(config("gan", SMALL_DCGAN))
    seen = []
    first_conv = next(m for m in trainer.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    trainer.step()
    assert set(seen) == {torch.float32}


def test_adam_and_sgd_use_the_fused_kernels_on_the_cpu():
    assert trainer_for(config("gan")).opt_g.defaults["fused"] is True
    assert trainer_for(config("gan", ["optim.name=sgd", "optim.lr=0.1", "optim.momentum=0.5"])).opt_d.defaults["fused"]


@pytest.mark.skipif(shutil.which("c++") is None and shutil.which("g++") is None,
                    reason="torch.compile's CPU backend needs a C++ compiler, and this machine has none")
def test_compile_wraps_the_training_passes_and_trains():
    trainer = trainer_for(config("gan", ["train.compile=true", "train.batch_size=32", "model.hidden=16"]))
    assert type(trainer.generator_ddp).__name__ == "OptimizedModule"
    assert type(trainer.discriminator_ddp).__name__ == "OptimizedModule"
    stats = trainer.step()
    assert stats["loss_d"] > 0 and trainer.g_step == 1


def test_compile_leaves_a_critic_with_a_gradient_penalty_eager():
    # torch.compile has no double backward, and the penalty differentiates ∇ₓD
    trainer = trainer_for(config("wgan-gp", ["train.compile=true"]))
    assert type(trainer.generator_ddp).__name__ == "OptimizedModule"
    assert trainer.discriminator_ddp is trainer.discriminator


def test_sampling_runs_in_inference_mode_and_eval_mode_and_returns_an_ordinary_tensor():
    trainer = trainer_for(config("gan", SMALL_DCGAN))
    modes = []
    trainer.generator.register_forward_hook(
        lambda module, inputs, output: modes.append((torch.is_inference_mode_enabled(), module.training)))
    samples = trainer.generate(100)
    assert modes and set(modes) == {(True, False)}
    assert trainer.generator.training  # restored
    assert not samples.is_inference() and samples.shape == (100, 1, 16, 16)
