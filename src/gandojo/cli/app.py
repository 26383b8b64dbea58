"""The ``gandojo`` Typer application, its consoles and the options several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# soft_wrap: long lines are not cut at 80 columns when the output is a pipe or a file
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    name="gandojo",
    help="Train, compare and diagnose the basic GANs (GAN, WGAN, WGAN-GP, DCGAN), with mode collapse "
    "and Wasserstein distances measured.\n\n"
    "Examples:\n\n"
    "  gandojo train --preset ring8-gan --out runs/ring8\n\n"
    "  gandojo train --preset digits-dcgan --out runs/digits\n\n"
    "  gandojo evaluate runs/ring8\n\n"
    "  gandojo sample runs/ring8 -n 1000 --out samples.npy",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors (before or "
                                                 "after the command).")] = False,
             lang: Annotated[str | None, typer.Option(
                 "--lang", metavar="ja|en", help="The language of what gandojo prints (before or after the command) "
                 "[default: GANDOJO_LANG, else the locale: LANG=ja_JP.UTF-8 gives Japanese, else English]. Keys, "
                 "flags, file names and JSON stay English.")] = None):
    """``--debug`` and ``--lang`` are read by :func:`gandojo.cli.main` before Typer sees the arguments; listed here
    for --help."""


CacheDir = Annotated[Path | None, typer.Option(
    envvar="GANDOJO_CACHE_DIR", help="Cache folder of the image metrics' digits classifier "
    "[default: ~/.cache/gandojo].")]


def say(text: str) -> None:
    """One plain line on standard output (no markup, no highlighting)."""
    console.print(text, markup=False, highlight=False)
