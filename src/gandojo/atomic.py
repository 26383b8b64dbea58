"""Files written whole or not at all: a crash mid-write leaves the previous file as it was, and a write that
fails (a full disk, a read-only file system) leaves no partial or temporary file and raises a
:class:`~gandojo.errors.WriteError` naming the file, its size and why."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from gandojo.errors import WriteError

__all__ = ["append_line", "atomic_write", "make_folder"]


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """``os.write`` until every byte is out (the one place bytes reach a file: tests inject faults here)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def atomic_write(path: str | Path, content: bytes | Callable[[IO[bytes]], Any], *, sync: bool = True) -> Path:
    """Write ``content`` (bytes, or ``write(file)`` that writes them) to ``path`` whole or not at all.

    The bytes are rendered in memory first, written to a temporary file beside ``path``, fsynced (``sync``) and
    renamed into place. On an ``OSError`` the temporary file is removed and a :class:`WriteError` names
    ``path`` and the size it needed; the file already at ``path``, if any, is untouched.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", b"hello").read_bytes()
    b'hello'
    """
    path = Path(path)
    if isinstance(content, bytes):
        data = content
    else:
        buffer = io.BytesIO()
        content(buffer)
        data = buffer.getvalue()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            _write_all(fd, data)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise WriteError(path, len(data), err) from None
    except BaseException:  # a second Ctrl-C mid-write: no temporary file left behind either
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


def append_line(fd: int, path: Path, line: str) -> None:
    """Append one line to the file open at ``fd`` (``O_APPEND``) in one write; on failure cut the file back
    to where it was, so no torn line is left, and raise a :class:`WriteError` naming ``path``."""
    data = line.encode()
    end = os.lseek(fd, 0, os.SEEK_END)
    try:
        _write_all(fd, data)
    except OSError as err:
        try:
            os.ftruncate(fd, end)  # freeing blocks works on a full disk
        except OSError:
            pass
        raise WriteError(path, len(data), err) from None


def make_folder(path: str | Path) -> Path:
    """``mkdir -p``, with a :class:`WriteError` saying why a folder cannot be created."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValueError(f"{path} exists and is not a folder") from None
    except OSError as err:
        raise WriteError(path, None, err, action="creating") from None
    return path
