"""The image set every loader returns, and the transforms every loader applies: pixel scaling to [-1, 1],
channel conversion, and resizing to the square size the DCGAN models take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gandojo.data.base import Kind
from gandojo.i18n import _

__all__ = ["ImageData", "finish", "resize_images", "scale_to_unit", "to_channels"]


@dataclass(frozen=True, eq=False)
class ImageData:
    """A finite set of images (a :class:`~gandojo.data.base.Dataset`).

    Attributes
    ----------
    name : str
    values : Tensor, shape (N, C, H, W), float32 in [-1, 1]
    labels : Tensor of shape (N,) (int64), or None
    class_names : tuple of str, or None
    benchmark : "digits" or None
        Which offline metrics apply (:func:`gandojo.metrics.scoring.make_evaluator`): only the bundled
        digits have a classifier.
    skipped : tuple of str
        Files that could not be read, as ``"path: reason"``.
    notes : tuple of str
        What the loader did to the images (resizing, channel conversion), to tell the user.
    """

    name: str
    values: Tensor
    labels: Tensor | None = None
    class_names: tuple[str, ...] | None = None
    benchmark: Literal["digits"] | None = None
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    kind: ClassVar[Kind] = "images"
    modes: ClassVar[None] = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """One image's shape (C, H, W)."""
        return tuple(self.values.shape[1:])

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` images (n, C, H, W) drawn uniformly with replacement (training shuffles epochs instead)."""
        idx = torch.randint(len(self.values), (n,), generator=generator)
        return self.values[idx]


def resize_images(x: Tensor, size: int, *, chunk: int = 4096) -> Tensor:
    """Resize (N, C, H, W) images to (N, C, size, size): scale the shorter side, then crop the centre.

    Bilinear (antialiased when shrinking); the result is clamped to [-1, 1].

    >>> resize_images(torch.zeros(2, 1, 28, 28), 32).shape
    torch.Size([2, 1, 32, 32])
    >>> resize_images(torch.zeros(1, 3, 20, 40), 8).shape  # 20×40 -> 8×16 -> centre 8×8
    torch.Size([1, 3, 8, 8])
    """
    n, c, h, w = x.shape
    if h == size and w == size:
        return x
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    parts = [F.interpolate(x[i:i + chunk].float(), size=(new_h, new_w), mode="bilinear", align_corners=False,
                           antialias=scale < 1) for i in range(0, n, chunk)]
    out = torch.cat(parts) if parts else x.new_zeros(0, c, new_h, new_w)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return out[:, :, top:top + size, left:left + size].clamp_(-1, 1).contiguous()


def to_channels(x: Tensor, channels: int | None) -> Tensor:
    """Convert (N, C, H, W) images to ``channels`` (1 or 3); None keeps 1 or 3, drops alpha from 4.

    RGB -> gray uses the ITU-R 601 luma weights (0.299, 0.587, 0.114), as Pillow's ``convert("L")``.
    """
    c = x.shape[1]
    if c == 4:  # RGBA: drop alpha
        x, c = x[:, :3], 3
    if c == 2:  # gray + alpha
        x, c = x[:, :1], 1
    if c not in (1, 3):
        raise ValueError(_("images with {channels} channels are not supported; expected 1 (gray) or 3 (RGB)").format(
            channels=c))
    if channels is None or channels == c:
        return x
    if channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(1, 3, 1, 1)
        return (x * weights).sum(dim=1, keepdim=True)
    if channels == 3:
        return x.expand(-1, 3, -1, -1).contiguous()
    raise ValueError(_("data.channels {channels!r} is not supported; expected 1, 3 or None").format(channels=channels))


def finish(name: str, x: Tensor, image_size: int, channels: int | None, *, labels: Tensor | None = None,
            class_names: tuple[str, ...] | None = None, notes: list[str] | None = None,
            skipped: tuple[str, ...] = ()) -> ImageData:
    """Channel conversion and resize of images already in [-1, 1], with notes saying what was done."""
    notes = list(notes or [])
    c, h, w = x.shape[1:]
    x = to_channels(x, channels)
    if x.shape[1] != c:
        notes.append(_("{name}: converted {c} channel(s) to {to} (data.channels={channels})").format(
            name=name, c=c, to=x.shape[1], channels=channels))
    if (h, w) != (image_size, image_size):
        how = (_("{name}: resized {h}×{w} images to {size}×{size} (data.image_size)") if h == w else
               _("{name}: resized and centre-cropped {h}×{w} images to {size}×{size} (data.image_size)"))
        notes.append(how.format(name=name, h=h, w=w, size=image_size))
        x = resize_images(x, image_size)
    if labels is not None and len(labels) != len(x):
        raise ValueError(_("{name}: {labels} labels for {n} images").format(name=name, labels=len(labels), n=len(x)))
    return ImageData(name, x.float().contiguous(), labels, class_names, None, tuple(skipped), tuple(notes))


def scale_to_unit(array: np.ndarray, source: str) -> Tensor:
    """Numbers -> float32 in [-1, 1]: integers as 0..255; floats in [0, 1], [-1, 1] or [0, 255]."""
    if array.dtype.kind not in "iuf":
        raise ValueError(_("{source}: expected numbers, got dtype {dtype}").format(source=source, dtype=array.dtype))
    if array.size == 0:
        raise ValueError(_("{source}: the array is empty").format(source=source))
    x = np.asarray(array, dtype=np.float32)
    if not np.isfinite(x).all():
        raise ValueError(_("{source}: the images hold NaN or infinite values").format(source=source))
    lo, hi = float(x.min()), float(x.max())
    if array.dtype.kind in "iu":
        if lo < 0 or hi > 255:
            raise ValueError(_("{source}: integer pixel values range over [{lo:g}, {hi:g}]; expected 0..255").format(
                source=source, lo=lo, hi=hi))
        x = x / 127.5 - 1
    elif lo >= 0 and hi <= 1:
        x = x * 2 - 1
    elif lo >= -1 and hi <= 1:
        pass
    elif lo >= 0 and hi <= 255:
        x = x / 127.5 - 1
    else:
        raise ValueError(_("{source}: pixel values range over [{lo:g}, {hi:g}]; expected [0, 1], [-1, 1] or "
                           "[0, 255]").format(source=source, lo=lo, hi=hi))
    return torch.from_numpy(np.ascontiguousarray(x))
