"""One typed run configuration: frozen dataclasses, validated on construction, saved as YAML.

A :class:`Config` has five sections — ``data``, ``model``, ``objective``, ``optim``, ``train`` — and
is built from a preset (``presets/*.yaml``, always complete), flags, and ``section.key=value``
overrides. Optimizer fields left as ``None`` mean "the paper default of the objective"; they are
filled in by :func:`resolve`, so the ``config.yaml`` of a run folder holds every value that ran.

>>> cfg = resolve(load_preset("ring8-gan"))
>>> cfg.objective.name, cfg.optim.name, cfg.optim.lr
('gan', 'adam', 0.0002)
>>> apply_overrides(cfg, ["train.steps=50"]).train.steps
50
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
import types
import typing
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

ObjectiveName = Literal["gan", "gan-minimax", "wgan", "wgan-gp"]
ModelFamily = Literal["mlp", "dcgan"]
NoiseKind = Literal["normal", "uniform"]
OptimizerName = Literal["adam", "rmsprop", "sgd"]
Norm = Literal["none", "batch", "layer"]


def _fail(key: str, value: Any, expected: str) -> None:
    raise ValueError(f"config key {key!r}: got {value!r}, expected {expected}")


def _check_positive(section: str, obj: Any, names: tuple[str, ...], *, allow_zero: bool = False) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        bad = value < 0 if allow_zero else value <= 0
        if bad:
            _fail(f"{section}.{name}", value, "a non-negative number" if allow_zero else "a positive number")


@dataclass(frozen=True)
class DataConfig:
    """What to train on: a registered name (``ring8``, ``digits``, ...) or a path to a file or folder."""

    name: str = "ring8"
    weights: tuple[float, ...] | None = None  # mode weights for toy mixtures (three-mode, ...)
    sigma: float | None = None  # override the per-mode std of a toy mixture
    image_size: int = 16  # images: resized to this square size
    channels: int | None = None  # images: force 1 (grayscale) or 3 (RGB); None = from the data

    def __post_init__(self) -> None:
        if not self.name:
            _fail("data.name", self.name, "a data set name or a path")
        if self.weights is not None:
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                _fail("data.weights", self.weights, "non-negative weights with a positive sum")
        _check_positive("data", self, ("sigma", "image_size"))
        if self.sigma is not None and self.sigma > 1e6:
            _fail("data.sigma", self.sigma, "at most 1e6 (the range of user point data)")
        if self.channels not in (None, 1, 3):
            _fail("data.channels", self.channels, "1, 3 or null")


@dataclass(frozen=True)
class ModelConfig:
    """Generator and discriminator/critic architecture."""

    family: ModelFamily = "mlp"
    latent_dim: int = 2
    noise: NoiseKind = "normal"
    hidden: int | None = None  # MLP width; None = the recipe's (256 for wgan-gp on points, else 128)
    depth: int = 3  # MLP hidden layers
    width: int = 64  # DCGAN base channel count (ngf = ndf)
    critic_norm: Norm | None = None  # None: batch for GAN/WGAN DCGAN critics, layer for wgan-gp, none for MLPs
    classic_head: bool = False  # DCGAN: the final 4x4 convolution of pytorch/examples instead of pooling
    extra_layers: int = 0  # DCGAN depth: extra 3x3 stride-1 conv blocks in G and D (WGAN code's n_extra_layers)

    def __post_init__(self) -> None:
        _check_positive("model", self, ("latent_dim", "hidden", "depth", "width"))
        _check_positive("model", self, ("extra_layers",), allow_zero=True)


@dataclass(frozen=True)
class ObjectiveConfig:
    """The game: which losses, how many critic steps per generator step, clipping and penalty."""

    name: ObjectiveName = "gan"
    n_critic: int | None = None  # D/critic steps per G step (k); None = the objective's default
    clip: float = 0.01  # wgan: weights clamped to [-clip, clip] after every critic step
    gp_lambda: float | None = None  # wgan-gp: penalty weight; None = 0.1 on points (toy code), 10 on images
    warmup_schedule: bool = True  # wgan: 100 critic steps for the first 25 G steps and every 500th

    def __post_init__(self) -> None:
        _check_positive("objective", self, ("n_critic", "clip"))
        _check_positive("objective", self, ("gp_lambda",), allow_zero=True)


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer for both players; ``None`` fields take the objective's paper default."""

    name: OptimizerName | None = None
    lr: float | None = None
    betas: tuple[float, float] | None = None
    momentum: float | None = None  # sgd and rmsprop

    def __post_init__(self) -> None:
        _check_positive("optim", self, ("lr",))
        if self.betas is not None and (len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas)):
            _fail("optim.betas", self.betas, "two numbers in [0, 1)")
        if self.momentum is not None and not 0 <= self.momentum < 1:
            _fail("optim.momentum", self.momentum, "a number in [0, 1)")


@dataclass(frozen=True)
class TrainConfig:
    """Budget, seed and how often to log, evaluate, snapshot and checkpoint (in generator steps)."""

    steps: int = 2000
    batch_size: int = 256
    seed: int = 0
    log_every: int = 10
    eval_every: int = 250
    eval_samples: int = 2500
    sample_every: int = 500
    checkpoint_every: int = 500
    checkpoint_seconds: float = 60.0  # also checkpoint when this much training time passed since the last one
    keep_checkpoints: int = 2
    device: str = "cpu"

    def __post_init__(self) -> None:
        _check_positive("train", self, ("steps", "batch_size", "log_every", "eval_every", "eval_samples",
                                        "sample_every", "checkpoint_every", "checkpoint_seconds",
                                        "keep_checkpoints"))
        _check_positive("train", self, ("seed",), allow_zero=True)
        if not re.fullmatch(r"cpu|mps|cuda(:\d+)?", self.device):
            _fail("train.device", self.device, "cpu, cuda, cuda:N or mps")


@dataclass(frozen=True)
class Config:
    """A complete run configuration."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


SECTIONS: dict[str, type] = {"data": DataConfig, "model": ModelConfig, "objective": ObjectiveConfig,
            "optim": OptimConfig, "train": TrainConfig}


# --- conversion from plain values (YAML, key=value strings) -------------------------------------------

def _coerce(key: str, value: Any, annotation: Any) -> Any:
    """Convert ``value`` to the type ``annotation`` describes, or raise ValueError naming ``key``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(key, value, arg)
            except ValueError as err:
                errors.append(str(err))
        raise ValueError(errors[0])
    if origin is Literal:
        if value not in args:
            _fail(key, value, "one of " + ", ".join(map(repr, args)))
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split()]
        if not isinstance(value, list | tuple):
            _fail(key, value, "a list")
        item_type = args[0]
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(key, v, item_type) for v in value)
        if len(value) != len(args):
            _fail(key, value, f"a list of {len(args)} values")
        return tuple(_coerce(key, v, a) for v, a in zip(value, args, strict=True))
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        _fail(key, value, "true or false")
    if annotation is int:
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            try:
                number = int(value)
            except ValueError:
                pass
        if number is None or not -2**63 <= number < 2**63:
            _fail(key, value, "an integer of at most 64 bits")  # torch and numpy cannot hold more
        return number
    if annotation is float:
        if isinstance(value, bool):
            _fail(key, value, "a number")
        try:
            result = float(value)
        except (TypeError, ValueError):
            _fail(key, value, "a number")
        if result != result or result in (float("inf"), float("-inf")):
            _fail(key, value, "a finite number")
        return result
    if annotation is str:
        if isinstance(value, str):
            return value
        _fail(key, value, "a string")
    raise TypeError(f"unsupported annotation {annotation!r} for {key}")


def _section_from_dict(name: str, values: Any) -> Any:
    cls = SECTIONS[name]
    if values is None:
        values = {}
    if not isinstance(values, dict):
        _fail(name, values, "a mapping of keys to values")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        _fail(f"{name}.{unknown[0]}", values[unknown[0]], "a known key: " + ", ".join(sorted(known)))
    kwargs = {k: _coerce(f"{name}.{k}", v, hints[k]) for k, v in values.items()}
    return cls(**kwargs)


def from_dict(values: Any) -> Config:
    """Build a :class:`Config` from nested plain values, rejecting unknown keys and wrong types."""
    if not isinstance(values, dict):
        raise ValueError(f"config: expected a mapping of sections, got {type(values).__name__}")
    unknown = sorted(set(values) - set(SECTIONS))
    if unknown:
        raise ValueError(f"config section {unknown[0]!r} is unknown; expected one of {', '.join(SECTIONS)}")
    return Config(**{name: _section_from_dict(name, values.get(name)) for name in SECTIONS})


def to_dict(config: Config) -> dict[str, Any]:
    """Plain nested dict (tuples as lists), suitable for YAML and JSON."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    return {name: {k: plain(v) for k, v in dataclasses.asdict(getattr(config, name)).items()}
            for name in SECTIONS}


def dump_yaml(config: Config) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)


def load_yaml(path: str | Path) -> Config:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        values = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    return from_dict(values)


def save_yaml(config: Config, path: str | Path) -> None:
    Path(path).write_text(dump_yaml(config))


def preset_names() -> list[str]:
    """Names of the bundled presets."""
    folder = resources.files("gandojo") / "presets"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def preset_description(name: str) -> str:
    """What a bundled preset shows: the comment at the top of its file.

    >>> preset_description("ring8-gan")
    'The original GAN (non-saturating generator loss) on ring8: 8 Gaussians on the unit circle, σ = 0.01.'
    """
    text = (resources.files("gandojo") / "presets" / f"{name}.yaml").read_text()
    lines = itertools.takewhile(lambda line: line.startswith("#"), text.splitlines())
    return " ".join(line.lstrip("# ").strip() for line in lines)


def did_you_mean(word: str, choices: list[str]) -> str:
    """``" (did you mean X?)"`` for the closest choice, or an empty string when nothing is close.

    >>> did_you_mean("ring8-gn", ["ring8-gan", "grid25-gan"])
    ' (did you mean ring8-gan?)'
    """
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def load_preset(name_or_path: str) -> Config:
    """A bundled preset by name (``ring8-gan``) or a YAML file by path."""
    if name_or_path.endswith((".yaml", ".yml")) or Path(name_or_path).is_file():
        return load_yaml(name_or_path)
    if name_or_path not in preset_names():
        raise ValueError(f"unknown preset {name_or_path!r}{did_you_mean(name_or_path, preset_names())}; "
                         f"expected one of {', '.join(preset_names())} or a .yaml file")
    text = (resources.files("gandojo") / "presets" / f"{name_or_path}.yaml").read_text()
    return from_dict(yaml.safe_load(text))


def apply_overrides(config: Config, overrides: list[str]) -> Config:
    """Apply ``section.key=value`` strings, e.g. ``["train.steps=100", "optim.betas=0.5,0.999"]``."""
    values = to_dict(config)
    keys = [f"{section}.{name}" for section, names in values.items() for name in names]
    for item in overrides:
        key, sep, raw = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot:
            # "lr=1e-3": the section is missing; name the full key when the name is a known one
            known = [k for k in keys if k.endswith(f".{key.strip()}")]
            hint = f" (did you mean {known[0]}?)" if len(known) == 1 else did_you_mean(key.strip(), keys)
            raise ValueError(f"override {item!r}: expected section.key=value, e.g. train.steps=100{hint}")
        if section not in values:
            raise ValueError(f"override {item!r}: unknown section {section!r}{did_you_mean(section, list(SECTIONS))}; "
                             "expected one of " + ", ".join(SECTIONS))
        if name not in values[section]:
            raise ValueError(f"override {item!r}: unknown key {key.strip()!r}{did_you_mean(key.strip(), keys)}; "
                             f"{section} has " + ", ".join(values[section]))
        parsed = yaml.safe_load(raw) if raw.strip() else None
        values[section][name] = parsed
    return from_dict(values)


# Defaults that depend on the kind of data as well as the objective. Each is (value, why), and --dry-run
# prints the why. The optimizer's paper defaults come from the objective registry (gandojo.objectives).
RECIPE_DEFAULTS: dict[tuple[str, str], dict[str, tuple[Any, str]]] = {
    ("wgan-gp", "points"): {
        "objective.gp_lambda": (0.1, "the WGAN-GP toy code's λ; the paper's λ = 10 fails on toy mixtures"),
        "optim.betas": ((0.5, 0.9), "the WGAN-GP toy code's Adam betas"),
        "model.hidden": (256, "a wider MLP, as in the WGAN-GP toy code (512 there)"),
    },
}
GENERIC_DEFAULTS: dict[str, tuple[Any, str]] = {
    "objective.gp_lambda": (10.0, "the WGAN-GP paper's λ"),
    "model.hidden": (128, "gandojo's toy MLP width"),
}


def resolve(config: Config) -> Config:
    """Fill every ``None`` that has a default depending on the objective, the model or the kind of data."""
    return resolve_explained(config)[0]


def resolve_explained(config: Config) -> tuple[Config, list[str]]:
    """:func:`resolve`, and one line per default it chose saying which value and why (``--dry-run``).

    >>> cfg, why = resolve_explained(apply_overrides(Config(), ["objective.name=wgan-gp"]))
    >>> cfg.objective.gp_lambda, cfg.optim.betas, cfg.model.hidden
    (0.1, (0.5, 0.9), 256)
    >>> why[2]
    "optim.betas = 0.5, 0.9: the WGAN-GP toy code's Adam betas"
    """
    from gandojo.data import data_kind  # local imports: both import torch
    from gandojo.objectives import OBJECTIVES

    name = config.objective.name
    d = OBJECTIVES[name].defaults
    kind = data_kind(config.data.name)
    recipe = {**GENERIC_DEFAULTS, **RECIPE_DEFAULTS.get((name, kind or ""), {})}
    notes: list[str] = []

    def chosen(key: str, value: Any, why: str) -> Any:
        notes.append(f"{key} = {_plain(value)}: {why}")
        return value

    def pick(key: str, given: Any, paper: Any) -> Any:
        if given is not None:
            return given
        if key in recipe:
            return chosen(key, *recipe[key])
        return chosen(key, paper, f"the {name} default (the README's paper-defaults table)")

    optim = config.optim
    # A different optimizer than the paper's keeps only what the user gave; defaults fill the rest.
    same = optim.name in (None, d.optimizer)
    optim = replace(
        optim,
        name=pick("optim.name", optim.name, d.optimizer),
        lr=pick("optim.lr", optim.lr, d.lr),
        betas=pick("optim.betas", optim.betas, d.betas) if same else (optim.betas or (0.9, 0.999)),
        momentum=pick("optim.momentum", optim.momentum, d.momentum) if same else (optim.momentum or 0.0),
    )
    objective = replace(config.objective, n_critic=pick("objective.n_critic", config.objective.n_critic, d.n_critic),
                        gp_lambda=pick("objective.gp_lambda", config.objective.gp_lambda, None))
    unused = {"objective.gp_lambda"} if name != "wgan-gp" else set()
    unused |= {"optim.betas"} if optim.name != "adam" else {"optim.momentum"}
    notes = [n for n in notes if n.partition(" ")[0] not in unused]  # say nothing of settings that do not apply
    model = config.model
    norm = model.critic_norm
    if norm is None:
        if model.family == "mlp":
            norm = chosen("model.critic_norm", "none", "MLP critics have no normalisation")
        elif name == "wgan-gp":
            norm = chosen("model.critic_norm", "layer", "the gradient penalty is per sample: no batch norm")
        else:
            norm = chosen("model.critic_norm", "batch", "DCGAN's batch normalisation")
    if name == "wgan-gp" and norm == "batch":
        raise ValueError("model.critic_norm='batch' cannot be used with wgan-gp: the gradient penalty is "
                         "per sample and batch normalisation mixes samples; use 'layer' or 'none'")
    hidden = model.hidden
    if hidden is None:
        hidden = recipe["model.hidden"][0] if model.family != "mlp" else chosen("model.hidden", *recipe["model.hidden"])
    model = replace(model, critic_norm=norm, hidden=hidden)
    return replace(config, optim=optim, objective=objective, model=model), notes


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
