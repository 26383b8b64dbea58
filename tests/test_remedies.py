"""The remedies against mode collapse, each an option any objective can combine: every test checks that the
option changes what it should (and only when it is on)."""

import pytest
import torch
from torch import nn

from gandojo.config import Config, apply_overrides, resolve
from gandojo.models.common import MinibatchStd
from gandojo.objectives import gan_d_loss, zero_centred_penalty
from gandojo.train import Trainer, fit
from run_helpers import trainer_for

SMALL = ["model.hidden=32", "model.depth=2", "train.batch_size=64", "train.steps=20"]


def trainer(*overrides: str) -> Trainer:
    return trainer_for(resolve(apply_overrides(Config(), [*SMALL, *overrides])))


def test_packing_makes_the_discriminator_judge_groups():
    packed = trainer("objective.pack=4")
    assert packed.discriminator.net[0].in_features == 2 * 4
    x = torch.randn(64, 2)
    assert packed.judge(x).shape == (16,)
    stats = packed.step()
    assert packed.g_step == 1 and stats["loss_d"] > 0
    with pytest.raises(ValueError, match="not a multiple of objective.pack 3"):
        resolve(apply_overrides(Config(), [*SMALL, "objective.pack=3"]))


def test_packing_for_images_stacks_channels():
    t = trainer_for(resolve(apply_overrides(Config(), ["data.name=digits", "model.family=dcgan", "model.width=4",
                                                   "model.latent_dim=4", "train.batch_size=8",
                                                   "objective.pack=2"])))
    first = next(m for m in t.discriminator.modules() if isinstance(m, nn.Conv2d))
    assert first.in_channels == 2 and t.judge(torch.zeros(8, 1, 16, 16)).shape == (4,)


@pytest.mark.parametrize("key, stat", [("objective.r1", "r1_penalty"), ("objective.r2", "r2_penalty")])
def test_zero_centred_penalties_enter_the_discriminator_loss(key, stat):
    plain, penalised = trainer(), trainer(f"{key}=10")
    a, b = plain.step(), penalised.step()
    assert stat not in a and b[stat] > 0
    # same seed, same first batch: the loss differs by exactly γ/2 times the penalty, V(D, G) not at all
    assert b["loss_d"] == pytest.approx(a["loss_d"] + 5 * b[stat], rel=1e-5)
    assert b["value"] == pytest.approx(a["value"], rel=1e-6)


def test_r1_is_the_squared_input_gradient_on_real_data():
    d = nn.Linear(2, 1)
    x = torch.randn(8, 2, requires_grad=True)
    expected = d.weight.pow(2).sum().item()  # a linear D has the same gradient everywhere
    assert zero_centred_penalty(d(x).squeeze(1), x).item() == pytest.approx(expected)
    assert torch.isfinite(gan_d_loss(d(x).squeeze(1), d(x).squeeze(1)))


def test_ema_follows_the_generator_with_its_warm_up():
    t = trainer("train.ema=0.999")
    start = [p.detach().clone() for p in t.generator.parameters()]
    t.step()
    decay = min(0.999, 2 / 11)  # the ramp (1 + t) / (10 + t) at the first step
    for average, before, now in zip(t.ema_generator.parameters(), start, t.generator.parameters(), strict=True):
        assert torch.allclose(average, decay * before + (1 - decay) * now.detach(), atol=1e-7)
    assert t.sampler is t.ema_generator
    fit(t, 20)
    assert not torch.equal(t.generate(10), t.generator(t.noise(10, torch.Generator().manual_seed(0))).detach())
    assert trainer().sampler is not None and trainer().ema_generator is None


def dcgan_trainer(*overrides: str) -> Trainer:
    return trainer("data.name=digits", "data.image_size=8", "model.family=dcgan", "model.width=4",
                   "model.latent_dim=8", "train.batch_size=16", "train.ema=0.9", *overrides)


def test_the_average_samples_with_batch_norm_statistics_of_its_own():
    """The average's running mean in G's first batch-norm layer is the mean activation of the average's own first
    layer over 2,048 samples of the batchnorm stream, computed here by hand; G's own running mean is another."""
    t = dcgan_trainer()
    fit(t, 6)
    first_conv, first_norm = t.ema_generator.net[0], t.ema_generator.net[1]
    sampler = t.sampler
    z = torch.randn(2048, 8, generator=torch.Generator().manual_seed(t.seeds["batchnorm"]))
    with torch.no_grad():
        own_mean = first_conv(z[:, :, None, None]).mean(dim=(0, 2, 3))
    assert torch.allclose(first_norm.running_mean, own_mean, atol=1e-5)
    assert not torch.allclose(t.generator.net[1].running_mean, own_mean, atol=1e-3)
    assert first_norm.momentum == 0.1 and sampler.training  # the layers' momentum and the module's mode restored
    measured = [b.clone() for b in sampler.buffers()]
    assert all(torch.equal(a, b) for a, b in zip(measured, t.sampler.buffers(), strict=True))  # the same at a step


def test_measuring_the_averages_statistics_changes_no_training_step():
    """Two runs, one asking for the sampler (and so measuring its statistics) after every step: the same G and D,
    and after a checkpoint's round trip the same samples."""
    asked, plain = dcgan_trainer(), dcgan_trainer()
    for _ in range(5):
        asked.step()
        assert asked.sampler is asked.ema_generator  # asking measures its statistics
        plain.step()
    for a, b in ((asked.generator, plain.generator), (asked.discriminator, plain.discriminator)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    resumed = dcgan_trainer()
    resumed.load_state_dict(plain.state_dict())
    assert torch.equal(resumed.generate(32), asked.generate(32))


def test_spectral_norm_bounds_each_layer_of_the_discriminator():
    t = trainer("model.spectral_norm=true")
    fit(t, 5)
    layers = [m for m in t.discriminator.modules() if isinstance(m, nn.Linear)]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    for m in layers:
        assert torch.linalg.matrix_norm(m.weight, ord=2).item() == pytest.approx(1.0, abs=0.1)


def test_minibatch_std_lets_the_discriminator_see_a_collapsed_batch():
    t = trainer("model.minibatch_std=true")
    assert any(isinstance(m, MinibatchStd) for m in t.discriminator.modules())
    d = t.discriminator
    spread, collapsed = torch.randn(64, 2), torch.zeros(64, 2)
    # the same first sample scores differently depending on the rest of its batch
    assert d(spread)[0].item() != pytest.approx(d(torch.cat([spread[:1], collapsed[1:]]))[0].item())


def test_two_time_scales_and_linear_decay():
    t = trainer("optim.lr=0.001", "optim.lr_d=0.004", "optim.lr_decay=linear")
    assert t.opt_g.param_groups[0]["lr"] == 0.001 and t.opt_d.param_groups[0]["lr"] == 0.004
    fit(t, 5)
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(0.001 * 15 / 20)
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(0.004 * 15 / 20)
    steady = trainer("optim.lr=0.001")
    fit(steady, 5)
    assert steady.opt_g.param_groups[0]["lr"] == 0.001


def test_a_late_linear_decay_keeps_the_rates_whole_until_its_start():
    t = trainer("optim.lr=0.001", "optim.lr_d=0.004", "optim.lr_decay=linear", "optim.lr_decay_start=0.5")
    fit(t, 5)  # step 5 of 20: before the decay starts at step 10
    assert t.opt_g.param_groups[0]["lr"] == 0.001 and t.opt_d.param_groups[0]["lr"] == 0.004
    fit(t, 15)  # halfway through the last 10 steps
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(0.001 * 5 / 10)
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(0.004 * 5 / 10)


def test_standardised_points_make_the_scale_irrelevant(tmp_path):
    """The same points in metres and in millimetres: with model.standardize both players see the same
    numbers, so the generator trained on the data ×1000 makes the samples ×1000."""
    import numpy as np

    points = np.random.default_rng(0).normal(size=(512, 2)).astype(np.float32) * [1.0, 3.0] + [5.0, -2.0]
    np.save(tmp_path / "m.npy", points)
    np.save(tmp_path / "mm.npy", points * 1000)
    samples = []
    for name in ("m", "mm"):
        t = trainer(f"data.name={tmp_path / name}.npy", "model.standardize=true")
        fit(t, 10)
        samples.append(t.generate(100))
    assert torch.allclose(samples[1], 1000 * samples[0], rtol=1e-3, atol=1e-2)
    assert not torch.allclose(trainer(f"data.name={tmp_path / 'mm'}.npy", "model.standardize=false").generate(5),
                              trainer(f"data.name={tmp_path / 'mm'}.npy").generate(5))  # on by default for user data
