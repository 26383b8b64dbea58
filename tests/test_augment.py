"""Differentiable augmentation (``objective.augment``): each transform does what it says to every image, D sees
real and generated batches through it in training (and only then), G's gradient passes through it, and a run
with it resumes bit for bit."""

import json

import pytest
import torch

from gandojo.config import Config, apply_overrides, resolve
from gandojo.models.augment import augment, cutout, parse_policy, translate
from gandojo.runs.runner import StopRequested, prepare, train_run
from run_helpers import resume_and_check, tiny_config, trainer_for
from test_reliability import interrupt_at

IMAGES = ["data.name=digits", "model.family=dcgan", "model.width=4", "model.latent_dim=4", "train.batch_size=8"]


def shift_of(before: torch.Tensor, after: torch.Tensor, most: int) -> tuple[int, int]:
    """The (dy, dx) that turns image ``before`` (C, H, W) into ``after``, the pixels moved in being -1."""
    h, w = before.shape[1:]
    for dy in range(-most, most + 1):
        for dx in range(-most, most + 1):
            moved = torch.full_like(before, -1.0)
            moved[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
                before[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
            if torch.equal(moved, after):
                return dy, dx
    raise AssertionError("not a translation of the image by at most 1/8 of its size")


def test_translation_moves_each_image_by_whole_pixels_and_fills_with_the_background():
    x = torch.rand(64, 2, 16, 16) * 2 - 1
    y = translate(x, torch.Generator().manual_seed(0))
    shifts = [shift_of(a, b, most=2) for a, b in zip(x, y, strict=True)]  # 1/8 of 16: up to 2 pixels
    assert len(set(shifts)) >= 10  # one shift per image, drawn for each (25 possible)
    x.requires_grad_(True)
    translate(x, torch.Generator().manual_seed(0)).sum().backward()
    # each pixel that stayed in the image came from one pixel of x, and carries its gradient back to it
    assert set(x.grad.unique().tolist()) == {0.0, 1.0} and x.grad.sum() == y.ne(-1).sum()


def test_cutout_blanks_one_square_of_half_the_size_in_each_image():
    y = cutout(torch.ones(200, 1, 16, 16), torch.Generator().manual_seed(1))
    blanked = y.eq(0)[:, 0]
    rows, cols = blanked.any(2).sum(1), blanked.any(1).sum(1)
    assert torch.equal(blanked.sum((1, 2)), rows * cols)  # a rectangle: the rows it spans times the columns
    assert rows.max() == 8 and cols.max() == 8 and rows.min() >= 1  # 8 by 8, cut where it reaches past an edge
    assert (rows < 8).any() and len({tuple(b.nonzero()[0].tolist()) for b in blanked}) > 50  # placed anywhere


def test_two_processes_transform_their_halves_of_the_batch_as_one_process_transforms_the_whole():
    """Under torchrun each process holds half of the global batch and the same stream: the draws are made for
    the whole batch and each process takes its rows, so the transforms do not depend on the number of processes."""
    x = torch.rand(16, 1, 16, 16) * 2 - 1
    whole = augment(x, ("translation", "cutout"), torch.Generator().manual_seed(7))
    halves = [augment(x[rank * 8:(rank + 1) * 8], ("translation", "cutout"), torch.Generator().manual_seed(7),
                      share=(rank, 2)) for rank in range(2)]
    assert torch.equal(torch.cat(halves), whole)


def test_the_policy_names_its_transforms_and_refuses_others():
    assert parse_policy("translation,cutout") == ("translation", "cutout") and parse_policy("none") == ()
    with pytest.raises(ValueError, match="objective.augment': got 'flip', expected 'none', 'translation'"):
        apply_overrides(Config(), ["objective.augment=flip"])


def inputs_of_discriminator(trainer) -> list[torch.Tensor]:
    seen: list[torch.Tensor] = []
    trainer.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    return seen


@pytest.mark.parametrize("policy", ["none", "translation"])
def test_the_discriminator_judges_real_and_generated_images_through_the_transform(policy):
    t = trainer_for(resolve(apply_overrides(Config(), [*IMAGES, f"objective.augment={policy}"])))
    seen = inputs_of_discriminator(t)
    critic = t.critic_step(keep_graph=True)
    real_in, fake_in = seen
    if policy == "none":
        assert torch.equal(real_in, critic.real) and torch.equal(fake_in, critic.fake.detach())
        return
    for raw, judged in ((critic.real, real_in), (critic.fake.detach(), fake_in)):
        shifts = [shift_of(a, b, most=2) for a, b in zip(raw, judged, strict=True)]
        assert any(shift != (0, 0) for shift in shifts)
    # G's step: its own batch through a fresh transform, and a gradient in G that came through it
    t.generator_step(critic.fake)
    g_shifts = [shift_of(a, b, most=2) for a, b in zip(critic.fake.detach(), seen[2], strict=True)]
    assert any(shift != (0, 0) for shift in g_shifts) and not torch.equal(seen[2], fake_in)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in t.generator.parameters() if p.requires_grad)


def test_augmenting_points_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="objective.augment"):
        prepare(apply_overrides(Config(), ["data.name=ring8", "objective.augment=translation"]))


def test_a_run_with_augmentation_stops_and_resumes_bit_identically(tmp_path, monkeypatch):
    """The transforms' random stream travels in the checkpoint: a resume that restarted it would draw other
    shifts and end elsewhere."""
    extra = [*IMAGES, "objective.augment=translation,cutout", "train.eval_samples=64"]
    train_run(tiny_config("gan", 16, *extra), tmp_path / "straight", progress=False)
    with monkeypatch.context() as patch:
        interrupt_at(patch, "gan", 7)
        with pytest.raises(StopRequested):
            train_run(tiny_config("gan", 16, *extra), tmp_path / "resumed", progress=False)
    assert json.loads((tmp_path / "resumed" / "summary.json").read_text())["status"] == "interrupted"
    resume_and_check(monkeypatch, tmp_path / "resumed", tmp_path / "straight", 7)
