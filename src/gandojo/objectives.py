r"""The games: each objective is one object that owns its phases — the critic's loss and statistics (with the
penalties it adds and the clipping after its step), the generator's loss, how many critic steps come before each
generator step — and its paper's defaults. The trainer (:mod:`gandojo.train`) only sequences the phases and knows
no objective by name; the config's list of objectives is this registry's (:data:`OBJECTIVES`).

The original game (Goodfellow et al. 2014)::

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   D(x) = sigmoid(d(x))

is computed from the logits ``d`` with softplus, which is exact and never takes log(0):
``log sigmoid(d) = -softplus(-d)`` and ``log(1 - sigmoid(d)) = -softplus(d)``.

The discriminator maximises V, i.e. minimises ``-V``. The generator has two losses:

- ``gan-minimax``: minimise ``E[log(1 - D(G(z)))]`` — the game exactly as written. When D rejects
  fakes confidently (early training) this saturates: its gradient wrt the logit is ``-sigmoid(d)``,
  which goes to 0 as ``D(G(z)) -> 0``.
- ``gan`` (default): the non-saturating loss, maximise ``E[log D(G(z))]``, i.e. minimise
  ``softplus(-d)``; its gradient ``-(1 - sigmoid(d))`` is largest exactly when G is worst. Same fixed
  point, strong gradients early; this is why it is the default (and the paper's own recommendation).

Least squares (Mao et al. 2017) and hinge (Lim and Ye 2017; Miyato et al. 2018) replace the log-loss with a
squared error towards the targets 1 (real) and 0 (fake), and with a margin of 1 on either side.

The Wasserstein games (Arjovsky et al. 2017; Gulrajani et al. 2017) use a critic ``f`` with raw
scores: critic loss ``E[f(G(z))] - E[f(x)]``, generator loss ``-E[f(G(z))]``; the critic's estimate of
W1 is ``E[f(x)] - E[f(G(z))]`` (minus the critic loss without penalty), which is positive when the
critic separates real from fake.

This module holds maths on tensors only (tensor methods, no ``import torch``), so the config and the command
line read the registry without loading torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gandojo.i18n import N_

if TYPE_CHECKING:
    from torch import Tensor, nn

    from gandojo.config.schema import ObjectiveConfig

__all__ = ["OBJECTIVES", "CriticBatch", "GradientPenalty", "Objective", "PaperDefaults", "WassersteinObjective",
           "WeightClipping", "gan_d_loss", "gan_g_loss_minimax", "gan_g_loss_nonsaturating", "gradient_penalty",
           "hinge_d_loss", "hinge_g_loss", "input_gradient", "lsgan_d_loss", "lsgan_g_loss", "softplus",
           "value_function", "wgan_critic_loss", "wgan_g_loss", "zero_centred_penalty"]


def softplus(x: Tensor) -> Tensor:
    """``log(1 + e^x)``, computed stably as ``logaddexp(x, 0)``.

    >>> softplus(torch.tensor([0.0, 100.0, -100.0])).tolist()  # log 2, x, e^x: no overflow, no log(0)
    [0.6931471824645996, 100.0, 3.783505853677006e-44]
    """
    return x.logaddexp(x.new_zeros(()))


# --- the original GAN -------------------------------------------------------------------------------

def value_function(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))] from logits.

    Parameters
    ----------
    d_real, d_fake : Tensor, shape (B,)
        Discriminator logits on real and generated samples.

    Examples
    --------
    >>> round(value_function(torch.zeros(4), torch.zeros(4)).item(), 4)  # D = 1/2 everywhere: -2 log 2
    -1.3863
    """
    return -(softplus(-d_real).mean() + softplus(d_fake).mean())


def gan_d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Discriminator loss ``-V``: ``softplus(-d_real) + softplus(d_fake)``.

    ``softplus(-d) = -log(sigmoid(d))`` and ``softplus(d) = -log(1 - sigmoid(d))``.

    >>> round(gan_d_loss(torch.tensor([0.0]), torch.tensor([0.0])).item(), 4)  # 2 log 2
    1.3863
    """
    return softplus(-d_real).mean() + softplus(d_fake).mean()


def gan_g_loss_nonsaturating(d_fake: Tensor) -> Tensor:
    """Non-saturating generator loss: minimise ``-log D(G(z)) = softplus(-d_fake)``.

    >>> round(gan_g_loss_nonsaturating(torch.tensor([0.0])).item(), 4)  # log 2
    0.6931
    """
    return softplus(-d_fake).mean()


def gan_g_loss_minimax(d_fake: Tensor) -> Tensor:
    """Exact minimax generator loss: minimise ``log(1 - D(G(z))) = -softplus(d_fake)``.

    >>> round(gan_g_loss_minimax(torch.tensor([0.0])).item(), 4)  # log(1/2)
    -0.6931
    """
    return -softplus(d_fake).mean()


# --- least squares and hinge ------------------------------------------------------------------------

def lsgan_d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Least-squares discriminator loss (Mao et al. 2017, targets b = 1 for real, a = 0 for fake):
    ``½ E[(D(x) − 1)²] + ½ E[D(G(z))²]`` on raw scores.

    >>> lsgan_d_loss(torch.tensor([1.0]), torch.tensor([0.0])).item()  # a perfect D
    0.0
    """
    return 0.5 * ((d_real - 1).square().mean() + d_fake.square().mean())


def lsgan_g_loss(d_fake: Tensor) -> Tensor:
    """Least-squares generator loss (target c = 1): ``½ E[(D(G(z)) − 1)²]``.

    >>> lsgan_g_loss(torch.tensor([0.0, 2.0])).item()
    0.5
    """
    return 0.5 * (d_fake - 1).square().mean()


def hinge_d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Hinge discriminator loss (Lim and Ye 2017; Miyato et al. 2018): ``E[max(0, 1 − D(x))] + E[max(0, 1 +
    D(G(z)))]``; scores beyond the margin of 1 cost nothing.

    >>> hinge_d_loss(torch.tensor([2.0, 0.5]), torch.tensor([-3.0])).item()  # only the 0.5 is inside the margin
    0.25
    """
    return (1 - d_real).relu().mean() + (1 + d_fake).relu().mean()


def hinge_g_loss(d_fake: Tensor) -> Tensor:
    """Hinge generator loss: ``−E[D(G(z))]`` (no margin on G's side).

    >>> hinge_g_loss(torch.tensor([1.0, 3.0])).item()
    -2.0
    """
    return -d_fake.mean()


# --- Wasserstein ------------------------------------------------------------------------------------

def wgan_critic_loss(f_real: Tensor, f_fake: Tensor) -> Tensor:
    """Critic loss ``E[f(G(z))] - E[f(x)]`` (the critic maximises ``E[f(x)] - E[f(G(z))]``).

    >>> wgan_critic_loss(torch.tensor([2.0, 4.0]), torch.tensor([1.0])).item()
    -2.0
    """
    return f_fake.mean() - f_real.mean()


def wgan_g_loss(f_fake: Tensor) -> Tensor:
    """Generator loss ``-E[f(G(z))]``.

    >>> wgan_g_loss(torch.tensor([1.0, 3.0])).item()
    -2.0
    """
    return -f_fake.mean()


# --- penalties on D's input gradient ----------------------------------------------------------------

def input_gradient(scores: Tensor, inputs: Tensor) -> Tensor:
    """∇ₓ of ``scores.sum()`` at ``inputs`` (which must require grad), kept in the graph
    (``create_graph=True``) so that a penalty on it trains D."""
    import torch  # the one function here that needs torch itself; the registry loads without it

    (grad,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return grad


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     eps: Tensor) -> tuple[Tensor, Tensor]:
    """WGAN-GP penalty ``E[(||grad_x f(x_hat)||_2 - 1)^2]`` with ``x_hat = eps*x + (1-eps)*G(z)``.

    Parameters
    ----------
    critic : module mapping (B, ...) to (B,) scores
    real, fake : Tensor, shape (B, ...)
    eps : Tensor, shape (B,)
        One U[0, 1] draw per sample (not per batch).

    Returns
    -------
    penalty : Tensor, scalar (not yet multiplied by lambda)
    grad_norm : Tensor, shape (B,), the gradient norms at the interpolates

    The gradient is taken with ``create_graph=True`` so the penalty itself can be back-propagated.

    Examples
    --------
    A linear critic with a unit-norm weight has gradient norm 1 everywhere, so no penalty:

    >>> critic = torch.nn.Linear(2, 1, bias=False)
    >>> _ = critic.weight.data.copy_(torch.tensor([[0.6, 0.8]]))
    >>> f = lambda x: critic(x).squeeze(1)
    >>> gp, norms = gradient_penalty(f, torch.randn(5, 2), torch.randn(5, 2), torch.rand(5))
    >>> round(gp.item(), 6), norms.shape
    (0.0, torch.Size([5]))
    """
    shape = (-1,) + (1,) * (real.dim() - 1)
    x_hat = (eps.view(shape) * real + (1 - eps.view(shape)) * fake).requires_grad_(True)
    grad_norm = input_gradient(critic(x_hat), x_hat).flatten(1).norm(2, dim=1)
    return ((grad_norm - 1) ** 2).mean(), grad_norm


def zero_centred_penalty(scores: Tensor, inputs: Tensor) -> Tensor:
    r"""R1 / R2 (Mescheder et al. 2018): :math:`E\|\nabla_x D(x)\|_2^2` at ``inputs`` (real data for R1,
    generated samples for R2), not yet multiplied by γ/2.

    ``scores`` (B,) must come from ``inputs`` (B, ...) with ``requires_grad``; the gradient is taken with
    ``create_graph=True`` so that the penalty trains D. Pushing D's gradient to 0 on the data (R1) makes
    the game converge where plain GAN training cycles around the equilibrium.

    Examples
    --------
    D(x) = 3·x₁ + 4·x₂ has gradient norm 5 everywhere, so the penalty is 25:

    >>> x = torch.randn(6, 2, requires_grad=True)
    >>> zero_centred_penalty(x @ torch.tensor([3.0, 4.0]), x).item()
    25.0
    """
    return input_gradient(scores, inputs).pow(2).flatten(1).sum(dim=1).mean()


# --- the objects ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperDefaults:
    """Optimizer and schedule from each objective's paper (see the README for deviations)."""

    optimizer: str
    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    momentum: float = 0.0
    n_critic: int = 1


@dataclass
class CriticBatch:
    """What one critic step scores: D's inputs and raw scores, and how to call D and draw ε.

    ``real`` and ``fake`` are D's inputs (packed, (B', ...); ``fake`` detached from G), ``d_real`` and
    ``d_fake`` D's raw scores of them (B',) in float32; ``uniform(n)`` draws n values of U[0, 1] from the run's
    ε stream (this process's share of them under torchrun)."""

    critic: Callable[[Tensor], Tensor]
    real: Tensor
    fake: Tensor
    d_real: Tensor
    d_fake: Tensor
    uniform: Callable[[int], Tensor]


Scores = Literal["probability", "score", "critic"]


@dataclass(frozen=True)
class Objective:
    """A game between G and D, with the phases it owns.

    ``d_loss(d_real, d_fake)`` and ``g_loss(d_fake)`` are pure functions of raw scores (B,). ``scores`` says how
    D's output reads: ``"probability"`` (a logit, D(x) = sigmoid(d)), ``"score"`` (a raw score with targets, as
    in least squares and hinge) or ``"critic"`` (a critic's value, an estimate of W1 through the difference of
    its means). ``data_defaults`` maps a kind of data to defaults that suit it ``{key: (value, why)}``, which
    ``--dry-run`` prints; ``per_sample_penalty`` says that the critic's loss holds a per-sample gradient
    penalty, which batch normalisation would break.

    The methods are the phases: :meth:`critic_loss` (the game's loss, the penalties added to it, the statistics),
    :meth:`after_critic_step`, :meth:`critic_steps`; subclasses change what differs.
    """

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]
    defaults: PaperDefaults
    description: str = ""
    paper: str = ""
    scores: Scores = "probability"
    data_defaults: Mapping[str, Mapping[str, tuple[Any, str]]] = field(default_factory=dict)
    per_sample_penalty: bool = False

    @property
    def critic_values(self) -> bool:
        """D's scores estimate W1 (a Wasserstein critic), rather than judging real against fake."""
        return self.scores == "critic"

    # --- the critic's phase

    def input_grads(self, cfg: ObjectiveConfig) -> tuple[bool, bool]:
        """Whether D's real and fake inputs need gradients before its forward pass (R1 and R2)."""
        return cfg.r1 > 0, cfg.r2 > 0

    def double_backward(self, cfg: ObjectiveConfig) -> bool:
        """Whether the critic's loss holds ∇ₓD (then its passes cannot be compiled: no double backward)."""
        return any(self.input_grads(cfg))

    def critic_loss(self, batch: CriticBatch, cfg: ObjectiveConfig) -> tuple[Tensor, dict[str, Tensor]]:
        """D's loss on one batch — the game's loss plus every penalty this objective adds — and the statistics
        the run logs (each a detached scalar tensor)."""
        game = self.d_loss(batch.d_real, batch.d_fake)
        loss, stats = game, self.game_stats(game, batch)
        for name, weight, term in self.penalties(batch, cfg):
            stats[name] = term.detach()
            loss = loss + weight * term
        return loss, stats

    def game_stats(self, game: Tensor, batch: CriticBatch) -> dict[str, Tensor]:
        """D(x) and D(G(z)) as D reads them; V(D, G) = −(D's loss without penalties) for the log-loss games."""
        d_real, d_fake = batch.d_real.detach(), batch.d_fake.detach()
        if self.scores == "probability":
            return {"d_real": d_real.sigmoid().mean(), "d_fake": d_fake.sigmoid().mean(), "value": -game.detach()}
        return {"d_real": d_real.mean(), "d_fake": d_fake.mean()}

    def penalties(self, batch: CriticBatch, cfg: ObjectiveConfig) -> list[tuple[str, float, Tensor]]:
        """(stat name, weight, term) of each penalty added to D's loss: R1 and R2 (Mescheder et al. 2018),
        γ/2 E‖∇D‖² at the real or the generated samples, for any objective that sets them."""
        terms = []
        for weight, scores, inputs, name in ((cfg.r1, batch.d_real, batch.real, "r1_penalty"),
                                             (cfg.r2, batch.d_fake, batch.fake, "r2_penalty")):
            if weight > 0:
                terms.append((name, weight / 2, zero_centred_penalty(scores, inputs)))
        return terms

    def after_critic_step(self, critic: nn.Module, cfg: ObjectiveConfig) -> None:
        """What follows each critic update (WGAN's clipping); nothing by default."""

    def critic_steps(self, g_step: int, cfg: ObjectiveConfig) -> int:
        """Critic steps before generator step ``g_step`` (0-based): ``objective.n_critic``."""
        return cfg.n_critic

    def critic_stats(self, critic: nn.Module, cfg: ObjectiveConfig) -> dict[str, float]:
        """Statistics of the critic's weights to log after each step (none by default)."""
        return {}


@dataclass(frozen=True)
class WassersteinObjective(Objective):
    """A Wasserstein game: the critic's scores are values, and E[f(x)] − E[f(G(z))] estimates W1."""

    scores: Scores = "critic"

    def game_stats(self, game: Tensor, batch: CriticBatch) -> dict[str, Tensor]:
        return {**super().game_stats(game, batch), "w_estimate": -game.detach()}


@dataclass(frozen=True)
class WeightClipping(WassersteinObjective):
    """WGAN (Arjovsky et al. 2017): every critic weight clamped to [−c, c] after each critic update, and the
    original schedule of 100 critic steps for the first 25 generator steps and every 500th."""

    def after_critic_step(self, critic: nn.Module, cfg: ObjectiveConfig) -> None:
        for p in critic.parameters():
            p.detach().clamp_(-cfg.clip, cfg.clip)  # in place, outside autograd

    def critic_steps(self, g_step: int, cfg: ObjectiveConfig) -> int:
        """100 critic steps for the first 25 generator steps and every 500th (``objective.warmup_schedule``), so
        that the critic is near-optimal when its estimate matters most; ``n_critic`` otherwise.

        >>> from gandojo.config.schema import ObjectiveConfig
        >>> [OBJECTIVES["wgan"].critic_steps(s, ObjectiveConfig("wgan", n_critic=5)) for s in (0, 24, 25, 500, 501)]
        [100, 100, 5, 100, 5]
        """
        if cfg.warmup_schedule and (g_step < 25 or g_step % 500 == 0):
            return 100
        return cfg.n_critic

    def critic_stats(self, critic: nn.Module, cfg: ObjectiveConfig) -> dict[str, float]:
        """``clip_fraction``: the share of critic weights within 1% of ±clip.

        The band matters: a weight clamped to +c is moved back inside by the next optimizer step (by about the
        learning rate) before the next clamp, so "exactly at c" would miss most of them.
        """
        params = [p.detach() for p in critic.parameters()]
        at_bound = sum(int((p.abs() >= 0.99 * cfg.clip).sum()) for p in params)  # no copy into one tensor
        return {"clip_fraction": at_bound / sum(p.numel() for p in params)}


@dataclass(frozen=True)
class GradientPenalty(WassersteinObjective):
    """WGAN-GP (Gulrajani et al. 2017): λ·E[(‖∇f(x̂)‖₂ − 1)²] at x̂ = εx + (1 − ε)G(z), one ε ~ U[0, 1] per
    sample, added to the critic's loss."""

    per_sample_penalty: bool = True

    def double_backward(self, cfg: ObjectiveConfig) -> bool:
        return True

    def penalties(self, batch: CriticBatch, cfg: ObjectiveConfig) -> list[tuple[str, float, Tensor]]:
        eps = batch.uniform(len(batch.real))  # one ε per (packed) sample
        penalty, _ = gradient_penalty(batch.critic, batch.real.detach(), batch.fake.detach(), eps)
        return [("gradient_penalty", cfg.gp_lambda, penalty), *super().penalties(batch, cfg)]


_POINTS_GP = {
    "objective.gp_lambda": (0.1, N_("the WGAN-GP toy code's λ; the paper's λ = 10 fails on toy mixtures")),
    "optim.betas": ((0.5, 0.9), N_("the WGAN-GP toy code's Adam betas")),
    "model.hidden": (256, N_("a wider MLP, as in the WGAN-GP toy code (512 there)")),
}

_ALL = [
    Objective("gan", gan_d_loss, gan_g_loss_nonsaturating, PaperDefaults("adam", 2e-4, (0.5, 0.999)),
              "original GAN, non-saturating generator loss -log D(G(z))", "Goodfellow et al. 2014"),
    Objective("gan-minimax", gan_d_loss, gan_g_loss_minimax, PaperDefaults("adam", 2e-4, (0.5, 0.999)),
              "original GAN, exact minimax generator loss log(1 - D(G(z)))", "Goodfellow et al. 2014"),
    Objective("lsgan", lsgan_d_loss, lsgan_g_loss, PaperDefaults("adam", 2e-4, (0.5, 0.999)),
              "least squares: D's scores pulled to 1 on real and 0 on fake, G's to 1", "Mao et al. 2017",
              scores="score"),
    Objective("hinge", hinge_d_loss, hinge_g_loss, PaperDefaults("adam", 2e-4, (0.0, 0.9), n_critic=5),
              "hinge: D scores real above +1 and fake below -1, G raises its scores", "Miyato et al. 2018",
              scores="score"),
    WeightClipping("wgan", wgan_critic_loss, wgan_g_loss, PaperDefaults("rmsprop", 5e-5, n_critic=5),
                   "Wasserstein GAN with weight clipping", "Arjovsky et al. 2017"),
    GradientPenalty("wgan-gp", wgan_critic_loss, wgan_g_loss, PaperDefaults("adam", 1e-4, (0.0, 0.9), n_critic=5),
                    "Wasserstein GAN with gradient penalty", "Gulrajani et al. 2017",
                    data_defaults={"points": _POINTS_GP}),
]

OBJECTIVES: dict[str, Objective] = {objective.name: objective for objective in _ALL}
"""Every objective by name: what ``--objective`` and ``objective.name`` accept."""
