"""The run configuration's schema: five frozen, typed sections validated by pydantic on construction, built
from nested plain values or ``section.key=value`` overrides, with errors that name the key."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import field
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from gandojo.catalogue import PROTOCOL_SAMPLES, Benchmark  # noqa: F401  (re-exported with the schema)
from gandojo.config.conditions import parse_condition
from gandojo.i18n import N_, _, current
from gandojo.objectives import OBJECTIVES

ObjectiveName = Literal[tuple(OBJECTIVES)]  # the registry's names (gandojo.objectives): written once, there
ModelFamily = Literal["mlp", "dcgan"]
NoiseKind = Literal["normal", "uniform"]
OptimizerName = Literal["adam", "rmsprop", "sgd"]
Norm = Literal["none", "batch", "layer"]


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):  # True is an int to Python, never a step count or a rate to a user
        raise ValueError(N_("a number, not true/false"))
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
    # images: resized to this square size; None: the recipe's choice (the bundled digits' own 8, other images 16)
    image_size: Positive | None = 16
    channels: Literal[1, 3] | None = None  # images: force 1 (grayscale) or 3 (RGB); None = from the data

    @field_validator("weights")
    @classmethod
    def _positive_total(cls, weights: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if weights is not None and sum(weights) <= 0:
            raise ValueError(N_("non-negative weights with a positive sum"))
        return weights


@dataclass(frozen=True, config=SECTION)
class ModelConfig:
    """Generator and discriminator/critic architecture."""

    family: ModelFamily = "mlp"
    latent_dim: Positive = 2
    noise: NoiseKind = "normal"
    hidden: Positive | None = None  # MLP width; None = the recipe's (256 for wgan-gp on points, else 128)
    depth: Positive = 3  # MLP hidden layers
    # DCGAN base channel count (ngf = ndf); None = the recipe's (64 for stacked digits, else 32)
    width: Positive | None = 64
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
    # PacGAN (Lin et al. 2018): D judges this many samples at once; None: chosen from the data (pack_for_benchmark)
    pack: Positive | None = 1
    # DiffAugment (Zhao et al. 2020): D judges real and generated images through the same random transforms
    augment: Literal["none", "translation", "cutout", "translation,cutout"] = "none"
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
    lr_decay_start: Fraction = 0.0  # the share of train.steps at full rates before a "linear" decay begins


@dataclass(frozen=True, config=SECTION)
class TrainConfig:
    """Budget, seed and how often to log, evaluate, snapshot and checkpoint (in generator steps)."""

    steps: Positive | None = 2000  # None: chosen from the data's clusters when it is loaded (steps_for_clusters)
    batch_size: Positive = 256
    seed: NonNegative = 0
    log_every: Positive = 10
    eval_every: Positive = 500  # with the snapshot and checkpoint every 500: under 3% of training (bench_speed)
    eval_samples: Positive | None = None  # None: the data's protocol count (PROTOCOL_SAMPLES)
    sample_every: Positive = 500
    checkpoint_every: Positive = 500
    checkpoint_seconds: PositiveReal = 60.0  # also checkpoint when this much training time passed since the last one
    time_limit: PositiveReal | None = None  # stop cleanly (evaluate, checkpoint, summary) after this many seconds
    # stop cleanly at the first evaluation where each of these holds, e.g. "frechet <= 2 * frechet_floor";
    # None: the data's benchmark target when it is loaded (stop_for_benchmark)
    stop_when: tuple[str, ...] | None = ()
    ema: Fraction = 0.0  # exponential moving average of G's weights (decay, e.g. 0.999); 0 = off
    keep_checkpoints: Positive = 2
    device: str = "cpu"
    tensorboard: bool = False  # also log scalars and snapshots to RUN_DIR/tb/ (needs the tensorboard package)
    # under torchrun on CUDA: batch norm over the global batch (SyncBatchNorm) instead of each process's share
    sync_batchnorm: bool = False
    precision: Literal["fp32", "bf16"] = "fp32"  # bf16: forward passes under bfloat16 autocast (faster, less exact)
    channels_last: bool | None = None  # image models in channels-last memory layout; None = where measured to help
    compile: bool = False  # torch.compile the training passes (slower on the CPUs measured; see the README)

    @field_validator("stop_when", mode="before")
    @classmethod
    def _conditions(cls, value: Any) -> Any:
        if isinstance(value, str):  # one condition on the command line; a comma or a semicolon separates more
            value = [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
        for text in value if isinstance(value, (list, tuple)) else ():
            if isinstance(text, str):
                parse_condition(text)  # a condition's error names its form, or the scores it may name
        return value

    @field_validator("device")
    @classmethod
    def _a_torch_device(cls, device: str) -> str:
        if not re.fullmatch(r"cpu|mps|cuda(:\d+)?", device):
            raise ValueError(N_("cpu, cuda, cuda:N or mps"))
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


# What pydantic's complaints expect, by their type, in words the catalog translates (others keep pydantic's words)
_EXPECTED = {"int_parsing": N_("a valid integer"), "int_type": N_("a valid integer"),
             "int_from_float": N_("a whole number"), "float_parsing": N_("a valid number"),
             "float_type": N_("a valid number"), "bool_parsing": N_("true or false"), "bool_type": N_("true or false"),
             "tuple_type": N_("a list of values, e.g. 0.5,0.999"), "greater_than": N_("greater than {gt}"),
             "greater_than_equal": N_("at least {ge}"), "less_than": N_("less than {lt}"),
             "less_than_equal": N_("at most {le}"), "literal_error": N_("one of {expected}"),
             "string_type": N_("a string"), "list_type": N_("a list"), "dict_type": N_("an object"),
             "finite_number": N_("a finite number"), "model_type": N_("an object")}
# Complaints that are not "Input should be ...": the whole complaint, in the catalog's words
_COMPLAINTS = {"missing": N_("this field is required"), "extra_forbidden": N_("this field is not allowed here"),
               "string_too_long": N_("at most {max_length} characters"),
               "too_short": N_("at least {min_length} items"), "too_long": N_("at most {max_length} items"),
               "string_pattern_mismatch": N_("must match {pattern}"),
               "union_tag_invalid": N_("unknown type {tag!r}; expected one of {expected_tags}")}


def _translated(template: str, error: dict[str, Any]) -> str | None:
    context = {k: (v if k != "expected" else v.replace(" or ", " / ")) for k, v in (error.get("ctx") or {}).items()}
    try:
        return _(template).format(**context)
    except (KeyError, IndexError):
        return None


def _expected(error: dict[str, Any]) -> str:
    """What the value should have been, from one pydantic error: the catalog's words where there are some (in a
    language other than English), else pydantic's own message."""
    words = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    if current() == "en":
        return words
    if error["type"] == "value_error":  # the schema's own validators: their messages are in the catalog
        return _(words)
    if error["type"] in _EXPECTED:
        return _translated(_EXPECTED[error["type"]], error) or words
    return words


def complaint(error: dict[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in the reader's language: pydantic's own
    message in English (``Input should be greater than or equal to 1``), the catalog's words otherwise."""
    if current() == "en":
        return error["msg"]
    if error["type"] in _COMPLAINTS:
        return _translated(_COMPLAINTS[error["type"]], error) or error["msg"]
    if error["type"] == "value_error" or error["type"] in _EXPECTED:
        return _("expected {expected}").format(expected=_expected(error))
    return error["msg"]


def _explain(section: str, err: ValidationError, values: dict[str, Any]) -> ValueError:
    """Pydantic's first complaint as one line that names the key: ``config key 'train.steps': got -1, ...``."""
    first = err.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    key = f"{section}.{name}"
    if first["type"] == "unexpected_keyword_argument":
        known = ", ".join(f.name for f in dataclasses.fields(SECTIONS[section]))
        return ValueError(_("config key {key!r}: got {value!r}, expected a known key: {known}").format(
            key=key, value=values[name], known=known))
    expected = _expected(first)
    return ValueError(_("config key {key!r}: got {value!r}, expected {expected}").format(
        key=key, value=values.get(name, first.get("input")), expected=expected))


def from_dict(values: Any) -> Config:
    """Build a :class:`Config` from nested plain values (YAML, overrides), rejecting unknown keys and wrong types
    with an error that names the key."""
    if not isinstance(values, dict):
        raise ValueError(_("config: expected a mapping of sections, got {kind}").format(kind=type(values).__name__))
    unknown = sorted(str(k) for k in set(values) - set(SECTIONS))
    if unknown:
        raise ValueError(_("config section {name!r} is unknown; expected one of {names}").format(
            name=unknown[0], names=", ".join(SECTIONS)))
    sections = {}
    for name, cls in SECTIONS.items():
        section = values.get(name) or {}
        if not isinstance(section, dict):
            raise ValueError(_("config key {key!r}: got {value!r}, expected a mapping of keys to values").format(
                key=name, value=section))
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


def did_you_mean(word: str, choices: list[str]) -> str:
    """``" (did you mean X?)"`` for the closest choice, or an empty string when nothing is close.

    >>> did_you_mean("ring8-gn", ["ring8-gan", "grid25-gan"])
    ' (did you mean ring8-gan?)'
    """
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return _(" (did you mean {choice}?)").format(choice=close[0]) if close else ""


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
            hint = (_(" (did you mean {choice}?)").format(choice=known[0]) if len(known) == 1
                    else did_you_mean(key.strip(), keys))
            raise ValueError(_("override {item!r}: expected section.key=value, e.g. train.steps=100{hint}").format(
                item=item, hint=hint))
        if section not in values:
            raise ValueError(_("override {item!r}: unknown section {section!r}{hint}; expected one of {names}").format(
                item=item, section=section, hint=did_you_mean(section, list(SECTIONS)), names=", ".join(SECTIONS)))
        if name not in values[section]:
            raise ValueError(_("override {item!r}: unknown key {key!r}{hint}; {section} has {names}").format(
                item=item, key=key.strip(), hint=did_you_mean(key.strip(), keys), section=section,
                names=", ".join(values[section])))
        parsed = yaml.safe_load(raw) if raw.strip() else None
        values[section][name] = parsed
    return from_dict(values)
