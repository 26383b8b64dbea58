"""A run folder on disk: its one writer (the lock), refusing to overwrite one, the one rule for its newest
loadable checkpoint, its log cut back on resume, the loader's notes, its summary and failure records.

Every file of a run folder is written whole or not at all (:func:`gandojo.atomic.atomic_write`), so a reader
(``evaluate``, ``sample``, ``report``, ``export``) working on a folder in training never sees half a file.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any, TextIO

from gandojo.atomic import atomic_write
from gandojo.data.base import Dataset
from gandojo.errors import CheckpointError, FolderLocked, WriteError
from gandojo.i18n import _
from gandojo.metrics.report import json_safe
from gandojo.runs.checkpoint import list_checkpoints, load_checkpoint
from gandojo.runs.progress import read_metrics

__all__ = ["LOCK_FILE", "RUN_FILES", "FolderLock", "check_new_run_dir", "find_resumable", "report_data",
           "truncate_metrics", "write_failure", "write_json", "write_summary"]

RUN_FILES = ("config.yaml", "metrics.jsonl", "summary.json", "losses.png")
LOCK_FILE = ".lock"


class FolderLock:
    """The one writer of a folder: an exclusive ``fcntl.flock`` on ``FOLDER/.lock``, held for the writer's life.

    The kernel drops the lock when the process ends, however it ends (SIGKILL included), so a lock is never
    left stale. The file itself stays; while held it names the holder's pid and start time for the message a
    second writer gets, and it is emptied on release. Locks are per open file, so a second lock on the same
    folder fails in the same process too. Readers take no lock.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with FolderLock(folder):
    ...     FolderLock(folder)
    Traceback (most recent call last):
    ...
    gandojo.errors.FolderLocked: ... is being written by another gandojo process (pid ..., started ...); ...
    """

    def __init__(self, folder: str | Path, *, command: str = "train"):
        self.folder = Path(folder)
        path = self.folder / LOCK_FILE
        try:
            # no O_TRUNC: a process that fails to get the lock must not erase what the holder wrote in it
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise WriteError(path, None, err) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise FolderLocked(self.folder, holder) from None
        self.fd = fd
        holder = {"pid": os.getpid(), "started": time.strftime("%H:%M:%S"), "date": time.strftime("%Y-%m-%d"),
                  "command": command}
        try:  # best effort: on a full disk the lock holds all the same, only the message is plainer
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
        except OSError:
            pass

    def release(self) -> None:
        if self.fd >= 0:
            try:  # empty again between writers: a refused command leaves the folder byte for byte as it was
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self.fd >= 0


def _read_holder(fd: int) -> dict[str, Any] | None:
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"null")
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def check_new_run_dir(run_dir: Path) -> None:
    """ValueError when ``run_dir`` already holds a run (nothing is ever trained over one)."""
    if (run_dir / "config.yaml").exists():
        raise ValueError(_("{run} already holds a run; choose another --out, or continue it with --resume "
                           "{run}").format(run=run_dir))


def find_resumable(run_dir: Path) -> tuple[dict[str, Any] | None, Path | None, list[str]]:
    """The newest checkpoint of ``run_dir`` that loads: (payload, path, notes on any skipped as corrupt).

    ``last-good.pt`` is the newest checkpoint written, so it comes right after ``final.pt``. A run
    folder with a config but no checkpoint yet (killed before its first one) gives ``(None, None, [])``.
    A checkpoint that vanishes between listing and loading (a writer pruning old ones) is passed over.
    """
    folder = run_dir / "checkpoints"
    candidates = [folder / "final.pt", folder / "last-good.pt", *reversed(list_checkpoints(folder))]
    candidates = [c for c in candidates if c.is_file()]
    if not candidates:
        if (run_dir / "config.yaml").is_file():
            return None, None, []
        raise FileNotFoundError(_("{run}: not a run folder (no config.yaml and no checkpoint in {folder})").format(
            run=run_dir, folder=folder))
    notes = []
    for path in candidates:
        try:
            return load_checkpoint(path), path, notes
        except FileNotFoundError:
            continue  # pruned by the run's writer since it was listed
        except CheckpointError as err:
            notes.append(_("{error}; trying an older checkpoint").format(error=err))
    if not notes:  # every one pruned while we looked: look again
        return find_resumable(run_dir)
    raise CheckpointError(_("{run}: every checkpoint is unreadable:").format(run=run_dir) + "\n" + "\n".join(notes))


def truncate_metrics(path: Path, step: int) -> None:
    """Drop log lines written after ``step`` (a resumed run rewrites them); the old log stays whole if the new
    one cannot be written."""
    if path.exists():
        kept = [r for r in read_metrics(path) if r.get("step", 0) <= step]
        atomic_write(path, "".join(json.dumps(json_safe(r)) + "\n" for r in kept).encode())


def report_data(run_dir: Path, data: Dataset, stream: TextIO | None) -> None:
    """List unreadable input files in the run folder, and say what the loader did to the data."""
    skipped = data.skipped
    if skipped:
        atomic_write(run_dir / "skipped_files.txt", "".join(line + "\n" for line in skipped).encode())
    if stream is not None:
        for note in data.notes:
            print(note, file=stream)
        if skipped:
            print(_("{n} unreadable files skipped; listed in {path}").format(n=len(skipped),
                                                                              path=run_dir / "skipped_files.txt"),
                  file=stream)


def write_json(path: Path, value: Any) -> Path:
    """Strict JSON (non-finite numbers become null), written whole or not at all."""
    return atomic_write(path, json.dumps(json_safe(value), indent=2).encode())


def write_summary(run_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Write ``summary.json``; returns ``summary``."""
    write_json(run_dir / "summary.json", summary)
    return summary


def write_failure(run_dir: Path, failure: dict[str, Any]) -> None:
    """Write ``failure.json``: what stopped the run, at which step, and what to do."""
    write_json(run_dir / "failure.json", failure)
