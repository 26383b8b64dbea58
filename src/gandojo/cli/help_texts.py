"""The command line's help texts in the reader's language, and their place in the message catalog.

Typer reads help texts (option ``help=``, command docstrings) when the commands are defined, before ``--lang``
is known, so they stay English in the command tree; :func:`translate_command` translates a built command tree
just before it runs (and its help pages' ``Usage:``). :mod:`gandojo.cli.catalog` puts those texts in the message
catalog.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator

from gandojo.formatting import display_width, wrap_wide
from gandojo.i18n import N_, _

USAGE = N_("Usage: ")  # the prefix of a help page's first line

# Typer's modules that speak to a user through gettext's ``_`` (its Click is built in and speaks English only)
LIBRARY_MODULES = ("typer.core",)


def help_texts(command) -> Iterator[str]:
    """Every help text of ``command`` and the commands under it (the command's, its short help, its options')."""
    for text in (command.help, command.short_help, getattr(command, "epilog", None)):
        if text:
            yield text
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            yield text
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def translate_command(command, translate: Callable[[str], str] = _):
    """``command``'s help texts, and its subcommands', replaced by their translations (in place); its help pages
    say ``Usage:`` in the same language."""
    for name in ("help", "short_help", "epilog"):
        if getattr(command, name, None):
            setattr(command, name, translate(getattr(command, name)))
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translate(param.help)
    command.context_class = _speaking_context(command.context_class, translate)
    for sub in getattr(command, "commands", {}).values():
        translate_command(sub, translate)
    return command


def _speaking_context(base: type, translate: Callable[[str], str]) -> type:
    """A Click context class whose help formatter writes ``Usage:`` in the language in use and wraps Japanese text
    by terminal columns (Click wraps at spaces only, which Japanese does not have)."""

    class Formatter(base.formatter_class):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, translate(USAGE) if prefix is None else prefix)

        def write_text(self, text: str) -> None:
            if not _wide(text):
                return super().write_text(text)
            indent = " " * self.current_indent
            paragraphs = []
            for paragraph in text.split("\n\n"):
                if paragraph.startswith(" "):  # an example command: as written
                    paragraphs.append("\n".join(indent + line for line in paragraph.splitlines()))
                else:
                    width = max(self.width - self.current_indent, 20)
                    paragraphs.append("\n".join(indent + line for line in wrap_wide(paragraph, width)))
            self.write("\n\n".join(paragraphs) + "\n")

        def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            if not any(_wide(second) for _first, second in rows):
                return super().write_dl(rows, col_max, col_spacing)
            first_col = min(max(display_width(first) for first, _second in rows), col_max) + col_spacing
            margin = " " * (first_col + self.current_indent)
            for first, second in rows:
                self.write(" " * self.current_indent + first)
                if not second:
                    self.write("\n")
                    continue
                gap = first_col - display_width(first)
                self.write(" " * gap if gap >= col_spacing else "\n" + margin)
                lines = wrap_wide(second, max(self.width - first_col - self.current_indent - 2, 10))
                self.write(lines[0] + "\n" + "".join(margin + line + "\n" for line in lines[1:]))

    return type("SpeakingContext", (base,), {"formatter_class": Formatter})


def _wide(text: str) -> bool:
    return display_width(text) != len(text)


def speak_in_libraries(translate: Callable[[str], str] = _) -> None:
    """Click's and Typer's messages through gandojo's catalog: each of their modules calls the module-level
    ``_`` it took from gettext (the process's default domain, which an application may not own)."""
    for name in LIBRARY_MODULES:
        module = sys.modules.get(name) or importlib.import_module(name)
        if callable(getattr(module, "_", None)):
            module._ = translate


_PARAMETER_KINDS = {"option": N_("option"), "argument": N_("argument"), "parameter": N_("parameter")}


def usage_error_text(error) -> str:
    """A usage error's message in the language in use: an unknown option and a missing one are worded here (Typer's
    built-in Click words them in English only); any other keeps Click's English message."""
    kind = type(error).__name__
    if kind == "NoSuchOption" and getattr(error, "option_name", None) and error.message.startswith("No such option"):
        text = _("no such option: {option}").format(option=error.option_name)
        if error.possibilities:
            text += _(" (possible options: {options})").format(options=", ".join(sorted(error.possibilities)))
        return text
    if kind == "MissingParameter" and not error.message and error.param is not None:
        what = _(_PARAMETER_KINDS.get(error.param.param_type_name, "parameter"))
        try:  # the built-in Click's private API: if it changes, its English message instead
            return _("missing {kind} {name}").format(kind=what, name=error.param.get_error_hint())
        except (TypeError, AttributeError):
            pass
    return error.format_message()
