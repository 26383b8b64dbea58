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
import typer.main

from gandojo import i18n
from gandojo.cli import generator, play, train  # noqa: F401  (importing them registers their commands)
from gandojo.cli.app import app, err_console
from gandojo.cli.help_texts import speak_in_libraries, translate_command, usage_error_text
from gandojo.cli.transport import register as register_transport_commands
from gandojo.errors import CheckpointError, NonFiniteError, RunWriteError, StoppedByMainProcess, WriteError, stop_signal
from gandojo.i18n import _

register_transport_commands(app)

__all__ = ["app", "main"]

# What the operating system refuses a writer: one line and exit code 1, not a traceback.
WRITE_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings from the library, as the CLI shows them: one line, no source location."""
    return _("warning: {message}").format(message=message) + "\n"


def take_language(args: list[str]) -> tuple[list[str], str | None]:
    """``--lang X`` or ``--lang=X`` taken out of ``args`` (it is accepted before or after the command).

    >>> take_language(["train", "--lang", "ja", "--steps", "5"]), take_language(["--lang=en", "wasserstein"])
    ((['train', '--steps', '5'], 'ja'), (['wasserstein'], 'en'))
    """
    rest, flag, words = [], None, iter(args)
    for word in words:
        if word == "--lang":
            flag = next(words, None)
            if flag is None:
                raise ValueError("--lang needs a value: ja or en")
        elif word.startswith("--lang="):
            flag = word.split("=", 1)[1]
        else:
            rest.append(word)
    return rest, flag


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gandojo`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args  # accepted before or after the command
    args = [a for a in args if a != "--debug"]
    try:
        args, flag = take_language(args)
        language = i18n.choose(flag)
    except ValueError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        return 2
    with i18n.speaking(language):  # and the caller's language again afterwards (main is called in-process too)
        return _run(args, debug)


def _run(args: list[str], debug: bool) -> int:
    speak_in_libraries()
    # POT imports torch for its torch backend unless told not to; gandojo hands it NumPy arrays only.
    os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")
    formatwarning, warnings.formatwarning = warnings.formatwarning, _plain_warning
    try:
        command = typer.main.get_command(app)
        if i18n.current() != "en":
            translate_command(command)
        code = command(args=args, prog_name="gandojo", standalone_mode=False)
    except typer.Abort as exc:  # click turns a KeyboardInterrupt (any stop signal) into Abort
        signum = stop_signal(exc.__cause__ or exc.__context__ or KeyboardInterrupt())
        line = _("interrupted") if signum == signal.SIGINT else _("stopped by {signal}").format(
            signal=signal.Signals(signum).name)
        err_console.print(line, markup=False)
        return 128 + signum
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, ...
        if i18n.current() == "en":
            exc.show()
        else:  # Typer's built-in Click words this in English only: the lines around its message in the reader's
            context = getattr(exc, "ctx", None)
            if context is not None:
                err_console.print(context.get_usage() + "\n" + _("Try '{command} --help' for help.").format(
                    command=context.command_path) + "\n", markup=False, highlight=False)
            err_console.print(_("error: {message}").format(message=usage_error_text(exc)), markup=False,
                              highlight=False)
        return exc.exit_code
    except StoppedByMainProcess:
        # Under torchrun: rank 0 stopped before training; it reports why and exits with the error's code. This rank
        # exits quietly with 0, so that torchrun does not stop rank 0 before its message is out.
        return 0
    except NonFiniteError as exc:
        _explain(debug)
        err_console.print(_("error: {message}; the last good checkpoint is untouched. Hint: lower optim.lr, or "
                            "continue from the last checkpoint with --resume").format(message=exc), markup=False)
        return 1
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, CheckpointError) as exc:
        _explain(debug)
        err_console.print(_("error: {message}").format(message=exc), markup=False, highlight=False)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: what to do, in one line
        if not isinstance(exc, WriteError) and exc.errno not in WRITE_FAULTS:
            raise
        _explain(debug)
        fault = exc if isinstance(exc, WriteError) else WriteError(exc.filename or "a file", None, exc)
        line = str(fault) if isinstance(fault, RunWriteError) else _("{fault}; {fix} and try again").format(
            fault=fault, fix=fault.fix)
        err_console.print(_("error: {message}").format(message=line), markup=False, highlight=False)
        return 1
    finally:
        warnings.formatwarning = formatwarning
    return code if isinstance(code, int) else 0


def _explain(debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
