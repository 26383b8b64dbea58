"""The image data that ships with gandojo's dependencies: scikit-learn's 1,797 handwritten digits, and the
stacked digits built from them (three digits as the three channels of an image: 1,000 modes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import Tensor

from gandojo.catalogue import check_image_size
from gandojo.data.base import Benchmark, Kind
from gandojo.data.images.transforms import ImageData, resize_images
from gandojo.i18n import _

__all__ = ["BUNDLED_IMAGES", "StackedDigits", "digits", "stacked_digits"]


@dataclass(frozen=True, eq=False)
class StackedDigits:
    """Stacked digits: each image is three independently drawn digits as its channels (1,000 modes).

    ``sample`` draws fresh images; ``values`` is None (there are 1,797³ combinations), so training
    draws every batch anew. The mode of an image is ``100·d0 + 10·d1 + d2``.
    """

    digits: ImageData  # the single-channel digits, values (N, 1, H, W)
    notes: tuple[str, ...] = ()
    name: ClassVar[str] = "stacked-digits"
    kind: ClassVar[Kind] = "images"
    benchmark: ClassVar[Benchmark] = "stacked-digits"
    values: ClassVar[None] = None
    labels: ClassVar[None] = None
    modes: ClassVar[None] = None
    skipped: ClassVar[tuple[str, ...]] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        _n, _c, h, w = self.digits.values.shape
        return (3, h, w)

    def sample_with_modes(self, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """``n`` images (n, 3, H, W) and their mode ids (n,) in 0..999."""
        idx = torch.randint(len(self.digits.values), (n, 3), generator=generator)  # (n, 3)
        images = self.digits.values[idx, 0]  # (n, 3, H, W)
        d = self.digits.labels[idx]  # (n, 3)
        return images, 100 * d[:, 0] + 10 * d[:, 1] + d[:, 2]

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` fresh stacked images (n, 3, H, W)."""
        return self.sample_with_modes(n, generator)[0]


def digits(image_size: int = 16, channels: int | None = None) -> ImageData:
    """scikit-learn's 1,797 handwritten digits (8×8, 16 grey levels) in [-1, 1], resized to ``image_size``.

    Parameters
    ----------
    image_size : int
        Output size, a power of two from 8 to 128 (16 or 32 are the usual choices).
    channels : None or 1
        The digits are grayscale.

    Returns
    -------
    ImageData
        values (1797, 1, image_size, image_size), labels (1797,) in 0..9, protocol "digits".
    """
    from sklearn.datasets import load_digits

    check_image_size(image_size, "data.image_size")
    if channels not in (None, 1):
        raise ValueError(_("data.channels {channels!r}: the digits are grayscale; use null or 1 (stacked-digits "
                           "gives 3 channels)").format(channels=channels))
    bunch = load_digits()
    x = torch.as_tensor(bunch.images, dtype=torch.float32)[:, None] / 8.0 - 1.0  # (1797, 1, 8, 8), 0..16 -> [-1, 1]
    labels = torch.as_tensor(bunch.target, dtype=torch.int64)
    notes = () if image_size == 8 else (_("digits: 1,797 images, resized (bilinear) 8×8 → {size}×{size} "
                                          "(data.image_size)").format(size=image_size),)
    x = resize_images(x, image_size)
    return ImageData("digits", x, labels, tuple(str(d) for d in range(10)), benchmark="digits", notes=notes)


def stacked_digits(image_size: int = 16, channels: int | None = None) -> StackedDigits:
    """Stacked digits (3 channels, 1,000 modes) built from :func:`digits` at ``image_size``."""
    if channels not in (None, 3):
        raise ValueError(_("data.channels {channels!r}: stacked-digits has 3 channels; use null or 3").format(
            channels=channels))
    single = digits(image_size)
    return StackedDigits(single, notes=(*single.notes, "stacked-digits: three digits drawn at random as the "
                                        "three channels of each image (1,000 modes)"))


BUNDLED_IMAGES = {"digits": digits, "stacked-digits": stacked_digits}
