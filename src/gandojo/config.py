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
from dataclasses import field, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

ObjectiveName = Literal["gan", "gan-minimax", "wgan", "wgan-gp"]
ModelFamily = Literal["mlp", "dcgan"]
NoiseKind = Literal["normal", "uniform"]
OptimizerName = Literal["adam", "rmsprop", "sgd"]
Norm = Literal["none", "batch", "layer"]
Benchmark = Literal["modes", "digits", "stacked-digits"]

# Generated samples each benchmark's protocol scores: 2,500 for mode collapse (VEEGAN/PacGAN) and the digits,
# 26,000 for the 1,000 modes of stacked digits (the Stacked MNIST protocol). Data of no benchmark: 2,500.
PROTOCOL_SAMPLES: dict[Benchmark | None, int] = {"modes": 2500, "digits": 2500, "stacked-digits": 26000,
                                                 None: 2500}


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):  # True is an int to Python, never a step count or a rate to a user
        raise ValueError("a number, not true/false")
    return value


def _split(value: Any) -> Any:
    """``"0.5,0.9"`` (a CLI override) -> ``["0.5", "0.9"]``; lists pass through."""
    return value.replace(",", " ").split() if isinstance(value, str) else value


# torch and numpy hold 64-bit integers at most
Int = Annotated[int, BeforeValidator(_no_bool), Field(ge=-2**63, le=2**63 - 1)]
Positive = Annotated[int, BeforeValidator(_no_bool), Field(gt=0, le=2**63 - 1)]
NonNegative = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=2**63 - 1)]
Real = Annotated[float, BeforeValidator(_no_bool)]
PositiveReal = Annotated[float, BeforeValidator(_no_bool), Field(gt=0)]
Fraction = Annotated[float, BeforeValidator(_no_bool), Field(ge=0, lt=1)]

# Frozen, typed, and checked on construction by pydantic; unknown keys are refused.
SECTION = ConfigDict(extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True, config=SECTION)
class DataConfig:
    """What to train on: a registered name (``ring8``, ``digits``, ...) or a path to a file or folder."""

    name: Annotated[str, Field(min_length=1)] = "ring8"
    # mode weights for toy mixtures (three-mode, ...)
    weights: Annotated[tuple[Annotated[Real, Field(ge=0)], ...] | None, BeforeValidator(_split)] = None
    sigma: Annotated[PositiveReal, Field(le=1e6)] | None = None  # per-mode std of a toy mixture (at most 1e6)
    image_size: Positive = 16  # images: resized to this square size
    channels: Literal[1, 3] | None = None  # images: force 1 (grayscale) or 3 (RGB); None = from the data

    @field_validator("weights")
    @classmethod
    def _positive_total(cls, weights: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if weights is not None and sum(weights) <= 0:
            raise ValueError("non-negative weights with a positive sum")
        return weights


@dataclass(frozen=True, config=SECTION)
class ModelConfig:
    """Generator and discriminator/critic architecture."""

    family: ModelFamily = "mlp"
    latent_dim: Positive = 2
    noise: NoiseKind = "normal"
    hidden: Positive | None = None  # MLP width; None = the recipe's (256 for wgan-gp on points, else 128)
    depth: Positive = 3  # MLP hidden layers
    width: Positive = 64  # DCGAN base channel count (ngf = ndf)
    critic_norm: Norm | None = None  # None: batch for GAN/WGAN DCGAN critics, layer for wgan-gp, none for MLPs
    classic_head: bool = False  # DCGAN: the final 4x4 convolution of pytorch/examples instead of pooling
    extra_layers: NonNegative = 0  # DCGAN depth: extra 3x3 stride-1 conv blocks in G and D (WGAN code's n_extra_layers)
    spectral_norm: bool = False  # D's weights divided by their largest singular value (Miyato et al. 2018)
    # points: both players work in standardised coordinates (zero mean, unit std per dimension), so the scale
    # of the data does not matter; None = on for user arrays, off for the registered mixtures
    standardize: bool | None = None
    minibatch_std: bool = False  # D sees the batch's spread as one more feature (Karras et al. 2018)


@dataclass(frozen=True, config=SECTION)
class ObjectiveConfig:
    """The game: which losses, how many critic steps per generator step, clipping and penalty."""

    name: ObjectiveName = "gan"
    n_critic: Positive | None = None  # D/critic steps per G step (k); None = the objective's default
    clip: PositiveReal = 0.01  # wgan: weights clamped to [-clip, clip] after every critic step
    # wgan-gp: penalty weight; None = 0.1 on points (toy code), 10 on images
    gp_lambda: Annotated[Real, Field(ge=0)] | None = None
    warmup_schedule: bool = True  # wgan: 100 critic steps for the first 25 G steps and every 500th
    pack: Positive = 1  # PacGAN (Lin et al. 2018): D judges this many samples at once
    r1: Annotated[Real, Field(ge=0)] = 0.0  # R1 (Mescheder et al. 2018): γ/2 E‖∇D(x)‖² on real data
    r2: Annotated[Real, Field(ge=0)] = 0.0  # R2: the same on generated data


@dataclass(frozen=True, config=SECTION)
class OptimConfig:
    """Optimizer for both players; ``None`` fields take the objective's paper default."""

    name: OptimizerName | None = None
    lr: PositiveReal | None = None
    betas: Annotated[tuple[Fraction, Fraction] | None, BeforeValidator(_split)] = None
    momentum: Fraction | None = None  # sgd and rmsprop
    lr_d: PositiveReal | None = None  # D's learning rate when it differs from G's (TTUR, Heusel et al. 2017)
    lr_decay: Literal["none", "linear"] = "none"  # "linear": both rates fall to 0 over train.steps


@dataclass(frozen=True, config=SECTION)
class TrainConfig:
    """Budget, seed and how often to log, evaluate, snapshot and checkpoint (in generator steps)."""

    steps: Positive = 2000
    batch_size: Positive = 256
    seed: NonNegative = 0
    log_every: Positive = 10
    eval_every: Positive = 250
    eval_samples: Positive | None = None  # None: the data's protocol count (PROTOCOL_SAMPLES)
    sample_every: Positive = 500
    checkpoint_every: Positive = 500
    checkpoint_seconds: PositiveReal = 60.0  # also checkpoint when this much training time passed since the last one
    time_limit: PositiveReal | None = None  # stop cleanly (evaluate, checkpoint, summary) after this many seconds
    ema: Fraction = 0.0  # exponential moving average of G's weights (decay, e.g. 0.999); 0 = off
    keep_checkpoints: Positive = 2
    device: str = "cpu"

    @field_validator("device")
    @classmethod
    def _a_torch_device(cls, device: str) -> str:
        if not re.fullmatch(r"cpu|mps|cuda(:\d+)?", device):
            raise ValueError("cpu, cuda, cuda:N or mps")
        return device


@dataclass(frozen=True, config=SECTION)
class Config:
    """A complete run configuration."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


SECTIONS: dict[str, type] = {"data": DataConfig, "model": ModelConfig, "objective": ObjectiveConfig,
                             "optim": OptimConfig, "train": TrainConfig}


def _explain(section: str, err: ValidationError, values: dict[str, Any]) -> ValueError:
    """Pydantic's first complaint as one line that names the key: ``config key 'train.steps': got -1, ...``."""
    first = err.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    key = f"{section}.{name}"
    if first["type"] == "unexpected_keyword_argument":
        known = ", ".join(f.name for f in dataclasses.fields(SECTIONS[section]))
        return ValueError(f"config key {key!r}: got {values[name]!r}, expected a known key: {known}")
    expected = first["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    return ValueError(f"config key {key!r}: got {values.get(name, first.get('input'))!r}, expected {expected}")


def from_dict(values: Any) -> Config:
    """Build a :class:`Config` from nested plain values (YAML, overrides), rejecting unknown keys and wrong types
    with an error that names the key."""
    if not isinstance(values, dict):
        raise ValueError(f"config: expected a mapping of sections, got {type(values).__name__}")
    unknown = sorted(str(k) for k in set(values) - set(SECTIONS))
    if unknown:
        raise ValueError(f"config section {unknown[0]!r} is unknown; expected one of {', '.join(SECTIONS)}")
    sections = {}
    for name, cls in SECTIONS.items():
        section = values.get(name) or {}
        if not isinstance(section, dict):
            raise ValueError(f"config key {name!r}: got {section!r}, expected a mapping of keys to values")
        try:
            sections[name] = cls(**{str(k): v for k, v in section.items()})
        except ValidationError as err:
            raise _explain(name, err, {str(k): v for k, v in section.items()}) from None
    return Config(**sections)


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


def parse_budget(text: str) -> tuple[Literal["seconds", "steps"], float]:
    """A training budget as written on the command line: seconds (``120s``, ``2m``, ``1.5h``, or a bare
    number) or generator steps (``2000steps``).

    >>> parse_budget("2m"), parse_budget("2000steps"), parse_budget("90")
    (('seconds', 120.0), ('steps', 2000.0), ('seconds', 90.0))
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|steps?)?\s*", text.lower())
    if match is None or float(match[1]) <= 0:
        raise ValueError(f"budget {text!r}: expected seconds like 120s, 2m or 1.5h, or generator steps like 2000steps")
    value, unit = float(match[1]), match[2] or "s"
    if unit.startswith("step"):
        if not value.is_integer():
            raise ValueError(f"budget {text!r}: a whole number of steps")
        return "steps", value
    return "seconds", value * {"s": 1, "m": 60, "h": 3600}[unit[0]]


# The best recipe for each kind of data: what `gandojo train --data X` trains without --preset or --objective.
RECIPES = {"points": "best-points", "images": "best-images"}


def recipe_for(data: str) -> str:
    """The preset of the best recipe for the kind of data ``data`` names (points when it names nothing yet).

    >>> recipe_for("ring8"), recipe_for("digits")
    ('best-points', 'best-images')
    """
    from gandojo.data import data_kind  # local import: it imports torch

    return RECIPES[data_kind(data) or "points"]


def with_objective(config: Config, name: str) -> Config:
    """``config`` playing another game: the objective's own defaults (optimizer, critic steps, penalty) are
    filled in again by :func:`resolve` instead of carrying over the previous objective's.

    >>> gp = with_objective(resolve(load_preset("ring8-gan")), "wgan-gp")
    >>> gp.optim.name is None and resolve(gp).optim.betas
    (0.5, 0.9)
    """
    return apply_overrides(config, [f"objective.name={name}", "optim.name=null", "optim.lr=null", "optim.betas=null",
                                    "optim.momentum=null", "objective.n_critic=null", "objective.gp_lambda=null"])


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
    from gandojo.data import data_benchmark, data_kind  # local imports: both import torch
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
    standardize = model.standardize
    if standardize is None:
        standardize = chosen("model.standardize", kind == "points" and data_benchmark(config.data.name) is None,
                             "user point data is standardised for training and mapped back")
    model = replace(model, critic_norm=norm, hidden=hidden, standardize=standardize)
    train = config.train
    if train.batch_size % objective.pack:
        raise ValueError(f"train.batch_size {train.batch_size} is not a multiple of objective.pack {objective.pack}: "
                         "the discriminator judges whole packs")
    if train.eval_samples is None:
        benchmark = data_benchmark(config.data.name)
        train = replace(train, eval_samples=chosen("train.eval_samples", PROTOCOL_SAMPLES[benchmark],
                                                   f"the {benchmark or 'default'} protocol's sample count"))
    return replace(config, optim=optim, objective=objective, model=model, train=train), notes


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
