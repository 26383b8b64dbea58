"""The ``gandojo`` command line: parses arguments and calls the library; holds no logic of its own.

One module per command group: :mod:`.train` (train, presets), :mod:`.generator` (evaluate, sample, export,
interpolate), :mod:`.transport` (wasserstein, divergences); :mod:`.app` holds the Typer application.

Exit codes: 0 success, 1 failure (a loss went NaN, a full disk), 2 usage or input error, 128 + the signal's
number when stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
User errors print one line (``error: ...``) without a traceback unless ``--debug`` is given (anywhere on
the command line); the exit code is the same either way. Nothing heavy (torch, POT, matplotlib) is
imported before a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import traceback
import warnings

import typer

from gandojo.cli import generator, play, train  # noqa: F401  (importing them registers their commands)
from gandojo.cli.app import app, err_console
from gandojo.cli.transport import register as register_transport_commands
from gandojo.errors import CheckpointError, NonFiniteError, RunWriteError, StoppedByMainProcess, WriteError, stop_signal

register_transport_commands(app)

__all__ = ["app", "main"]

# What the operating system refuses a writer: one line and exit code 1, not a traceback.
WRITE_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings from the library, as the CLI shows them: one line, no source location."""
    return f"warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gandojo`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args  # accepted before or after the command
    args = [a for a in args if a != "--debug"]
    # POT imports torch for its torch backend unless told not to; gandojo hands it NumPy arrays only.
    os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")
    formatwarning, warnings.formatwarning = warnings.formatwarning, _plain_warning
    try:
        code = app(args=args, prog_name="gandojo", standalone_mode=False)
    except typer.Abort as exc:  # click turns a KeyboardInterrupt (any stop signal) into Abort
        signum = stop_signal(exc.__cause__ or exc.__context__ or KeyboardInterrupt())
        err_console.print("interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}",
                          markup=False)
        return 128 + signum
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, ...
        exc.show()
        return exc.exit_code
    except StoppedByMainProcess:
        # Under torchrun: rank 0 stopped before training; it reports why and exits with the error's code. This rank
        # exits quietly with 0, so that torchrun does not stop rank 0 before its message is out.
        return 0
    except NonFiniteError as exc:
        _explain(debug)
        err_console.print(f"error: {exc}; the last good checkpoint is untouched. Hint: lower optim.lr, or "
                          "continue from the last checkpoint with --resume", markup=False)
        return 1
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, CheckpointError) as exc:
        _explain(debug)
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: what to do, in one line
        if not isinstance(exc, WriteError) and exc.errno not in WRITE_FAULTS:
            raise
        _explain(debug)
        fault = exc if isinstance(exc, WriteError) else WriteError(exc.filename or "a file", None, exc)
        line = str(fault) if isinstance(fault, RunWriteError) else f"{fault}; {fault.fix} and try again"
        err_console.print(f"error: {line}", markup=False, highlight=False)
        return 1
    finally:
        warnings.formatwarning = formatwarning
    return code if isinstance(code, int) else 0


def _explain(debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
