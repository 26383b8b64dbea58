"""Every random stream of a run, derived from its seed with ``numpy.random.SeedSequence``.

A run draws from separate streams (initialisation, latent noise, the ε of the gradient penalty, the
data order, the fixed snapshot noise, evaluation noise, the real evaluation samples, the augmentations and the
noise that measures the averaged generator's batch-norm statistics), so changing
how much one consumer draws never shifts another's draws. Deriving them with
``SeedSequence(seed).spawn(...)`` instead of ``seed + i`` keeps neighbouring seeds independent: with
``seed + i``, seed 0's noise stream would be seed 1's initialisation stream, and a "10 seeds" table
would be fewer than 10 independent runs.

New streams are only ever appended to :data:`STREAMS`: spawning more children leaves the earlier
children, and so every earlier stream, unchanged.

>>> streams = stream_seeds(0)
>>> list(streams) == list(STREAMS)
True
>>> len(set(stream_seeds(0).values()) | set(stream_seeds(1).values()))  # no stream shared across seeds
18
>>> stream_seeds(0) == stream_seeds(0)
True
"""

from __future__ import annotations

import numpy as np

STREAMS = ("init", "noise", "eps", "data", "fixed", "eval_noise", "eval_real", "augment", "batchnorm")


def stream_seeds(seed: int) -> dict[str, int]:
    """A 64-bit seed for each named stream of :data:`STREAMS`, from the run's ``seed`` (an integer >= 0)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: got {seed!r}, expected an integer >= 0")
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    # torch.Generator.manual_seed takes any integer in [0, 2**64); one uint64 word per stream.
    return {name: int(child.generate_state(1, np.uint64)[0]) for name, child in zip(STREAMS, children, strict=True)}
