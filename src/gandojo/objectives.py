r"""The GAN games as pure loss functions on raw scores (logits), and each objective's paper defaults.

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

The Wasserstein games (Arjovsky et al. 2017; Gulrajani et al. 2017) use a critic ``f`` with raw
scores: critic loss ``E[f(G(z))] - E[f(x)]``, generator loss ``-E[f(G(z))]``; the critic's estimate of
W1 is ``E[f(x)] - E[f(G(z))]`` (minus the critic loss without penalty), which is positive when the
critic separates real from fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

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
    return -(F.softplus(-d_real).mean() + F.softplus(d_fake).mean())


def gan_d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Discriminator loss ``-V``: ``softplus(-d_real) + softplus(d_fake)``.

    ``softplus(-d) = -log(sigmoid(d))`` and ``softplus(d) = -log(1 - sigmoid(d))``.

    >>> round(gan_d_loss(torch.tensor([0.0]), torch.tensor([0.0])).item(), 4)  # 2 log 2
    1.3863
    """
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def gan_g_loss_nonsaturating(d_fake: Tensor) -> Tensor:
    """Non-saturating generator loss: minimise ``-log D(G(z)) = softplus(-d_fake)``.

    >>> round(gan_g_loss_nonsaturating(torch.tensor([0.0])).item(), 4)  # log 2
    0.6931
    """
    return F.softplus(-d_fake).mean()


def gan_g_loss_minimax(d_fake: Tensor) -> Tensor:
    """Exact minimax generator loss: minimise ``log(1 - D(G(z))) = -softplus(d_fake)``.

    >>> round(gan_g_loss_minimax(torch.tensor([0.0])).item(), 4)  # log(1/2)
    -0.6931
    """
    return -F.softplus(d_fake).mean()


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


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
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

    >>> critic = nn.Linear(2, 1, bias=False)
    >>> _ = critic.weight.data.copy_(torch.tensor([[0.6, 0.8]]))
    >>> f = lambda x: critic(x).squeeze(1)
    >>> gp, norms = gradient_penalty(f, torch.randn(5, 2), torch.randn(5, 2), torch.rand(5))
    >>> round(gp.item(), 6), norms.shape
    (0.0, torch.Size([5]))
    """
    shape = (-1,) + (1,) * (real.dim() - 1)
    x_hat = (eps.view(shape) * real + (1 - eps.view(shape)) * fake).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    grad_norm = grad.flatten(1).norm(2, dim=1)
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
    (grad,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return grad.pow(2).flatten(1).sum(dim=1).mean()


# --- registry ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperDefaults:
    """Optimizer and schedule from each objective's paper (see the README for deviations)."""

    optimizer: str
    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    momentum: float = 0.0
    n_critic: int = 1


@dataclass(frozen=True)
class ObjectiveSpec:
    """A game: how the discriminator/critic and the generator are scored.

    ``d_loss(d_real, d_fake)`` and ``g_loss(d_fake)`` take raw scores of shape (B,).
    ``wasserstein`` says the scores are critic values (no sigmoid); ``clip`` and ``penalty`` say whether
    weight clipping or the gradient penalty applies.
    """

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]
    defaults: PaperDefaults
    wasserstein: bool = False
    clip: bool = False
    penalty: bool = False
    description: str = ""


OBJECTIVES: dict[str, ObjectiveSpec] = {
    "gan": ObjectiveSpec(
        "gan", gan_d_loss, gan_g_loss_nonsaturating,
        PaperDefaults("adam", 2e-4, (0.5, 0.999)),
        description="original GAN, non-saturating generator loss -log D(G(z))",
    ),
    "gan-minimax": ObjectiveSpec(
        "gan-minimax", gan_d_loss, gan_g_loss_minimax,
        PaperDefaults("adam", 2e-4, (0.5, 0.999)),
        description="original GAN, exact minimax generator loss log(1 - D(G(z)))",
    ),
    "wgan": ObjectiveSpec(
        "wgan", wgan_critic_loss, wgan_g_loss,
        PaperDefaults("rmsprop", 5e-5, n_critic=5),
        wasserstein=True, clip=True,
        description="Wasserstein GAN with weight clipping",
    ),
    "wgan-gp": ObjectiveSpec(
        "wgan-gp", wgan_critic_loss, wgan_g_loss,
        PaperDefaults("adam", 1e-4, (0.0, 0.9), n_critic=5),
        wasserstein=True, penalty=True,
        description="Wasserstein GAN with gradient penalty",
    ),
}


def critic_steps(objective: str, n_critic: int, g_step: int, warmup_schedule: bool) -> int:
    """Critic steps before generator step ``g_step`` (0-based).

    WGAN's original schedule trains the critic 100 times for the first 25 generator steps and every
    500th, so that the critic is near-optimal when its estimate matters most.

    >>> [critic_steps("wgan", 5, s, True) for s in (0, 24, 25, 500, 501)]
    [100, 100, 5, 100, 5]
    >>> critic_steps("gan", 1, 0, True)
    1
    """
    if objective == "wgan" and warmup_schedule and (g_step < 25 or g_step % 500 == 0):
        return 100
    return n_critic


def build_optimizer(params, name: str, lr: float, betas: tuple[float, float], momentum: float):
    """The optimizer named in the config (``adam``, ``rmsprop`` or ``sgd``).

    Adam and SGD use PyTorch's fused kernels where the build has them (one kernel for all parameters: on a
    CPU DCGAN, Adam's update takes a quarter of the time of the default multi-tensor one); RMSprop has none.
    """
    params = list(params)
    if name == "adam":
        return _fused_if_possible(torch.optim.Adam, params, lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=momentum)
    if name == "sgd":
        return _fused_if_possible(torch.optim.SGD, params, lr=lr, momentum=momentum)
    raise ValueError(f"optimizer {name!r} is unknown; expected adam, rmsprop or sgd")


def _fused_if_possible(optimizer: type[torch.optim.Optimizer], params: list, **settings) -> torch.optim.Optimizer:
    try:
        return optimizer(params, fused=True, **settings)
    except (RuntimeError, ValueError):  # a device or build without the fused kernel (e.g. PyTorch < 2.4 on CPU)
        return optimizer(params, **settings)
