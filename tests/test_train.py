"""The alternating loop: learning a 1-D Gaussian, isolation of the players, reproducibility."""

import pytest
import torch

from gandojo.config import (
    Config,
    DataConfig,
    ModelConfig,
    ObjectiveConfig,
    TrainConfig,
    apply_overrides,
    resolve,
    with_objective,
)
from gandojo.train import Trainer, fit


def small(objective="gan", steps=20, data="ring8", **train):
    return resolve(Config(data=DataConfig(name=data), model=ModelConfig(hidden=32, depth=2),
                          objective=ObjectiveConfig(name=objective),
                          train=TrainConfig(steps=steps, batch_size=64, **train)))


def test_gan_learns_a_1d_gaussian():
    """Target N(3, 0.5²). The mean is learned tightly; the spread oscillates around 0.5 as G and D chase each
    other (0.38 to 0.65 over seeds 0-7 at this budget), so it gets a wider band."""
    cfg = resolve(Config(data=DataConfig(name="gaussian1d"), model=ModelConfig(latent_dim=4, hidden=32, depth=2),
                         train=TrainConfig(steps=1500, batch_size=128, seed=0)))
    trainer = Trainer(cfg)
    start = trainer.generate(5000)
    fit(trainer, cfg.train.steps)
    x = trainer.generate(5000)
    assert abs(start.mean().item() - 3.0) > 2  # it had somewhere to go
    assert abs(x.mean().item() - 3.0) < 0.15
    assert abs(x.std().item() - 0.5) < 0.2


def test_generator_step_leaves_no_gradient_in_discriminator():
    trainer = Trainer(small())
    trainer._critic_phase()
    for p in trainer.discriminator.parameters():
        p.grad = None
    before = [p.detach().clone() for p in trainer.discriminator.parameters()]
    trainer._generator_phase()
    assert all(p.grad is None for p in trainer.discriminator.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.discriminator.parameters(), strict=True))
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


def test_k_discriminator_steps_per_generator_step():
    cfg = resolve(Config(objective=ObjectiveConfig(n_critic=3), train=TrainConfig(steps=4, batch_size=32)))
    trainer = Trainer(cfg)
    fit(trainer, 4)
    assert (trainer.g_step, trainer.d_step) == (4, 12)


def test_same_seed_same_parameters_other_seed_differs():
    def params(seed):
        trainer = Trainer(small(seed=seed))
        fit(trainer, 15)
        return torch.cat([p.flatten() for p in trainer.generator.parameters()])

    assert torch.equal(params(3), params(3))
    assert not torch.equal(params(3), params(4))


def test_wgan_clipping_keeps_weights_in_bounds():
    cfg = resolve(Config(objective=ObjectiveConfig(name="wgan", clip=0.02, warmup_schedule=False),
                         train=TrainConfig(steps=5, batch_size=32)))
    trainer = Trainer(cfg)
    stats = trainer.step()
    weights = torch.cat([p.detach().flatten() for p in trainer.discriminator.parameters()])
    assert weights.abs().max().item() <= 0.02
    # PyTorch's initialisation draws most weights far outside ±0.02: after one step they sit on the bound
    at_bound = (weights.abs() >= 0.0198).float().mean().item()
    assert stats["clip_fraction"] == pytest.approx(at_bound) and at_bound > 0.5
    assert stats["w_estimate"] == pytest.approx(-stats["loss_d"])  # no penalty: the estimate is minus the loss


def test_wgan_gp_logs_penalty_and_estimate():
    trainer = Trainer(small("wgan-gp"))
    stats = trainer.step(diagnostics=True)
    # critic loss = E[f(G(z))] - E[f(x)] + λ·GP, and the estimate is minus its first part
    lam = trainer.config.objective.gp_lambda
    assert abs(stats["loss_d"] - (lam * stats["gradient_penalty"] - stats["w_estimate"])) < 1e-5
    assert {"critic_grad_norm_real", "critic_grad_norm_fake"} <= set(stats)


def test_critic_input_gradient_norms_of_a_linear_critic():
    """f(x) = w·x has ‖∇f‖ = ‖w‖ everywhere: the diagnostic must report exactly that, on real and fake."""
    trainer = Trainer(small("wgan-gp"))
    linear = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[3.0, 4.0]]))
    trainer.discriminator = torch.nn.Sequential(linear, torch.nn.Flatten(0))
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert trainer.critic_input_grad_norms(real, fake) == pytest.approx((5.0, 5.0))


@pytest.mark.parametrize("objective, model", [("gan", "mlp"), ("gan-minimax", "mlp"), ("wgan", "mlp"),
                                              ("wgan-gp", "mlp"), ("gan", "dcgan")])
def test_sharing_the_fake_batch_changes_no_number(objective, model):
    """One G forward per step (the last critic step's batch, graph kept, serves G's step) against the plain
    formulation that generates the same batch again for G's step: the same parameters up to floating-point noise.
    (Batch-norm running statistics in G differ by design: they see one forward pass per step fewer.)"""
    extra = ["data.name=digits", "data.image_size=16", "model.width=8", "model.latent_dim=16",
             "train.batch_size=16"] if model == "dcgan" else ["train.batch_size=64"]
    config = resolve(apply_overrides(with_objective(Config(), objective),
                                     [f"model.family={model}", "objective.warmup_schedule=false", *extra]))
    shared, plain = Trainer(config), Trainer(config, share_fake_batch=False)
    for _ in range(4):
        shared.step()
        plain.step()
    assert (shared.g_step, shared.d_step) == (plain.g_step, plain.d_step)
    for a, b in ((shared.generator, plain.generator), (shared.discriminator, plain.discriminator)):
        for (name, x), y in zip(a.named_parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(x, y, atol=1e-6, rtol=1e-5, msg=name)
