"""TensorBoard logging for people who already use it (``train.tensorboard=true``): the logged scalars, and
every fixed-noise snapshot (image grids and 2-D scatter plots alike) as an image, into ``RUN_DIR/tb/``.

``tensorboard`` is an optional extra (``pip install gandojo[tensorboard]``); :func:`require_tensorboard` turns
its absence into a clear error before a run starts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TensorBoardLog", "require_tensorboard"]


def require_tensorboard() -> None:
    """Raise a ValueError saying how to install TensorBoard when it is not importable."""
    if importlib.util.find_spec("tensorboard") is None:
        raise ValueError("train.tensorboard needs the tensorboard package: pip install 'gandojo[tensorboard]' "
                         "(or pip install tensorboard)")


class TensorBoardLog:
    """Scalars and snapshot images of one run. A resumed run starts writing at ``start_step`` and TensorBoard
    drops whatever an earlier process logged past it, so the curves show each step once."""

    def __init__(self, run_dir: Path, start_step: int = 0):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(run_dir / "tb"), purge_step=start_step or None)

    def scalars(self, record: dict[str, Any]) -> None:
        step = int(record["step"])
        for key, value in record.items():
            if key != "step" and isinstance(value, int | float) and np.isfinite(value):
                self.writer.add_scalar(key, float(value), step)

    def snapshot(self, step: int, png: Path) -> None:
        from PIL import Image

        with Image.open(png) as image:
            self.writer.add_image("samples", np.asarray(image.convert("RGB")), step, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()
