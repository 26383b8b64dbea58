"""The language of everything a person reads: English or Japanese, from gettext catalogs.

The language is ``--lang ja|en`` on any command, else ``GANDOJO_LANG``, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``: ``ja_JP.UTF-8`` gives Japanese), else English. It never changes what scripts read:
command names, flags, config keys, JSON keys, file names and ``metrics.jsonl`` stay English.

Messages are English in the source, marked with :func:`_` (translated where they are used) or :func:`N_`
(marked only, translated later, e.g. help texts that Typer reads at import). Their Japanese lives in
``locale/ja/LC_MESSAGES/gandojo.po``; the build compiles it to ``gandojo.mo`` with Babel, and a catalog whose
``.mo`` is missing or older than its ``.po`` (a fresh checkout, an edited translation) is compiled in memory.

>>> use("ja"); _("interrupted")
'中断しました'
>>> use("en"); _("interrupted")
'interrupted'
>>> choose(None, {"LANG": "ja_JP.UTF-8"}), choose("en", {"LANG": "ja_JP.UTF-8"}), choose(None, {"LANG": "C"})
('ja', 'en', 'en')
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "_", "choose", "current", "ngettext", "speaking", "translation",
           "use"]

LANGUAGES = ("en", "ja")
DOMAIN = "gandojo"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX order: the first one set wins

_active: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def choose(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: ``flag`` (``--lang``), else ``GANDOJO_LANG``, else the locale, else ``"en"``.

    A ``flag`` or ``GANDOJO_LANG`` that is not one of :data:`LANGUAGES` is a ``ValueError``; a locale of
    another language (``fr_FR.UTF-8``, ``C``) means English.
    """
    environ = os.environ if environ is None else environ
    for source, value in (("--lang", flag), ("GANDOJO_LANG", environ.get("GANDOJO_LANG"))):
        if value:
            code = value.strip().lower()
            if code not in LANGUAGES:
                raise ValueError(f"{source} takes {' or '.join(LANGUAGES)}, not {value!r}")
            return code
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


@functools.cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (English: the messages as written)."""
    if language == "en":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as file:
            return gettext.GNUTranslations(file)
    if not po.is_file():
        raise ValueError(f"no catalog for language {language!r} in {folder}")
    return gettext.GNUTranslations(io.BytesIO(compile_catalog(po)))


def compile_catalog(po: Path) -> bytes:
    """A ``.po`` file compiled to ``.mo`` bytes with Babel (fuzzy entries left out, as ``pybabel compile`` does)."""
    from babel.messages import mofile, pofile

    with po.open("rb") as file:
        catalog = pofile.read_po(file)
    out = io.BytesIO()
    mofile.write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def use(language: str) -> None:
    """Speak ``language`` from now on (in this process)."""
    global _active, _language
    _active, _language = translation(language), language


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """``language`` inside the block, the language before it after: files that programs read (``failure.json``)
    are written in English whatever the reader's language."""
    before = _language
    use(language)
    try:
        yield
    finally:
        use(before)


def current() -> str:
    """The language in use: ``"en"`` or ``"ja"``."""
    return _language


def _(message: str) -> str:
    """``message`` in the language in use (``message`` itself in English or where it has no translation)."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in use."""
    return _active.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for the catalog without translating it now (it is translated where it is shown)."""
    return message
