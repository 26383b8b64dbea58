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
from gandojo.train import fit
from run_helpers import trainer_for


def small(objective="gan", steps=20, data="ring8", **train):
    return resolve(Config(data=DataConfig(name=data), model=ModelConfig(hidden=32, depth=2),
                          objective=ObjectiveConfig(name=objective),
                          train=TrainConfig(steps=steps, batch_size=64, **train)))


def test_gan_learns_a_1d_gaussian():
    """Target N(3, 0.5²). The mean is learned tightly; the spread oscillates around 0.5 as G and D chase each
    other (0.38 to 0.65 over seeds 0-7 at this budget), so it gets a wider band."""
    cfg = resolve(Config(data=DataConfig(name="gaussian1d"), model=ModelConfig(latent_dim=4, hidden=32, depth=2),
                         train=TrainConfig(steps=1500, batch_size=128, seed=0)))
    trainer = trainer_for(cfg)
    start = trainer.generate(5000)
    fit(trainer, cfg.train.steps)
    x = trainer.generate(5000)
    assert abs(start.mean().item() - 3.0) > 2  # it had somewhere to go
    assert abs(x.mean().item() - 3.0) < 0.15
    assert abs(x.std().item() - 0.5) < 0.2


def test_generator_step_leaves_no_gradient_in_discriminator():
    trainer = trainer_for(small())
    trainer.critic_step()
    for p in trainer.discriminator.parameters():
        p.grad = None
    before = [p.detach().clone() for p in trainer.discriminator.parameters()]
    trainer.generator_step()
    assert all(p.grad is None for p in trainer.discriminator.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.discriminator.parameters(), strict=True))
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


def test_k_discriminator_steps_per_generator_step():
    cfg = resolve(Config(objective=ObjectiveConfig(n_critic=3), train=TrainConfig(steps=4, batch_size=32)))
    trainer = trainer_for(cfg)
    fit(trainer, 4)
    assert (trainer.g_step, trainer.d_step) == (4, 12)


def test_same_seed_same_parameters_other_seed_differs():
    def params(seed):
        trainer = trainer_for(small(seed=seed))
        fit(trainer, 15)
        return torch.cat([p.flatten() for p in trainer.generator.parameters()])

    assert torch.equal(params(3), params(3))
    assert not torch.equal(params(3), params(4))


def test_wgan_clipping_keeps_weights_in_bounds():
    cfg = resolve(Config(objective=ObjectiveConfig(name="wgan", clip=0.02, warmup_schedule=False),
                         train=TrainConfig(steps=5, batch_size=32)))
    trainer = trainer_for(cfg)
    stats = trainer.step()
    weights = torch.cat([p.detach().flatten() for p in trainer.discriminator.parameters()])
    assert weights.abs().max().item() <= 0.02
    # PyTorch's initialisation draws most weights far outside ±0.02: after one step they sit on the bound
    at_bound = (weights.abs() >= 0.0198).float().mean().item()
    assert stats["clip_fraction"] == pytest.approx(at_bound) and at_bound > 0.5
    assert stats["w_estimate"] == pytest.approx(-stats["loss_d"])  # no penalty: the estimate is minus the loss


def test_wgan_gp_logs_penalty_and_estimate():
    trainer = trainer_for(small("wgan-gp"))
    stats = trainer.step(diagnostics=True)
    # critic loss = E[f(G(z))] - E[f(x)] + λ·GP, and the estimate is minus its first part
    lam = trainer.config.objective.gp_lambda
    assert abs(stats["loss_d"] - (lam * stats["gradient_penalty"] - stats["w_estimate"])) < 1e-5
    assert {"critic_grad_norm_real", "critic_grad_norm_fake"} <= set(stats)


def test_critic_input_gradient_norms_of_a_linear_critic():
    """f(x) = w·x has ‖∇f‖ = ‖w‖ everywhere: the diagnostic must report exactly that, on real and fake."""
    trainer = trainer_for(small("wgan-gp"))
    linear = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[3.0, 4.0]]))
    trainer.discriminator = torch.nn.Sequential(linear, torch.nn.Flatten(0))
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert trainer.critic_input_grad_norms(real, fake) == pytest.approx((5.0, 5.0))


@pytest.mark.parametrize("objective, model", [("gan", "mlp"), ("gan-minimax", "mlp"), ("lsgan", "mlp"),
                                              ("hinge", "mlp"), ("wgan", "mlp"), ("wgan-gp", "mlp"), ("gan", "dcgan")])
def test_sharing_the_fake_batch_changes_no_number(objective, model):
    """One G forward per step (the last critic step's batch, graph kept, serves G's step) against the plain
    formulation that generates the same batch again for G's step: the same parameters up to floating-point noise.
    (Batch-norm running statistics in G differ by design: they see one forward pass per step fewer.)"""
    extra = ["data.name=digits", "data.image_size=16", "model.width=8", "model.latent_dim=16",
             "train.batch_size=16"] if model == "dcgan" else ["train.batch_size=64"]
    config = resolve(apply_overrides(with_objective(Config(), objective),
                                     [f"model.family={model}", "objective.warmup_schedule=false", *extra]))
    shared, plain = trainer_for(config), trainer_for(config, share_fake_batch=False)
    for _ in range(4):
        shared.step()
        plain.step()
    assert (shared.g_step, shared.d_step) == (plain.g_step, plain.d_step)
    for a, b in ((shared.generator, plain.generator), (shared.discriminator, plain.discriminator)):
        for (name, x), y in zip(a.named_parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(x, y, atol=1e-6, rtol=1e-5, msg=name)


# --- the phases, one player at a time -------------------------------------------------------------------

def player_state(trainer, player: str) -> list[torch.Tensor]:
    """Every tensor a player owns: its parameters and buffers, its optimizer's state, G's moving average."""
    module, optimizer = ((trainer.generator, trainer.opt_g) if player == "G" else
                         (trainer.discriminator, trainer.opt_d))
    tensors = [t.detach().clone() for t in (*module.parameters(), *module.buffers())]
    for state in optimizer.state.values():
        tensors += [v.clone() for v in state.values() if isinstance(v, torch.Tensor)]
    if player == "G" and trainer.ema_generator is not None:
        tensors += [p.detach().clone() for p in trainer.ema_generator.parameters()]
    return tensors


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def phase_config(objective: str):
    return resolve(apply_overrides(with_objective(Config(), objective),
                                   ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.ema=0.9",
                                    "objective.r1=0.5"]))


@pytest.mark.parametrize("objective", ["gan", "gan-minimax", "lsgan", "hinge", "wgan", "wgan-gp"])
def test_a_critic_step_moves_only_d_and_a_generator_step_only_g(objective):
    trainer = trainer_for(phase_config(objective))
    trainer.step()  # optimizer states exist for both players
    g, d = player_state(trainer, "G"), player_state(trainer, "D")
    trainer.critic_step()
    assert same(player_state(trainer, "G"), g), "the critic step changed G"
    assert not same(player_state(trainer, "D"), d), "the critic step did not change D"
    assert (trainer.g_step, trainer.d_step) == (1, trainer.objective.critic_steps(0, trainer.config.objective) + 1)
    g, d = player_state(trainer, "G"), player_state(trainer, "D")
    trainer.generator_step()
    assert same(player_state(trainer, "D"), d), "the generator step changed D"
    assert not same(player_state(trainer, "G"), g), "the generator step did not change G"
    assert trainer.g_step == 2


def test_the_full_step_is_the_phases_in_order():
    """step() is the objective's k critic steps, the last keeping G's graph, then a generator step on that batch."""
    a, b = trainer_for(phase_config("wgan-gp")), trainer_for(phase_config("wgan-gp"))
    for _ in range(3):
        a.step()
        k = b.objective.critic_steps(b.g_step, b.config.objective)
        for i in range(k):
            last = b.critic_step(keep_graph=i == k - 1)
        b.generator_step(last.fake)
    assert same(player_state(a, "G"), player_state(b, "G")) and same(player_state(a, "D"), player_state(b, "D"))


def test_single_phases_resume_bit_exactly(tmp_path):
    """A trainer stepped phase by phase (D only, G only, full steps), saved and loaded into a new one, continues
    exactly as the original does."""
    config = phase_config("gan")
    original = trainer_for(config)
    for phase in ("step", "critic_step", "critic_step", "generator_step"):
        getattr(original, phase)()
    torch.save(original.state_dict(), tmp_path / "state.pt")
    resumed = trainer_for(config)
    resumed.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=True))
    for trainer in (original, resumed):
        trainer.generator_step()
        trainer.critic_step()
        trainer.step()
    for player in ("G", "D"):
        assert same(player_state(original, player), player_state(resumed, player))
    assert (resumed.g_step, resumed.d_step) == (original.g_step, original.d_step) == (4, 5)
