"""Run tracking: the metrics log (JSON lines) and the progress display.

The progress display is a rich progress bar on a terminal and plain periodic lines otherwise
(logs, CI), so redirected output stays readable.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gandojo.atomic import append_line
from gandojo.errors import WriteError
from gandojo.i18n import _
from gandojo.metrics.report import json_safe


class MetricsLog:
    """Appends one JSON object per line to ``metrics.jsonl``, each line in one unbuffered write: a reader never
    waits for a buffer, and a failed write (a full disk) leaves no torn line and raises a
    :class:`~gandojo.errors.WriteError`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as err:
            raise WriteError(self.path, None, err) from None

    def write(self, record: dict[str, Any]) -> None:
        append_line(self.fd, self.path, json.dumps(json_safe(record)) + "\n")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """All records of a ``metrics.jsonl`` file (a torn last line, from a crash, is skipped)."""
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def format_stats(stats: dict[str, Any]) -> str:
    """A short one-line summary of the latest stats for the progress display."""
    parts = []
    for key, label, fmt in (("loss_d", "D", ".3f"), ("loss_g", "G", ".3f"), ("d_real", "D(x)", ".2f"),
                            ("d_fake", "D(G(z))", ".2f"), ("w_estimate", "W≈", ".3f")):
        if stats.get(key) is not None:
            value = stats[key]
            # a clipped critic's estimate is W1 times a small unknown scale: keep three significant digits
            spec = ".3g" if key == "w_estimate" and 0 < abs(value) < 0.1 else fmt
            parts.append(f"{label} {value:{spec}}")
    if stats.get("modes_covered") is not None:
        parts.append(_("modes {covered}/{total}").format(covered=stats["modes_covered"], total=stats["modes_total"]))
    if stats.get("classes_covered") is not None:
        parts.append(_("classes {covered}/10").format(covered=stats["classes_covered"]))
    if stats.get("frechet") is not None:
        parts.append(_("FD {frechet:.1f} (floor {floor:.1f})").format(frechet=stats["frechet"],
                                                                       floor=stats["frechet_floor"]))
    return " · ".join(parts)


class ProgressDisplay:
    """A progress bar (terminal) or a plain line every tenth of the run (not a terminal)."""

    def __init__(self, total: int, start: int = 0, *, stream: TextIO | None = None, enabled: bool = True):
        self.total, self.stream = total, stream or sys.stdout
        self.enabled = enabled
        self.every = max(1, total // 10)
        self.interactive = enabled and self.stream.isatty()
        self.started = time.perf_counter()
        self.latest: dict[str, Any] = {}
        self.progress: Progress | None = None
        if self.interactive:
            self.progress = Progress(TextColumn("[bold]" + _("step")), MofNCompleteColumn(), BarColumn(),
                                     TextColumn("{task.fields[stats]}"), TimeRemainingColumn(), transient=False)
            self.task = self.progress.add_task("train", total=total, completed=start, stats="")
            self.progress.start()

    def update(self, step: int, stats: dict[str, Any]) -> None:
        self.latest.update(stats)
        if not self.enabled:
            return
        if self.progress is not None:
            self.progress.update(self.task, completed=step, stats=format_stats(self.latest))
        elif step % self.every == 0 or step == self.total:
            elapsed = time.perf_counter() - self.started
            print(_("step {step}/{total} · {stats} · {seconds:.0f}s").format(
                step=step, total=self.total, stats=format_stats(self.latest), seconds=elapsed),
                  file=self.stream, flush=True)

    def message(self, text: str) -> None:
        """A line above the bar (or on its own line without one); shown even when the bar is off."""
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
