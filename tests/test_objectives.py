"""Closed-form checks of the GAN and Wasserstein losses, and the optimal discriminator."""

import math

import pytest
import torch
from torch import nn

from gandojo.config import Config as RunConfig
from gandojo.config import ObjectiveConfig, apply_overrides, resolve
from gandojo.objectives import (
    OBJECTIVES,
    CriticBatch,
    gan_d_loss,
    gan_g_loss_minimax,
    gan_g_loss_nonsaturating,
    gradient_penalty,
    hinge_d_loss,
    hinge_g_loss,
    lsgan_d_loss,
    lsgan_g_loss,
    value_function,
    wgan_critic_loss,
    wgan_g_loss,
)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_value_function_matches_hand_computed_logs():
    d_real = torch.tensor([2.0, -1.0])
    d_fake = torch.tensor([0.5, -3.0])
    expected = (math.log(sigmoid(2.0)) + math.log(sigmoid(-1.0))) / 2 + (
        math.log(1 - sigmoid(0.5)) + math.log(1 - sigmoid(-3.0))) / 2
    assert value_function(d_real, d_fake).item() == pytest.approx(expected, rel=1e-6)
    assert gan_d_loss(d_real, d_fake).item() == pytest.approx(-expected, rel=1e-6)


def test_generator_losses_hand_computed():
    d_fake = torch.tensor([1.0, -2.0])
    nonsat = -(math.log(sigmoid(1.0)) + math.log(sigmoid(-2.0))) / 2
    minimax = (math.log(1 - sigmoid(1.0)) + math.log(1 - sigmoid(-2.0))) / 2
    assert gan_g_loss_nonsaturating(d_fake).item() == pytest.approx(nonsat, rel=1e-6)
    assert gan_g_loss_minimax(d_fake).item() == pytest.approx(minimax, rel=1e-6)


def test_losses_are_finite_for_extreme_logits():
    # softplus never takes log(0): a sigmoid + log would give -inf / nan here.
    big = torch.tensor([200.0, -200.0])
    for value in (gan_d_loss(big, big), gan_g_loss_minimax(big), gan_g_loss_nonsaturating(big)):
        assert torch.isfinite(value)


def test_minimax_saturates_where_nonsaturating_does_not():
    # D confidently rejects the fake (logit -8): the minimax loss has almost no gradient.
    logit = torch.tensor([-8.0], requires_grad=True)
    (g_minimax,) = torch.autograd.grad(gan_g_loss_minimax(logit), logit)
    (g_nonsat,) = torch.autograd.grad(gan_g_loss_nonsaturating(logit), logit)
    assert abs(g_minimax.item()) < 1e-3
    assert abs(g_nonsat.item()) > 0.99


def test_wasserstein_losses_signs():
    f_real, f_fake = torch.tensor([3.0, 5.0]), torch.tensor([1.0, 1.0])
    assert wgan_critic_loss(f_real, f_fake).item() == -3.0  # critic separates: estimate 3 > 0
    assert wgan_g_loss(f_fake).item() == -1.0


def test_optimal_discriminator_recovered():
    """D*(x) = p_data / (p_data + p_g): for N(0,1) vs N(1,1) that is sigmoid(0.5 - x)."""
    torch.manual_seed(0)
    disc = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt = torch.optim.Adam(disc.parameters(), lr=1e-2)
    rng = torch.Generator().manual_seed(1)
    for _ in range(600):
        real = torch.randn(1024, 1, generator=rng)
        fake = torch.randn(1024, 1, generator=rng) + 1
        loss = gan_d_loss(disc(real).squeeze(1), disc(fake).squeeze(1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    x = torch.linspace(-1.5, 2.5, 41)[:, None]
    learned = torch.sigmoid(disc(x).squeeze(1)).detach()
    optimal = torch.sigmoid(0.5 - x.squeeze(1))
    assert (learned - optimal).abs().max().item() < 0.05


def _linear_critic(weights):
    critic = nn.Linear(len(weights), 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([weights]))
    return lambda x: critic(x).squeeze(1)


def test_gradient_penalty_of_linear_critics():
    real, fake, eps = torch.randn(8, 2), torch.randn(8, 2), torch.rand(8)
    gp, norms = gradient_penalty(_linear_critic([0.6, 0.8]), real, fake, eps)
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    gp, norms = gradient_penalty(_linear_critic([3.0, 4.0]), real, fake, eps)  # slope 5: (5 - 1)^2
    assert gp.item() == pytest.approx(16.0, rel=1e-6)
    assert torch.allclose(norms, torch.full((8,), 5.0))


def test_gradient_penalty_uses_one_epsilon_per_sample():
    # A quadratic critic f(x) = x^2/2 has gradient x_hat, so each norm reveals its own interpolate.
    real, fake = torch.full((3, 1), 2.0), torch.zeros(3, 1)
    eps = torch.tensor([0.0, 0.5, 1.0])
    _, norms = gradient_penalty(lambda x: (x**2).sum(1) / 2, real, fake, eps)
    assert norms.tolist() == pytest.approx([0.0, 1.0, 2.0])


def test_penalty_is_differentiable_wrt_critic():
    critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    gp, _ = gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(4, 2), torch.randn(4, 2), torch.rand(4))
    gp.backward()
    assert critic[0].weight.grad is not None and critic[0].weight.grad.abs().sum() > 0


def test_paper_defaults_table():
    assert OBJECTIVES["gan"].defaults.betas == (0.5, 0.999)
    assert (OBJECTIVES["wgan"].defaults.optimizer, OBJECTIVES["wgan"].defaults.lr) == ("rmsprop", 5e-5)
    gp = OBJECTIVES["wgan-gp"].defaults
    assert (gp.optimizer, gp.lr, gp.betas, gp.n_critic) == ("adam", 1e-4, (0.0, 0.9), 5)


def test_wgan_warmup_schedule():
    wgan, gp = OBJECTIVES["wgan"], OBJECTIVES["wgan-gp"]
    on, off = ObjectiveConfig("wgan", n_critic=5), ObjectiveConfig("wgan", n_critic=5, warmup_schedule=False)
    assert [wgan.critic_steps(s, on) for s in range(30)].count(100) == 25
    assert (wgan.critic_steps(1000, on), wgan.critic_steps(1001, on), wgan.critic_steps(0, off)) == (100, 5, 5)
    assert gp.critic_steps(0, ObjectiveConfig("wgan-gp", n_critic=5)) == 5


# --- least squares and hinge --------------------------------------------------------------------------

def test_least_squares_losses_hand_computed():
    d_real, d_fake = torch.tensor([1.5, 0.0]), torch.tensor([0.5, -1.0])
    assert lsgan_d_loss(d_real, d_fake).item() == pytest.approx(0.5 * ((0.25 + 1) / 2 + (0.25 + 1) / 2))
    assert lsgan_g_loss(d_fake).item() == pytest.approx(0.5 * (0.25 + 4) / 2)


def test_hinge_losses_hand_computed():
    d_real, d_fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0])
    assert hinge_d_loss(d_real, d_fake).item() == pytest.approx((0 + 0.5 + 2) / 3 + (0 + 1) / 2)
    assert hinge_g_loss(d_fake).item() == pytest.approx(1.0)


def train_discriminator(d_loss, real_mean=0.0, fake_mean=1.0, steps=600):
    """A small D trained by ``d_loss`` on N(real_mean, 1) against N(fake_mean, 1); returns its scores on a grid."""
    torch.manual_seed(0)
    disc = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt = torch.optim.Adam(disc.parameters(), lr=1e-2)
    rng = torch.Generator().manual_seed(1)
    for _ in range(steps):
        real = torch.randn(1024, 1, generator=rng) + real_mean
        fake = torch.randn(1024, 1, generator=rng) + fake_mean
        loss = d_loss(disc(real).squeeze(1), disc(fake).squeeze(1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    x = torch.linspace(-1.5, 2.5, 41)[:, None]
    return x.squeeze(1), disc(x).squeeze(1).detach()


def test_least_squares_optimal_discriminator_recovered():
    """With targets b = 1 (real) and a = 0 (fake), D*(x) = p_data / (p_data + p_g) as a raw score (Mao et al.
    2017): for N(0,1) vs N(1,1) that is sigmoid(0.5 - x), with no sigmoid in D."""
    x, scores = train_discriminator(lsgan_d_loss)
    assert (scores - torch.sigmoid(0.5 - x)).abs().max().item() < 0.05


def test_hinge_discriminator_saturates_at_its_margins():
    """Far from the overlap the optimal hinge D sits at +1 (real) and -1 (fake), where its loss is flat."""
    x, scores = train_discriminator(hinge_d_loss, real_mean=-3.0, fake_mean=3.0)
    assert scores[x < -1.2].min().item() > 0.9 and scores[x > 1.2].max().item() < -0.9


# --- the contract every objective of the registry keeps --------------------------------------------------

@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_objective_keeps_the_contract(name):
    game = OBJECTIVES[name]
    cfg = resolve(apply_overrides(RunConfig(), [f"objective.name={name}"])).objective
    assert game.name == name and game.description and game.paper
    big = torch.tensor([200.0, -200.0])
    assert torch.isfinite(game.d_loss(big, big)) and torch.isfinite(game.g_loss(big))
    # D's loss falls as D separates real (high scores) from fake (low scores)
    assert game.d_loss(torch.tensor([0.9]), torch.tensor([0.1])) < game.d_loss(torch.tensor([0.1]), torch.tensor([0.9]))
    # G's loss falls as D scores its samples higher: G is pushed toward what D calls real
    d_fake = torch.tensor([-0.5, 0.3], requires_grad=True)
    (grad,) = torch.autograd.grad(game.g_loss(d_fake), d_fake)
    assert (grad < 0).all()
    critic = nn.Linear(2, 1)
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    batch = CriticBatch(lambda x: critic(x).squeeze(1), real, fake, critic(real).squeeze(1), critic(fake).squeeze(1),
                        lambda n: torch.rand(n, generator=torch.Generator().manual_seed(0)))
    loss, stats = game.critic_loss(batch, cfg)
    assert loss.dim() == 0 and {"d_real", "d_fake"} <= set(stats)
    assert ("w_estimate" in stats) == game.critic_values and ("value" in stats) == (game.scores == "probability")
    assert ("gradient_penalty" in stats) == game.per_sample_penalty
    assert game.critic_steps(100, cfg) == cfg.n_critic == game.defaults.n_critic


def test_the_configs_objectives_are_the_registrys():
    from typing import get_args

    from gandojo.config import ObjectiveName

    assert get_args(ObjectiveName) == tuple(OBJECTIVES)
    with pytest.raises(ValueError, match="objective.name"):
        apply_overrides(RunConfig(), ["objective.name=vae"])
