"""In-memory batching: fresh draws from an infinite distribution, or shuffled epochs over a tensor.

No DataLoader: for data that fits in memory a random permutation and slicing is all that is needed,
and it costs nothing per batch. The stream's position and generator are part of its state, so a
resumed run sees exactly the batches an uninterrupted run would.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from gandojo.data.base import Dataset
from gandojo.i18n import _


class BatchStream:
    """Yields training batches of ``batch_size`` samples from ``data``.

    ``data`` either has a finite ``values`` tensor (N, ...) — shuffled each epoch, the last partial
    batch dropped — or only ``sample(n, generator)`` for infinite data. With ``rank``/``world_size``
    (data-parallel training) ``batch_size`` is this process's share: every process draws the same global
    batch of ``batch_size * world_size`` rows (the same permutation, or the same draw) and keeps its own
    slice, so the processes see distinct shards of every epoch and the stream's state is the same on all.

    >>> from gandojo.data.points import ArrayData
    >>> stream = BatchStream(ArrayData("x", torch.arange(10.0)[:, None]), 4, seed=0)
    >>> [stream.next().shape for _ in range(3)]
    [torch.Size([4, 1]), torch.Size([4, 1]), torch.Size([4, 1])]
    """

    def __init__(self, data: Dataset, batch_size: int, *, seed: int, rank: int = 0, world_size: int = 1):
        self.data = data
        self.batch_size = batch_size
        self.rank, self.world_size = rank, world_size
        self.generator = torch.Generator().manual_seed(seed)
        self.values: Tensor | None = data.values
        self.order: Tensor | None = None
        self.position = 0
        if self.values is not None and len(self.values) < batch_size * world_size:
            raise ValueError(_("data set {name!r} has {n} samples, fewer than one batch of {batch}; lower "
                               "train.batch_size").format(name=data.name, n=len(self.values),
                                                          batch=batch_size * world_size))

    def next(self) -> Tensor:
        if self.values is None:
            start = self.rank * self.batch_size
            return self.data.sample(self.batch_size * self.world_size, self.generator)[start:start + self.batch_size]
        span = self.batch_size * self.world_size
        if self.order is None or self.position + span > len(self.order):
            self.order = torch.randperm(len(self.values), generator=self.generator)
            self.position = 0
        start = self.position + self.rank * self.batch_size
        idx = self.order[start:start + self.batch_size]
        self.position += span
        return self.values[idx]

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "order": self.order,
                "position": torch.tensor(self.position)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.order = state["order"]
        self.position = int(state["position"])
