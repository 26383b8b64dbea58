"""The exceptions gandojo raises beyond ``ValueError``, in a module of their own that imports nothing heavy,
so that the command line can catch them without importing torch or POT first."""

from __future__ import annotations

import errno as errnos
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gandojo.i18n import N_, _


class NonFiniteError(FloatingPointError):
    """A loss or gradient became NaN or infinite at generator step ``step`` (1-based, the step that failed);
    ``stats`` holds the last values seen. Raised before the optimizer step, so no parameter is touched."""

    def __init__(self, step: int, what: str, stats: dict[str, float]):
        self.step, self.what, self.stats = step, what, stats  # ``what`` in English (failure.json), one of NON_FINITE's
        super().__init__(_("{what} is not finite at generator step {step}").format(what=_(what), step=step))


# What a NaN/inf step tells the user to do, and what was not finite: NonFiniteError.what by player, for its loss
# and for its gradient (in English in failure.json, translated where it is shown)
NON_FINITE_HINT = N_("lower optim.lr, or resume from the last checkpoint with --resume")
NON_FINITE = {"discriminator/critic": (N_("discriminator/critic loss"), N_("discriminator/critic gradient")),
              "generator": (N_("generator loss"), N_("generator gradient"))}


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded safely (corrupt, truncated, or unsafe)."""


class TransportError(RuntimeError):
    """The exact solver did not return an optimal plan (infeasible, unbounded or out of iterations)."""


class StoppedByMainProcess(RuntimeError):
    """Under torchrun: rank 0 stopped before training started (it reports why); the other ranks stop too."""


# --- the operating system's faults ------------------------------------------------------------------

def _size(n: int) -> str:
    """A file size as people read it.

    >>> _size(850_123), _size(999), _size(12_300_000)
    ('850 kB', '999 bytes', '12.3 MB')
    """
    if n < 1000:
        return _("{n} bytes").format(n=n)
    return f"{n / 1000:.0f} kB" if n < 10**6 else f"{n / 10**6:.1f} MB"


# What the user can do about a failed write, by its cause; and the cause in words (the C library's own are English).
_FIXES = {errnos.ENOSPC: N_("free space"), errnos.EDQUOT: N_("free space (or raise the quota)"),
          errnos.EROFS: N_("make the file system writable"), errnos.EACCES: N_("make the folder writable"),
          errnos.EPERM: N_("make the folder writable")}
_REASONS = {errnos.ENOSPC: N_("no space left on device"), errnos.EDQUOT: N_("disk quota exceeded"),
            errnos.EROFS: N_("read-only file system"), errnos.EACCES: N_("permission denied"),
            errnos.EPERM: N_("operation not permitted")}
_ACTIONS = {"writing": N_("writing"), "creating": N_("creating")}


class WriteError(OSError):
    """A file could not be written (a full disk, a read-only file system, no permission): names the file, the
    size it needed, and why. Nothing partial is left under ``path``: writers clean up before raising."""

    def __init__(self, path: str | Path, size: int | None, cause: OSError, action: str = "writing"):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path, self.size, self.action = Path(path), size, action

    @property
    def reason(self) -> str:
        if self.errno in _REASONS:
            return _(_REASONS[self.errno])
        text = os.strerror(self.errno) if self.errno else str(self.strerror)
        return text[:1].lower() + text[1:]

    @property
    def fix(self) -> str:
        """What to do before trying again: ``"free space"``, ``"make the folder writable"``, ..."""
        return _(_FIXES.get(self.errno, N_("fix the cause")))

    def __str__(self) -> str:
        size = f" ({_size(self.size)})" if self.size else ""
        action = _(_ACTIONS[self.action]) if self.action in _ACTIONS else self.action
        return _("{reason} {action} {path}{size}").format(reason=self.reason, action=action, path=self.path,
                                                           size=size)


class RunWriteError(WriteError):
    """A run stopped because one of its files could not be written; says which, the newest checkpoint left, and
    how to continue. ``recorded`` says whether ``summary.json`` and ``failure.json`` could be written."""

    def __init__(self, error: WriteError, run_dir: Path, saved_step: int | None, recorded: bool):
        super().__init__(error.path, error.size, error, error.action)
        self.run_dir, self.saved_step, self.recorded = run_dir, saved_step, recorded

    def __str__(self) -> str:
        saved = (_("the last good checkpoint is step {step}").format(step=self.saved_step)
                 if self.saved_step is not None
                 else _("no checkpoint was written yet (a resume starts again from step 0)"))
        records = "" if self.recorded else _("; summary.json and failure.json could not be written either")
        return _("{fault}; {saved}{records}; {fix}, then gandojo train --resume {run}").format(
            fault=super().__str__(), saved=saved, records=records, fix=self.fix, run=self.run_dir)


class FolderLocked(ValueError):
    """Another process is writing this folder (it holds the folder's lock): nothing was touched."""

    def __init__(self, folder: Path, holder: dict | None):
        self.folder, self.holder = folder, holder or {}
        pid, started = self.holder.get("pid"), self.holder.get("started")
        if pid is None:
            who = _("another gandojo process")
        elif started:
            who = _("another gandojo process (pid {pid}, started {started})").format(pid=pid, started=started)
        else:
            who = _("another gandojo process (pid {pid})").format(pid=pid)
        super().__init__(_("{folder} is being written by {who}; wait for it or stop it").format(folder=folder,
                                                                                                  who=who))


def describe_failure(failure: dict, run_dir: str | Path) -> tuple[str, str]:
    """What stopped a run and what to do, in the reader's language, from its ``failure.json`` (which stays
    English): ``("writing runs/x/metrics.jsonl: no space left on device", "free space, then gandojo train
    --resume runs/x")``. A record of an earlier version (no ``kind``) is shown as it was written."""
    kind = failure.get("kind")
    if kind == "non_finite":
        return _(failure["what"]), _(failure["hint"])
    if kind == "write":
        code = failure.get("errno")
        reason = _(_REASONS[code]) if code in _REASONS else failure.get("reason", "")
        fix = _(_FIXES.get(code, N_("fix the cause")))
        return (_("writing {path}: {reason}").format(path=failure["path"], reason=reason),
                _("{fix}, then gandojo train --resume {run}").format(fix=fix, run=run_dir))
    return str(failure.get("what", "")), str(failure.get("hint", ""))


class SignalStop(KeyboardInterrupt):
    """A run stopped by a signal (SIGINT is Ctrl-C; SIGTERM is what Slurm, docker, systemd and torchrun send;
    SIGHUP a closed terminal). The exit code is 128 + ``signum``. ``saved_step`` is the newest checkpoint left
    on disk (set by the runner)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = int(signum)
        self.saved_step: int | None = None

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class StopRequested(SignalStop):
    """The first signal: honoured at the end of the current step, so that its checkpoint is at a step boundary."""


def stop_signal(err: BaseException) -> int:
    """The signal behind an interruption: a :class:`SignalStop`'s own, SIGINT for a plain KeyboardInterrupt."""
    return err.signum if isinstance(err, SignalStop) else int(signal.SIGINT)


# --- bad arguments, in the caller's words ------------------------------------------------------------

# A row or a column of a table whose cells are numbered x1..xn, in the command line's words (Names.line).
_LINES = {"row": N_("row x{k}"), "column": N_("column x{k}")}


@dataclass(frozen=True)
class Names:
    """How a caller names a function's arguments and their entries, for the errors it shows.

    The library's own words (the default) say ``a[1]`` and ``len(a)``; the command line's say ``--p at x2`` and
    ``cells of --p``: ``options`` maps argument names to the caller's, and ``cells`` numbers entries as cells
    x1..xn, as the command's tables do.

    >>> cli = Names({"a": "--p"}, cells=True)
    >>> Names().entry("a", 1), cli.entry("a", 1), cli.entry("plan", 0, 2), cli.size("a")
    ('a[1]', '--p at x2', 'plan row x1, column x3', 'cells of --p')
    """

    options: Mapping[str, str] = field(default_factory=dict)
    cells: bool = False

    def __call__(self, argument: str) -> str:
        return self.options.get(argument, argument)

    def entry(self, argument: str, *index: int) -> str:
        """One entry of an argument: ``a[3]`` / ``--p at x4``, ``plan[0, 2]`` / ``--plan row x1, column x3``."""
        if not self.cells:
            return f"{argument}[{', '.join(map(str, index))}]"
        if len(index) == 1:
            return _("{arg} at x{k}").format(arg=self(argument), k=index[0] + 1)
        return _("{arg} row x{i}, column x{j}").format(arg=self(argument), i=index[0] + 1, j=index[1] + 1)

    def line(self, what: str, k: int) -> str:
        """Row or column ``k``: ``row 3`` / ``row x4``."""
        if not self.cells:
            return f"{what} {k}"
        return _(_LINES[what]).format(k=k + 1) if what in _LINES else f"{what} x{k + 1}"

    def size(self, argument: str) -> str:
        """How many entries an argument has: ``len(a)`` / ``cells of --p``."""
        return _("cells of {arg}").format(arg=self(argument)) if self.cells else f"len({argument})"

    def flag(self, keyword: str) -> str:
        """A keyword argument switched on: ``renormalize=True`` / ``--renormalize``."""
        return self.options.get(keyword, f"{keyword}=True")


class ArgumentError(ValueError):
    """Bad input to a library function, naming the argument (and the entry) it concerns. ``str(error)`` says it in
    the library's words; :meth:`told` in a caller's (:class:`Names`), with no rewording of the text afterwards."""

    def __init__(self, argument: str, tell: Callable[[Names], str]):
        self.argument, self.tell = argument, tell
        super().__init__(tell(Names()))

    def told(self, names: Names) -> str:
        return self.tell(names)
