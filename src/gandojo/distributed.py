"""Data-parallel training on PyTorch's own engine: ``torchrun`` starts the processes, DistributedDataParallel
averages the gradients. Nothing here communicates by itself beyond PyTorch's collectives.

What each process does, and what is synchronised:

- ``train.batch_size`` is the **global** batch: every step, each of the N processes takes its own
  ``batch_size / N`` rows of the same global batch (data, latent noise and the penalty's ε are drawn for the
  whole batch from the shared streams, and each process keeps its slice). With a model free of batch
  statistics, N processes therefore follow the same path as one process, up to floating-point summation order.
- G and D are wrapped in separate DDP modules (gradients averaged by all-reduce in backward). The generator
  step judges its samples with D's unwrapped module and D's parameters frozen, so it never touches, syncs
  or accumulates into D's gradients.
- Batch normalisation: each process normalises its own slice, and DDP is built with
  ``forward_sync_buffers=False`` (formerly ``broadcast_buffers=False``). With buffer syncing on, every forward
  pass would first overwrite each process's running statistics with rank 0's, so between D's separate real
  and fake passes a process's statistics would become a mix of rank 0's and its own (and in-place buffer
  writes inside one backward graph are the known DDP trap). Every rank starts from the same buffers (the same
  seeded initialisation, or the checkpoint rank 0 hands out); rank 0's running statistics are the ones saved.
  ``train.sync_batchnorm`` (CUDA only) normalises over the global batch instead.
- Only rank 0 reads and writes the run folder; it hands the config and any checkpoint to the other ranks,
  which therefore need the data but not the folder (several machines need no shared file system).
- Every process stops at the same step (:func:`agree` on Ctrl-C, the time limit or a NaN), and they leave
  the process group together (:func:`stop`).

Library code never reads the environment: the command line builds a :class:`World` from torchrun's
variables (:func:`world_from_env`) and hands it down.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import torch
from torch import Tensor, nn

from gandojo.errors import NonFiniteError, StopRequested

Backend = Literal["gloo", "nccl"]

__all__ = ["SINGLE", "Backend", "World", "agree", "local_batch", "meet", "process_device", "process_group",
           "set_threads", "share_from_main", "shard", "start", "stop", "world_from_env", "wrap"]


@dataclass(frozen=True)
class World:
    """Where this process stands in a data-parallel job (``torchrun`` numbers them).

    ``rank`` in [0, world_size) across all machines, ``local_rank`` on this machine (its GPU index).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    def __post_init__(self):
        if self.world_size < 1 or not 0 <= self.rank < self.world_size or self.local_rank < 0:
            raise ValueError(f"rank {self.rank} of world size {self.world_size} (local rank {self.local_rank}): "
                             "expected 0 <= rank < world size")

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that reads and writes the run folder."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


SINGLE = World()


def world_from_env(env: Mapping[str, str]) -> World:
    """The :class:`World` torchrun describes in ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; one process when
    they are absent.

    >>> world_from_env({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"})
    World(rank=1, world_size=2, local_rank=1)
    >>> world_from_env({}).distributed
    False
    """
    try:
        return World(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))
    except ValueError as err:
        raise ValueError(f"torchrun's RANK/WORLD_SIZE/LOCAL_RANK are not integers: {err}") from None


def process_device(world: World, device: str) -> torch.device:
    """The device of this process: ``cuda`` means this machine's GPU number ``local_rank`` under torchrun."""
    d = torch.device(device)
    if world.distributed and d.type == "cuda" and d.index is None:
        return torch.device("cuda", world.local_rank)
    return d


def start(world: World, backend: Backend | None = None, *, timeout: timedelta = timedelta(minutes=30)) -> str:
    """Join the process group torchrun set up (``env://``: MASTER_ADDR, MASTER_PORT); returns the backend.

    With no ``backend`` PyTorch chooses per tensor: gloo for CPU tensors, and nccl for CUDA tensors where
    CUDA is available. Under torchrun on a GPU machine each process uses GPU number ``local_rank``.
    """
    import torch.distributed as dist

    if backend not in (None, "gloo", "nccl"):
        raise ValueError(f"--backend {backend!r}: expected gloo or nccl")
    if backend == "nccl" and not torch.cuda.is_available():
        raise ValueError("--backend nccl needs CUDA, and this machine has none: use gloo (the default on CPU)")
    if torch.cuda.is_available() and world.local_rank < torch.cuda.device_count():
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend, rank=world.rank, world_size=world.world_size, timeout=timeout)
    return str(dist.get_backend())


@contextlib.contextmanager
def process_group(world: World, backend: Backend | None = None) -> Iterator[None]:
    """The whole life of this process in a torchrun job: join the process group, run the block, leave.

    Nothing to join for one process (a ``backend`` is then refused, with how to start torchrun). The ranks leave
    together (a barrier first, :func:`stop`) when the block ended in agreement: it returned, or raised what every
    rank raises at the same step (a stop signal, a NaN); after any other error this rank leaves at once.
    """
    if not world.distributed:
        if backend is not None:
            raise ValueError("--backend is for runs started by torchrun (e.g. torchrun --nproc_per_node=2 -m gandojo "
                             "train ...)")
        yield
        return
    start(world, backend)
    together = False
    try:
        yield
        together = True
    except (StopRequested, NonFiniteError):
        together = True  # raised by every rank after the same step
        raise
    finally:
        stop(together=together)


def set_threads(threads: int | None) -> None:
    """CPU threads of this process's torch operations (None: PyTorch's choice, every core or OMP_NUM_THREADS)."""
    if threads is not None:
        torch.set_num_threads(threads)


def stop(*, together: bool = False) -> None:
    """Leave the process group (nothing to do when there is none).

    ``together``: first wait at a barrier for every rank, so that no rank tears its connections down while
    another still works (rank 0 writes its report after training); only where every rank is known to get
    there, i.e. after a run that all ranks finished or stopped in agreement.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        if together:
            dist.barrier()
        dist.destroy_process_group()


def meet(world: World) -> None:
    """Wait until every rank gets here (a barrier; nothing for one process)."""
    if world.distributed:
        import torch.distributed as dist

        dist.barrier()


def local_batch(batch_size: int, world: World, pack: int = 1) -> int:
    """Each process's share of the global batch; ``batch_size`` must split evenly into whole packs.

    >>> local_batch(256, World(0, 2))
    128
    """
    share, rest = divmod(batch_size, world.world_size)
    if rest or share % pack:
        raise ValueError(f"train.batch_size {batch_size} is the global batch and must split into {world.world_size} "
                         f"equal shares{f' of whole packs of {pack}' if pack > 1 else ''}: use a multiple of "
                         f"{world.world_size * pack}")
    return share


def shard(x: Tensor, world: World) -> Tensor:
    """This process's contiguous slice of rows of a global batch ``x`` (B, ...) -> (B / N, ...).

    >>> shard(torch.arange(6), World(1, 3)).tolist()
    [2, 3]
    """
    if not world.distributed:
        return x
    share = len(x) // world.world_size
    return x[world.rank * share:(world.rank + 1) * share]


def wrap(module: nn.Module, world: World, device: torch.device, *, sync_batchnorm: bool = False) -> nn.Module:
    """``module`` in DistributedDataParallel (the module itself for one process).

    ``forward_sync_buffers=False``: no buffer is overwritten between forward passes (see the module's notes).
    """
    if not world.distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel

    if sync_batchnorm:
        module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
    ids = [device.index] if device.type == "cuda" else None
    # PyTorch 2.13 renamed broadcast_buffers to forward_sync_buffers; earlier versions know only the old name
    renamed = "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
    no_buffer_sync = {"forward_sync_buffers" if renamed else "broadcast_buffers": False}
    return DistributedDataParallel(module, device_ids=ids, **no_buffer_sync)


def share_from_main(world: World, value: Any = None) -> Any:
    """Rank 0's ``value`` on every rank (pickled; for the config and a checkpoint's state, once per run)."""
    if not world.distributed:
        return value
    import torch.distributed as dist

    box = [value if world.is_main else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def agree(world: World, code: int, device: torch.device | str = "cpu") -> int:
    """The largest of every rank's ``code`` (an all-reduce of one integer): a decision all ranks share."""
    if not world.distributed:
        return code
    import torch.distributed as dist

    value = torch.tensor([code], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return int(value.item())
