"""A run folder on disk: refusing to overwrite one, the one rule for its newest loadable checkpoint, its log
cut back on resume, the loader's notes, and its summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from gandojo.data.base import Dataset
from gandojo.errors import CheckpointError
from gandojo.metrics.report import json_safe
from gandojo.runs.checkpoint import list_checkpoints, load_checkpoint
from gandojo.runs.progress import read_metrics

__all__ = ["RUN_FILES", "check_new_run_dir", "find_resumable", "report_data", "truncate_metrics", "write_summary"]

RUN_FILES = ("config.yaml", "metrics.jsonl", "summary.json", "losses.png")


def check_new_run_dir(run_dir: Path) -> None:
    """ValueError when ``run_dir`` already holds a run (nothing is ever trained over one)."""
    if (run_dir / "config.yaml").exists():
        raise ValueError(f"{run_dir} already holds a run; choose another --out, or continue it with "
                         f"--resume {run_dir}")


def find_resumable(run_dir: Path) -> tuple[dict[str, Any] | None, Path | None, list[str]]:
    """The newest checkpoint of ``run_dir`` that loads: (payload, path, notes on any skipped as corrupt).

    ``last-good.pt`` is the newest checkpoint written, so it comes right after ``final.pt``. A run
    folder with a config but no checkpoint yet (killed before its first one) gives ``(None, None, [])``.
    """
    folder = run_dir / "checkpoints"
    candidates = [folder / "final.pt", folder / "last-good.pt", *reversed(list_checkpoints(folder))]
    candidates = [c for c in candidates if c.is_file()]
    if not candidates:
        if (run_dir / "config.yaml").is_file():
            return None, None, []
        raise FileNotFoundError(f"{run_dir}: not a run folder (no config.yaml and no checkpoint in {folder})")
    notes = []
    for path in candidates:
        try:
            return load_checkpoint(path), path, notes
        except CheckpointError as err:
            notes.append(f"{err}; trying an older checkpoint")
    raise CheckpointError(f"{run_dir}: every checkpoint is unreadable:\n" + "\n".join(notes))


def truncate_metrics(path: Path, step: int) -> None:
    """Drop log lines written after ``step`` (a resumed run rewrites them)."""
    if path.exists():
        kept = [r for r in read_metrics(path) if r.get("step", 0) <= step]
        path.write_text("".join(json.dumps(json_safe(r)) + "\n" for r in kept))


def report_data(run_dir: Path, data: Dataset, stream: TextIO | None) -> None:
    """List unreadable input files in the run folder, and say what the loader did to the data."""
    skipped = data.skipped
    if skipped:
        (run_dir / "skipped_files.txt").write_text("".join(line + "\n" for line in skipped))
    if stream is not None:
        for note in data.notes:
            print(note, file=stream)
        if skipped:
            print(f"{len(skipped)} unreadable files skipped; listed in {run_dir / 'skipped_files.txt'}", file=stream)


def write_summary(run_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Write ``summary.json`` (strict JSON: non-finite numbers become null); returns ``summary``."""
    (run_dir / "summary.json").write_text(json.dumps(json_safe(summary), indent=2))
    return summary
