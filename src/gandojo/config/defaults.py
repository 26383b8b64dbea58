"""Defaults that depend on the objective, the model and the kind of data, each chosen with the reason
``--dry-run`` prints; and the best recipe for each kind of data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gandojo.catalogue import PROTOCOL_SAMPLES, data_benchmark, data_kind
from gandojo.config.files import load_preset
from gandojo.config.schema import Config, apply_overrides
from gandojo.i18n import N_, _
from gandojo.objectives import OBJECTIVES

# The best recipe for each kind of data: what `gandojo train --data X` trains without --preset or --objective;
# a benchmark whose data wants other settings has its own.
RECIPES = {"points": "best-points", "images": "best-images"}
RECIPE_FOR_BENCHMARK = {"stacked-digits": "best-stacked"}


def recipe_for(data: str) -> str:
    """The preset of the best recipe for the data ``data`` names (points when it names nothing yet).

    >>> recipe_for("ring8"), recipe_for("digits"), recipe_for("stacked-digits")
    ('best-points', 'best-images', 'best-stacked')
    """
    return RECIPE_FOR_BENCHMARK.get(data_benchmark(data) or "") or RECIPES[data_kind(data) or "points"]


def requested_config(*, preset: str | None = None, objective: str | None = None, data: str | None = None,
                     steps: int | None = None,
                     overrides: list[str] | tuple[str, ...] = ()) -> tuple[Config, str | None]:
    """The config a command line asks for, and the best recipe's preset when it is the one chosen.

    Without ``preset`` and ``objective`` it is the best recipe for the kind of ``data`` (:func:`recipe_for`); with
    ``objective`` alone, the plain defaults playing that objective's paper settings; ``overrides``
    (``section.key=value``, ``data.name=...`` included) and ``steps`` come last.

    >>> config, recipe = requested_config(data="grid25", overrides=["data.name=grid25"])
    >>> recipe, config.train.ema
    ('best-points', 0.999)
    >>> requested_config(objective="wgan-gp")[0].objective.name, requested_config(objective="wgan-gp")[1] is None
    ('wgan-gp', True)
    """
    recipe = recipe_for(data or "ring8") if preset is None and objective is None else None
    config = load_preset(preset or recipe) if (preset or recipe) else Config()
    if objective is not None:
        config = with_objective(config, objective)
    return apply_overrides(config, [*overrides, *([f"train.steps={steps}"] if steps is not None else [])]), recipe


def with_objective(config: Config, name: str) -> Config:
    """``config`` playing another game: the objective's own defaults (optimizer, critic steps, penalty) are
    filled in again by :func:`resolve` instead of carrying over the previous objective's.

    >>> from gandojo.config import load_preset
    >>> gp = with_objective(resolve(load_preset("ring8-gan")), "wgan-gp")
    >>> gp.optim.name is None and resolve(gp).optim.betas
    (0.5, 0.9)
    """
    return apply_overrides(config, [f"objective.name={name}", "optim.name=null", "optim.lr=null", "optim.betas=null",
                                    "optim.momentum=null", "objective.n_critic=null", "objective.gp_lambda=null"])


# Defaults of any objective; each is (value, why), and --dry-run prints the why. The optimizer's paper defaults,
# and defaults that depend on the kind of data as well as the objective, are the objective's own
# (gandojo.objectives: defaults, data_defaults).
GENERIC_DEFAULTS: dict[str, tuple[Any, str]] = {
    "objective.gp_lambda": (10.0, N_("the WGAN-GP paper's λ")),
    "model.hidden": (128, N_("gandojo's toy MLP width")),
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
    name = config.objective.name
    game = OBJECTIVES[name]
    d = game.defaults
    kind = data_kind(config.data.name)
    recipe = {**GENERIC_DEFAULTS, **game.data_defaults.get(kind or "", {})}
    notes: list[str] = []

    def chosen(key: str, value: Any, why: str) -> Any:  # why: in the reader's language
        notes.append(f"{key} = {_plain(value)}: {why}")
        return value

    def from_recipe(key: str) -> Any:  # the recipe's reasons are marked English: said in the reader's language
        value, why = recipe[key]
        return chosen(key, value, _(why))

    def pick(key: str, given: Any, paper: Any) -> Any:
        if given is not None:
            return given
        if key in recipe:
            return from_recipe(key)
        return chosen(key, paper, _("the {name} default (the README's paper-defaults table)").format(name=name))

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
    unused = {"objective.gp_lambda"} if not game.per_sample_penalty else set()
    unused |= {"optim.betas"} if optim.name != "adam" else {"optim.momentum"}
    notes = [n for n in notes if n.partition(" ")[0] not in unused]  # say nothing of settings that do not apply
    model = config.model
    norm = model.critic_norm
    if norm is None:
        if model.family == "mlp":
            norm = chosen("model.critic_norm", "none", _("MLP critics have no normalisation"))
        elif game.per_sample_penalty:
            norm = chosen("model.critic_norm", "layer", _("the gradient penalty is per sample: no batch norm"))
        else:
            norm = chosen("model.critic_norm", "batch", _("DCGAN's batch normalisation"))
    if game.per_sample_penalty and norm == "batch":
        raise ValueError(f"model.critic_norm='batch' cannot be used with {name}: the gradient penalty is "
                         "per sample and batch normalisation mixes samples; use 'layer' or 'none'")
    hidden = model.hidden
    if hidden is None:
        hidden = recipe["model.hidden"][0] if model.family != "mlp" else from_recipe("model.hidden")
    standardize = model.standardize
    if standardize is None:
        user_points = kind == "points" and data_benchmark(config.data.name) is None
        standardize = chosen("model.standardize", user_points,
                             _("your point data is standardised for training and mapped back") if user_points else
                             _("only your own point data is standardised; bundled data trains as is"))
    model = replace(model, critic_norm=norm, hidden=hidden, standardize=standardize)
    if objective.pack is None:
        objective = replace(objective, pack=chosen("objective.pack", *pack_for_benchmark(data_benchmark(
            config.data.name))))
    train = config.train
    if train.batch_size % objective.pack:
        raise ValueError(f"train.batch_size {train.batch_size} is not a multiple of objective.pack {objective.pack}: "
                         "the discriminator judges whole packs")
    if train.sync_batchnorm and not train.device.startswith("cuda"):
        raise ValueError(f"train.sync_batchnorm needs CUDA (train.device is {train.device!r}): PyTorch's "
                         "SyncBatchNorm has no CPU implementation; on CPU each process normalises its own share "
                         "of the batch")
    if train.channels_last is None:  # points have no channels: off without a word
        on_cpu = train.device == "cpu"
        train = replace(train, channels_last=model.family == "dcgan" and chosen(
            "train.channels_last", on_cpu,
            _("DCGAN trains faster on the CPU in channels-last layout (benchmarks/bench_speed.py)") if on_cpu else
            _("not measured on this device yet, so off (on the CPU it is on: measured faster there)")))
    data = config.data
    if data.image_size is None:  # points have no size: the schema's default without a word
        data = replace(data, image_size=chosen("data.image_size", *image_size_for(data_benchmark(data.name)))
                       if kind == "images" else IMAGE_SIZE)
    if model.width is None:  # MLPs have no channels: the schema's default without a word
        model = replace(model, width=chosen("model.width", *width_for(data_benchmark(data.name)))
                        if model.family == "dcgan" else WIDTH)
    if train.eval_samples is None:
        benchmark = data_benchmark(config.data.name)
        train = replace(train, eval_samples=chosen("train.eval_samples", PROTOCOL_SAMPLES[benchmark],
                                                   _("the {benchmark} protocol's sample count").format(
                                                       benchmark=benchmark or "default")))
    return replace(config, data=data, optim=optim, objective=objective, model=model, train=train), notes


# The best recipe for points trains longer on data of more clusters (a grid of 49 Gaussians is not a ring of 8):
# 6,000 steps and 280 more per cluster, rounded down to 500s, at most 14,000. Tuned on ring8 (8,000), grid25
# (13,000) and the tuning half of benchmarks/heldout_mixtures.py; benchmarks/bench_quality.py holds it to its budgets.
STEPS_BASE, STEPS_PER_CLUSTER, STEPS_MAX = 6000, 280, 14000
STEPS_UNCOUNTED = 8000  # data whose clusters are not counted (more than 2 dimensions)


def steps_for_clusters(clusters: int | None) -> tuple[int, str]:
    """``train.steps`` for data showing ``clusters`` separate clusters (None: not counted), and why.

    >>> steps_for_clusters(8)
    (8000, '8 separate clusters in the data: 6,000 + 280 per cluster, rounded down to 500s, at most 14,000')
    >>> steps_for_clusters(25)[0], steps_for_clusters(64)[0], steps_for_clusters(1)[0]
    (13000, 14000, 6000)
    >>> steps_for_clusters(None)[0]
    8000
    """
    if clusters is None:
        return STEPS_UNCOUNTED, _("clusters are counted in 1-D and 2-D data of 500 points or more only: "
                                  "{steps}").format(steps=f"{STEPS_UNCOUNTED:,}")
    steps = min(STEPS_MAX, 500 * ((STEPS_BASE + STEPS_PER_CLUSTER * clusters) // 500))
    return steps, _("{n} separate clusters in the data: {base} + {per} per cluster, rounded down to 500s, at most "
                    "{most}").format(n=clusters, base=f"{STEPS_BASE:,}", per=STEPS_PER_CLUSTER, most=f"{STEPS_MAX:,}")


# The bundled digits are 8×8 images: the best recipe trains at that size (data.image_size: null). Enlarged to 16×16,
# as the recipe did before, they carry no more information (the pixels between are interpolated), the DCGAN has
# one stride-2 stage more and every step costs about three times as long (docs/lab.md). Other images: 16×16.
IMAGE_SIZE, IMAGE_SIZE_FOR_BENCHMARK = 16, {"digits": 8, "stacked-digits": 8}


def image_size_for(benchmark: str | None) -> tuple[int, str]:
    """``data.image_size`` of the best recipe for images of ``benchmark`` (None: a user's images), and why.

    >>> image_size_for("digits")[0], image_size_for("stacked-digits")[0], image_size_for(None)[0]
    (8, 8, 16)
    """
    if benchmark in IMAGE_SIZE_FOR_BENCHMARK:
        return IMAGE_SIZE_FOR_BENCHMARK[benchmark], _(
            "the digits' own size: enlarging them adds interpolated pixels, no information, and triples the time "
            "of a step")
    return IMAGE_SIZE, _("images are resized to 16×16 (a DCGAN that trains in minutes on a CPU)")


# Stacked digits hold three digits to an image: the best recipe gives them nets twice as wide. On the digits alone
# width 64 met the target in 3 of the 5 seeds it was run on, width 32 in 8 of 10 (benchmarks/results/
# quality_digits_own8*.txt), so they keep 32.
WIDTH, WIDTH_FOR_BENCHMARK = 32, {"stacked-digits": 64}


def width_for(benchmark: str | None) -> tuple[int, str]:
    """``model.width`` of the best recipe for images of ``benchmark`` (None: a user's images), and why.

    >>> width_for("stacked-digits")[0], width_for("digits")[0], width_for(None)[0]
    (64, 32, 32)
    """
    if benchmark in WIDTH_FOR_BENCHMARK:
        return WIDTH_FOR_BENCHMARK[benchmark], _("three digits to an image: nets twice as wide")
    return WIDTH, _("the best recipe's width (G's last hidden layer and D's first have 32 channels)")


# The best recipe for images trains this many steps (train.steps: null); stacked digits, with D judging pairs,
# take about 40,000 steps in their 15-minute budget and keep improving (benchmarks/results/quality_stacked.txt); the
# digits at their own 8×8, in batches of 128, take 10,000 to 22,500 steps to their target (benchmarks/results/
# quality_digits_b128_standing.txt): 30,000 leave the rest to the 10-minute limit, which ends them first on slower
# machines.
IMAGE_STEPS, IMAGE_STEPS_FOR_BENCHMARK = 25000, {"stacked-digits": 40000, "digits": 30000}


def steps_for_images(benchmark: str | None) -> tuple[int, str]:
    """``train.steps`` of the best recipe for images of ``benchmark`` (None: a user's images), and why.

    >>> steps_for_images("stacked-digits")[0], steps_for_images("digits")[0], steps_for_images(None)[0]
    (40000, 30000, 25000)
    """
    if benchmark == "stacked-digits":
        return IMAGE_STEPS_FOR_BENCHMARK[benchmark], _(
            "the {benchmark} benchmark's 1,000 modes keep improving for longer").format(benchmark=benchmark)
    if benchmark == "digits":
        return IMAGE_STEPS_FOR_BENCHMARK[benchmark], _(
            "the bundled digits at their own 8×8: about as many steps as their benchmark's 10 minutes hold")
    return IMAGE_STEPS, _("the best recipe for images")


# PacGAN's packing where it was made for: the 1,000 modes of stacked digits, where it lowers the KL at equal time.
# On digits it cost quality at equal time, so other data is judged one sample at a time (docs/lab.md).
PACK_FOR_BENCHMARK = {"stacked-digits": 2}


def pack_for_benchmark(benchmark: str | None) -> tuple[int, str]:
    """``objective.pack`` for data of ``benchmark`` left to the recipe (``objective.pack: null``), and why.

    >>> pack_for_benchmark("stacked-digits")[0], pack_for_benchmark("digits")[0], pack_for_benchmark(None)[0]
    (2, 1, 1)
    """
    if benchmark in PACK_FOR_BENCHMARK:
        return PACK_FOR_BENCHMARK[benchmark], _(
            "D judges pairs of samples (PacGAN) on the {benchmark} benchmark's 1,000 modes").format(
            benchmark=benchmark)
    return 1, _("D judges one sample at a time: packing helps only the 1,000 modes of stacked digits")


# The targets of the bundled image benchmarks (benchmarks/bench_quality.py): the best recipe for images stops
# at the first evaluation that meets its data's (train.stop_when: null).
PROTOCOL_TARGETS: dict[str, tuple[str, ...]] = {
    "digits": ("classes_covered >= 10", "frechet <= 2 * frechet_floor"),
    "stacked-digits": ("modes_covered >= 990", "kl <= 0.1"),
}


def stop_for_benchmark(benchmark: str | None) -> tuple[tuple[str, ...], str]:
    """``train.stop_when`` for data of ``benchmark`` (None: none), and why.

    >>> stop_for_benchmark("digits")[0]
    ('classes_covered >= 10', 'frechet <= 2 * frechet_floor')
    >>> stop_for_benchmark(None)
    ((), 'no benchmark scores this data: train to train.steps')
    """
    if benchmark not in PROTOCOL_TARGETS:
        return (), _("no benchmark scores this data: train to train.steps")
    return PROTOCOL_TARGETS[benchmark], _("the {benchmark} benchmark's target: stop once an evaluation meets "
                                          "it").format(benchmark=benchmark)


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
