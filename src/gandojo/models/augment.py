"""Differentiable augmentation (DiffAugment, Zhao et al. 2020): D judges real and generated images both moved by
the same kind of random transform, so that on a small data set it cannot learn the training images by heart, and
G, whose samples pass through the same transform on the way to D, still learns the untransformed images.

The policies are DiffAugment's names for images in [-1, 1]:

- ``translation``: each image shifted by up to 1/8 of its size in each direction (whole pixels), the pixels
  that come in filled with -1 (the background of ink-on-paper images such as the digits);
- ``cutout``: a square of half the image's size, at a random place (allowed to reach past the edge), set to 0.

Gradients flow through both (they only move and mask pixels), so G's update goes through the transform. Under
torchrun each process is given its ``share`` (rank, processes) of the global batch: the draws are made for the
whole batch from the stream every process holds, and each takes its own rows, so N processes transform the
images exactly as one process does.
"""

from __future__ import annotations

import torch
from torch import Tensor


def parse_policy(policy: str) -> tuple[str, ...]:
    """``objective.augment`` as the transforms it names, in order: ``"translation,cutout"`` ->
    ``("translation", "cutout")``, ``"none"`` -> ``()`` (the config's schema admits only the names of
    :data:`TRANSFORMS`).

    >>> parse_policy("translation,cutout"), parse_policy("none")
    (('translation', 'cutout'), ())
    """
    return tuple(name for name in policy.split(",") if name != "none")


Share = tuple[int, int]  # (this process's rank, processes): whose rows of the global batch x holds


def _draw(low: int, high: int, x: Tensor, rng: torch.Generator, share: Share) -> Tensor:
    """One integer in [low, high) per image of ``x`` (B, 1, 1), this process's rows of a draw for the global
    batch."""
    rank, processes = share
    b = len(x)
    return torch.randint(low, high, (b * processes, 1, 1), generator=rng)[rank * b:(rank + 1) * b].to(x.device)


def translate(x: Tensor, rng: torch.Generator, ratio: float = 0.125, fill: float = -1.0, *,
              share: Share = (0, 1)) -> Tensor:
    """Each image of ``x`` (B, C, H, W) shifted by whole pixels, up to ``ratio`` of its height and width in each
    direction (one shift per image, the same for its channels); pixels shifted in are ``fill``.

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> y = translate(x, torch.Generator().manual_seed(0), ratio=0.25)
    >>> sorted(set(y.flatten().tolist()) - set(x.flatten().tolist())) in ([], [-1.0])
    True
    """
    _, _, h, w = x.shape
    dy = _draw(-int(h * ratio), int(h * ratio) + 1, x, rng, share)
    dx = _draw(-int(w * ratio), int(w * ratio) + 1, x, rng, share)
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy  # the source row of each output row
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx
    inside = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).unsqueeze(1)  # (B, 1, H, W)
    flat = (rows.clamp(0, h - 1) * w + cols.clamp(0, w - 1)).flatten(1)  # (B, H·W) indices into each image
    moved = x.flatten(2).gather(2, flat.unsqueeze(1).expand(-1, x.shape[1], -1)).view_as(x)
    return torch.where(inside, moved, torch.full((), fill, dtype=x.dtype, device=x.device))


def cutout(x: Tensor, rng: torch.Generator, ratio: float = 0.5, *, share: Share = (0, 1)) -> Tensor:
    """Each image of ``x`` (B, C, H, W) with a square of ``ratio`` of its size, centred anywhere in the image, set
    to 0.

    >>> y = cutout(torch.ones(2, 1, 8, 8), torch.Generator().manual_seed(0))
    >>> bool((y == 0).any()) and bool((y == 1).any())
    True
    """
    _, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = _draw(0, h + (1 - ch % 2), x, rng, share) - ch // 2
    left = _draw(0, w + (1 - cw % 2), x, rng, share) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    keep = ~((rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw))
    return x * keep.unsqueeze(1).to(x.dtype)


TRANSFORMS = {"translation": translate, "cutout": cutout}


def augment(x: Tensor, policy: tuple[str, ...], rng: torch.Generator, share: Share = (0, 1)) -> Tensor:
    """``x`` (B, C, H, W) through each transform of ``policy`` in turn, drawing from ``rng``; unchanged when the
    policy is empty or ``x`` is not a batch of images."""
    if not policy or x.dim() != 4:
        return x
    for name in policy:
        x = TRANSFORMS[name](x, rng, share=share)
    return x
