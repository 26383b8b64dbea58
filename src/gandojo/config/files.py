"""Configs as files: YAML in and out, the bundled presets (``gandojo/presets/*.yaml``) and budgets as written
on the command line."""

from __future__ import annotations

import itertools
import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from gandojo.atomic import atomic_write
from gandojo.config.schema import Config, did_you_mean, from_dict, to_dict
from gandojo.i18n import _


def dump_yaml(config: Config) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)


def load_yaml(path: str | Path) -> Config:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(_("config file not found: {path}").format(path=path))
    try:
        values = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(_("{path}: not valid YAML ({error})").format(path=path, error=err)) from None
    return from_dict(values)


def save_yaml(config: Config, path: str | Path) -> None:
    """Write ``config`` as YAML, whole or not at all."""
    atomic_write(Path(path), dump_yaml(config).encode())


def preset_names() -> list[str]:
    """Names of the bundled presets."""
    folder = resources.files("gandojo") / "presets"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def preset_description(name: str) -> str:
    """What a bundled preset shows: the comment at the top of its file, in the reader's language (the catalogs
    hold each file's comment: :func:`extract_preset_descriptions`).

    >>> preset_description("ring8-gan")
    'The original GAN (non-saturating generator loss) on ring8: 8 Gaussians on the unit circle, σ = 0.01.'
    """
    return _(_leading_comment((resources.files("gandojo") / "presets" / f"{name}.yaml").read_text()))


def _leading_comment(text: str) -> str:
    lines = itertools.takewhile(lambda line: line.startswith("#"), text.splitlines())
    return " ".join(line.lstrip("# ").strip() for line in lines)


def extract_preset_descriptions(fileobj, keywords, comment_tags, options):
    """Babel extractor (``babel.cfg``'s ``[gandojo_presets: ...]``, run by ``make messages``): a preset file's
    leading comment, the message :func:`preset_description` translates."""
    yield 1, None, _leading_comment(fileobj.read().decode("utf-8")), ["preset description"]


def load_preset(name_or_path: str) -> Config:
    """A bundled preset by name (``ring8-gan``) or a YAML file by path."""
    if name_or_path.endswith((".yaml", ".yml")) or Path(name_or_path).is_file():
        return load_yaml(name_or_path)
    if name_or_path not in preset_names():
        raise ValueError(_("unknown preset {name!r}{hint}; expected one of {names} or a .yaml file").format(
            name=name_or_path, hint=did_you_mean(name_or_path, preset_names()), names=", ".join(preset_names())))
    text = (resources.files("gandojo") / "presets" / f"{name_or_path}.yaml").read_text()
    return from_dict(yaml.safe_load(text))


def parse_budget(text: str) -> tuple[Literal["seconds", "steps"], float]:
    """A training budget as written on the command line: seconds (``120s``, ``2m``, ``1.5h``, or a bare
    number) or generator steps (``2000steps``).

    >>> parse_budget("2m"), parse_budget("2000steps"), parse_budget("90")
    (('seconds', 120.0), ('steps', 2000.0), ('seconds', 90.0))
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|steps?)?\s*", text.lower())
    if match is None or float(match[1]) <= 0:
        raise ValueError(_("budget {text!r}: expected seconds like 120s, 2m or 1.5h, or generator steps like "
                           "2000steps").format(text=text))
    value, unit = float(match[1]), match[2] or "s"
    if unit.startswith("step"):
        if not value.is_integer():
            raise ValueError(_("budget {text!r}: a whole number of steps").format(text=text))
        return "steps", value
    return "seconds", value * {"s": 1, "m": 60, "h": 3600}[unit[0]]
