"""The Babel extractor of the command line (``babel.cfg``'s ``[gandojo_cli: ...]``, run by ``make messages``): the
marked messages of ``cli/__init__.py``, the help texts of the whole ``gandojo`` command tree (what ``--help``
shows, read from the tree Typer builds, so a new option's help is found without a mark) and Typer's own messages
(``Options``, ``default: {default}``, ...)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from types import ModuleType

import typer.main
from babel.messages.extract import extract_python

from gandojo.cli import app
from gandojo.cli.help_texts import LIBRARY_MODULES, help_texts


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor (``babel.cfg``): the marked messages of ``fileobj`` (``cli/__init__.py``) as the Python
    extractor finds them, the help texts of the ``gandojo`` command tree, and Typer's own messages."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in dict.fromkeys(help_texts(typer.main.get_command(app))):
        yield 0, None, text, ["help text"]
    for name in LIBRARY_MODULES:
        module: ModuleType = importlib.import_module(name)
        with open(inspect.getsourcefile(module), "rb") as source:
            for lineno, funcname, message, comments in extract_python(source, keywords, comment_tags, options):
                yield lineno, funcname, message, [*comments, f"from {name}"]
