"""MLP generator and discriminator/critic for low-dimensional data (toy mixtures, user arrays).

The discriminator returns raw scores (logits for the GAN, critic values for WGAN); the loss applies
the link function (:mod:`gandojo.objectives`).

>>> g, d = MLPGenerator(data_dim=2, latent_dim=8), MLPDiscriminator(data_dim=2)
>>> x = g(torch.randn(16, 8))  # (16, 2)
>>> x.shape, d(x).shape
(torch.Size([16, 2]), torch.Size([16]))
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gandojo.config import Norm
from gandojo.models.common import MinibatchStd, norm_layer


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> x (B, data_dim): ``depth`` hidden layers of ``hidden`` units with ReLU."""

    def __init__(self, data_dim: int, latent_dim: int = 2, hidden: int = 128, depth: int = 3):
        super().__init__()
        layers: list[nn.Module] = []
        width_in = latent_dim
        for _ in range(depth):
            layers += [nn.Linear(width_in, hidden), nn.ReLU()]  # (B, hidden)
            width_in = hidden
        layers.append(nn.Linear(width_in, data_dim))  # (B, data_dim), linear output: data is unbounded
        self.net = nn.Sequential(*layers)
        self.latent_dim = latent_dim
        # x = shift + scale · net(z): the identity unless the data is standardised (model.standardize)
        self.register_buffer("shift", torch.zeros(data_dim))
        self.register_buffer("scale", torch.ones(data_dim))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z) * self.scale + self.shift


class MLPDiscriminator(nn.Module):
    """x (B, data_dim) -> raw score (B,): ``depth`` hidden layers with LeakyReLU(0.2).

    ``norm="layer"`` adds LayerNorm after each hidden linear layer (per sample, so safe for WGAN-GP);
    ``"batch"`` adds BatchNorm1d (not allowed with the gradient penalty). ``minibatch_std`` appends the
    batch's spread before the scoring layer (:class:`~gandojo.models.common.MinibatchStd`).
    """

    def __init__(self, data_dim: int, hidden: int = 128, depth: int = 3,
                 norm: Norm = "none", minibatch_std: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        width_in = data_dim
        for _ in range(depth):
            layers.append(nn.Linear(width_in, hidden))  # (B, hidden)
            normalise = norm_layer(norm, hidden, images=False)
            if normalise is not None:
                layers.append(normalise)
            layers.append(nn.LeakyReLU(0.2))
            width_in = hidden
        if minibatch_std:
            layers.append(MinibatchStd())  # (B, hidden + 1)
            width_in += 1
        layers.append(nn.Linear(width_in, 1))  # (B, 1)
        self.net = nn.Sequential(*layers)
        # scores of (x - shift) / scale: the identity unless the data is standardised (model.standardize)
        self.register_buffer("shift", torch.zeros(data_dim))
        self.register_buffer("scale", torch.ones(data_dim))

    def forward(self, x: Tensor) -> Tensor:
        return self.net((x - self.shift) / self.scale).squeeze(1)  # (B,)
