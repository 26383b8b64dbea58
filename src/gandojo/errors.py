"""The exceptions gandojo raises beyond ``ValueError``, in a module of their own that imports nothing heavy,
so that the command line can catch them without importing torch or POT first."""

from __future__ import annotations


class NonFiniteError(FloatingPointError):
    """A loss or gradient became NaN or infinite at generator step ``step`` (1-based, the step that failed);
    ``stats`` holds the last values seen. Raised before the optimizer step, so no parameter is touched."""

    def __init__(self, step: int, what: str, stats: dict[str, float]):
        self.step, self.what, self.stats = step, what, stats
        super().__init__(f"{what} is not finite at generator step {step}")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded safely (corrupt, truncated, or unsafe)."""


class TransportError(RuntimeError):
    """The exact solver did not return an optimal plan (infeasible, unbounded or out of iterations)."""


class StoppedByMainProcess(RuntimeError):
    """Under torchrun: rank 0 stopped before training started (it reports why); the other ranks stop too."""
