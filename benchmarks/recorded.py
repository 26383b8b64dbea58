"""Saved benchmark output: what a script prints also goes to ``benchmarks/results/<name>.txt``.

Every number that README.md, README.ja.md or RESULTS.md quotes must be found in one of these files
(``tests/test_docs_numbers.py`` checks it), so each file starts with the command that regenerates it.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def commit() -> str:
    """The git commit the benchmark ran on (``+changes`` when the code differed from it: the package, the
    benchmark scripts or the requirements; saved outputs and documents do not count)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks/*.py",
                                "pyproject.toml", "constraints.txt"], cwd=root, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return sha + ("+changes" if dirty else "")


def cpu() -> str:
    """The CPU's model name and whether it has AVX-512 (what moves a benchmark's seconds most), where Linux says."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "CPU unknown"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                 "CPU unknown")
    return f"{model} ({'with' if 'avx512f' in info else 'no'} AVX-512)"


def machine() -> str:
    """One line on where a benchmark ran (the CPU, cores, torch threads, load at the start)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()}, {cpu()}, {os.cpu_count()} cores, torch {torch.__version__} with "
            f"{torch.get_num_threads()} threads, load average {load:.2f} at the start")


def command_line(script: str, argv: list[str] | None) -> str:
    """The command that reruns ``script`` (a benchmark's ``__file__``) with ``argv`` (None: this process's
    arguments), as the first line of its saved output: ``python benchmarks/<script> <argv...>``."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join(["python", f"benchmarks/{Path(script).name}", *args])


@contextlib.contextmanager
def recorded(name: str, command: str):
    """Print to the terminal and to ``results/<name>.txt`` (replaced at the end, only if the block succeeds)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    header = f"$ {command}\n# {time.strftime('%Y-%m-%d')}, commit {commit()}, {machine()}\n"
    print(header, end="", flush=True)
    buffer.write(header)
    with contextlib.redirect_stdout(_Tee(sys.stdout, buffer)):
        yield
    (RESULTS / f"{name}.txt").write_text(buffer.getvalue())


def fmt(value, spec: str) -> str:
    """``format(value, spec)``, or ``n/a`` for a missing value."""
    return "n/a" if value is None else format(value, spec)
