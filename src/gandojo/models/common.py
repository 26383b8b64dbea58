"""What the model families share: argument checks and the critic's norms (the image sizes a DCGAN takes are the
catalogue's, :mod:`gandojo.catalogue`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from gandojo.catalogue import IMAGE_SIZES as SUPPORTED_SIZES  # noqa: F401  (the sizes a DCGAN builds)
from gandojo.catalogue import check_image_size  # noqa: F401  (re-exported for the model builders)
from gandojo.config import Norm


def check_positive_int(name: str, value: int, *, allow_zero: bool = False) -> None:
    """ValueError naming ``name`` unless ``value`` is an integer >= 1 (>= 0 with ``allow_zero``)."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def norm_layer(kind: Norm, channels: int, *, images: bool) -> nn.Module | None:
    """The critic's normalisation after a layer of ``channels``: None for ``"none"``.

    ``"batch"``: batch normalisation (mixes the samples of a batch: not with the gradient penalty).
    ``"layer"``: per sample; for images ``GroupNorm(1, C)``, layer normalisation over (C, H, W) with a
    per-channel affine, as the WGAN-GP code uses; for flat features ``LayerNorm(C)``.
    """
    if kind == "none":
        return None
    if kind == "batch":
        return nn.BatchNorm2d(channels) if images else nn.BatchNorm1d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels) if images else nn.LayerNorm(channels)
    raise ValueError(f"norm {kind!r} is unknown; expected 'batch', 'layer' or 'none'")


class MinibatchStd(nn.Module):
    """Appends the batch's spread as one more feature (Karras et al. 2018): the standard deviation of each
    feature over the batch, averaged into one number, as an extra column (B, F) -> (B, F + 1) or an extra
    channel (B, C, H, W) -> (B, C + 1, H, W). A collapsed batch has spread near 0, which D can then see.

    >>> MinibatchStd()(torch.zeros(4, 3)).shape
    torch.Size([4, 4])
    """

    def __init__(self):
        super().__init__()
        self.last_spread: Tensor | None = None  # the spread of the last batch seen (detached)
        self.frozen = False  # use last_spread instead of the batch's own (to map D over a grid of points)

    def forward(self, x: Tensor) -> Tensor:
        if self.frozen and self.last_spread is not None:
            spread = self.last_spread
        else:
            # the biased std over the batch, averaged into one number; written out because Tensor.std's reduction
            # over the first dimension is several times slower on the CPU (about a sixth of a toy MLP's step)
            spread = (x - x.mean(dim=0)).square().mean(dim=0).sqrt().mean()
            self.last_spread = spread.detach()
        extra = spread.expand(len(x), 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)


@contextlib.contextmanager
def spread_of_last_batch(module: nn.Module) -> Iterator[None]:
    """Inside the block every :class:`MinibatchStd` of ``module`` adds the spread of the last batch it saw instead
    of the current one: D scores single points (a grid, one sample) as it judged that batch."""
    layers = [m for m in module.modules() if isinstance(m, MinibatchStd)]
    for layer in layers:
        layer.frozen = True
    try:
        yield
    finally:
        for layer in layers:
            layer.frozen = False


def spectral_normalised(module: nn.Module) -> nn.Module:
    """``module`` with every Linear and Conv2d weight divided by its largest singular value (Miyato et al.
    2018), estimated by one power iteration per forward pass; returns the same module."""
    for layer in list(module.modules()):
        if isinstance(layer, nn.Linear | nn.Conv2d):
            nn.utils.parametrizations.spectral_norm(layer)
    return module
