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

from gandojo.config.defaults import (
    GENERIC_DEFAULTS,
    RECIPES,
    pack_for_benchmark,
    recipe_for,
    requested_config,
    resolve,
    resolve_explained,
    steps_for_clusters,
    steps_for_images,
    stop_for_benchmark,
    with_objective,
)
from gandojo.config.files import (
    dump_yaml,
    load_preset,
    load_yaml,
    parse_budget,
    preset_description,
    preset_names,
    save_yaml,
)
from gandojo.config.schema import (
    PROTOCOL_SAMPLES,
    SECTIONS,
    Benchmark,
    Config,
    DataConfig,
    ModelConfig,
    ModelFamily,
    NoiseKind,
    Norm,
    ObjectiveConfig,
    ObjectiveName,
    OptimConfig,
    OptimizerName,
    TrainConfig,
    apply_overrides,
    did_you_mean,
    from_dict,
    to_dict,
)

__all__ = [
    "Benchmark",
    "Config",
    "DataConfig",
    "GENERIC_DEFAULTS",
    "ModelConfig",
    "ModelFamily",
    "NoiseKind",
    "Norm",
    "ObjectiveConfig",
    "ObjectiveName",
    "OptimConfig",
    "OptimizerName",
    "PROTOCOL_SAMPLES",
    "RECIPES",
    "SECTIONS",
    "TrainConfig",
    "apply_overrides",
    "did_you_mean",
    "dump_yaml",
    "from_dict",
    "load_preset",
    "load_yaml",
    "parse_budget",
    "preset_description",
    "preset_names",
    "recipe_for",
    "requested_config",
    "resolve",
    "resolve_explained",
    "save_yaml",
    "pack_for_benchmark",
    "steps_for_clusters",
    "steps_for_images",
    "stop_for_benchmark",
    "to_dict",
    "with_objective",
]
