"""Standard FID with Inception-v3 weights the user already has on disk (never downloaded).

It uses torchmetrics' ``FrechetInceptionDistance`` (which needs ``torchmetrics`` with its image
extras, i.e. ``torch-fidelity``), pointed at the weights file with ``feature_extractor_weights_path``:
the FID Inception weights of torch-fidelity / pytorch-fid (``weights-inception-2015-12-05-6726825d.pth``).
These numbers are comparable with published FIDs only with the same weights, resize and sample
counts (usually 50,000 samples); on the bundled digits prefer the classifier's Fréchet distance.
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from gandojo.i18n import N_, _


def _to_rgb_unit(images: Tensor) -> Tensor:
    x = (images.detach().cpu().float().clamp(-1, 1) + 1) / 2  # [-1, 1] -> [0, 1]
    return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


def check_inception(weights: str | Path) -> Path:
    """The weights path, once it is known to be a file and torchmetrics' FID to be importable.

    Raises FileNotFoundError (no such file) or ValueError (package missing), each saying what to do.
    """
    weights = Path(weights).expanduser()
    if not weights.is_file():
        raise FileNotFoundError(_("Inception weights file not found: {weights} (standard FID never downloads them; "
                                  "give the path of weights-inception-2015-12-05-6726825d.pth)").format(
                                      weights=weights))
    try:
        from torchmetrics.image.fid import FrechetInceptionDistance  # noqa: F401
    except ImportError:
        raise ValueError(_("standard FID needs the torchmetrics package with its image extras, which is not "
                           "installed: pip install 'torchmetrics[image]'")) from None
    return weights


def inception_fid(real: Tensor, fake: Tensor, weights: str | Path, *, batch: int = 256) -> float:
    """FID between real and generated images (N, C, H, W) in [-1, 1], with Inception weights from a file.

    Parameters
    ----------
    real, fake : Tensor, shape (N, C, H, W), C in {1, 3}
    weights : path
        The FID Inception-v3 weights file (``.pth``) on disk.

    Raises
    ------
    FileNotFoundError
        When ``weights`` is not a file.
    ValueError
        When torchmetrics (with torch-fidelity) is not installed: the message says how to install it.
    """
    weights = check_inception(weights)
    from torchmetrics.image.fid import FrechetInceptionDistance

    for message, x in ((N_("real images must have shape (N, 1 or 3, H, W) with N >= 2, got {shape}"), real),
                       (N_("generated images must have shape (N, 1 or 3, H, W) with N >= 2, got {shape}"), fake)):
        if x.dim() != 4 or x.shape[1] not in (1, 3) or len(x) < 2:
            raise ValueError(_(message).format(shape=tuple(x.shape)))
    metric = FrechetInceptionDistance(feature=2048, normalize=True, feature_extractor_weights_path=str(weights))
    for x, is_real in ((real, True), (fake, False)):
        for i in range(0, len(x), batch):
            metric.update(_to_rgb_unit(x[i:i + batch]), real=is_real)
    return float(metric.compute())


__all__ = ["check_inception", "inception_fid"]
