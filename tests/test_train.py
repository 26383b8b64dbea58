"""The alternating loop: learning a 1-D Gaussian, isolation of the players, reproducibility."""

import torch

from gandojo.config import Config, DataConfig, ModelConfig, ObjectiveConfig, TrainConfig, resolve
from gandojo.train import Trainer, fit


def small(objective="gan", steps=20, data="ring8", **train):
    return resolve(Config(data=DataConfig(name=data), model=ModelConfig(hidden=32, depth=2),
                          objective=ObjectiveConfig(name=objective),
                          train=TrainConfig(steps=steps, batch_size=64, **train)))


def test_gan_learns_a_1d_gaussian():
    cfg = resolve(Config(data=DataConfig(name="gaussian1d"), model=ModelConfig(latent_dim=1, hidden=32, depth=2),
                         train=TrainConfig(steps=1500, batch_size=128, seed=1)))
    trainer = Trainer(cfg)
    fit(trainer, cfg.train.steps)
    x = trainer.generate(5000)
    assert abs(x.mean().item() - 3.0) < 0.15  # target N(3, 0.5^2)
    assert abs(x.std().item() - 0.5) < 0.15


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
    assert all(p.abs().max().item() <= 0.02 for p in trainer.discriminator.parameters())
    assert 0.0 <= stats["clip_fraction"] <= 1.0 and "w_estimate" in stats


def test_wgan_gp_logs_penalty_and_estimate():
    trainer = Trainer(small("wgan-gp"))
    stats = trainer.step(diagnostics=True)
    assert stats["gradient_penalty"] >= 0
    # critic loss = E[f(G(z))] - E[f(x)] + λ·GP, and the estimate is minus its first part
    assert abs(stats["loss_d"] - (10 * stats["gradient_penalty"] - stats["w_estimate"])) < 1e-5
    assert stats["critic_grad_norm_real"] > 0 and stats["critic_grad_norm_fake"] > 0
