"""gandojo: train, compare and diagnose the basic GANs, with mode collapse and Wasserstein distances measured.

The public API; every name here is documented and tested. Names are imported on first use (PEP 562), so
``import gandojo`` and the command line's ``--help`` start without loading torch or POT.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gandojo.version import __version__

# public name -> the module that defines it
_EXPORTS = {
    "Config": "gandojo.config", "apply_overrides": "gandojo.config", "load_preset": "gandojo.config",
    "resolve": "gandojo.config",
    "load_data": "gandojo.data",
    "Modes": "gandojo.data.toy", "grid25": "gandojo.data.toy", "ring8": "gandojo.data.toy",
    "three_mode": "gandojo.data.toy",
    "ModeReport": "gandojo.metrics.modes", "score_modes": "gandojo.metrics.modes",
    "DCGANDiscriminator": "gandojo.models.dcgan", "DCGANGenerator": "gandojo.models.dcgan",
    "MLPDiscriminator": "gandojo.models.mlp", "MLPGenerator": "gandojo.models.mlp",
    "OBJECTIVES": "gandojo.objectives", "gan_d_loss": "gandojo.objectives",
    "gan_g_loss_minimax": "gandojo.objectives", "gan_g_loss_nonsaturating": "gandojo.objectives",
    "gradient_penalty": "gandojo.objectives", "value_function": "gandojo.objectives",
    "wgan_critic_loss": "gandojo.objectives", "wgan_g_loss": "gandojo.objectives",
    "evaluate_run": "gandojo.inference", "load_generator": "gandojo.inference", "train_run": "gandojo.runs.runner",
    "Trainer": "gandojo.train", "fit": "gandojo.train",
    "TransportError": "gandojo.errors",
    "TransportResult": "gandojo.distances", "divergences": "gandojo.distances",
    "earth_movers_distance": "gandojo.distances", "parallel_lines": "gandojo.lessons",
    "plan_cost": "gandojo.distances", "score_plan": "gandojo.distances", "transport": "gandojo.distances",
    "wasserstein": "gandojo.distances", "wasserstein_1d": "gandojo.distances",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'gandojo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from gandojo.config import Config, apply_overrides, load_preset, resolve  # noqa: F401
    from gandojo.data import load_data  # noqa: F401
    from gandojo.data.toy import Modes, grid25, ring8, three_mode  # noqa: F401
    from gandojo.distances import (  # noqa: F401
        TransportResult,
        divergences,
        earth_movers_distance,
        plan_cost,
        score_plan,
        transport,
        wasserstein,
        wasserstein_1d,
    )
    from gandojo.errors import TransportError  # noqa: F401
    from gandojo.inference import evaluate_run, load_generator  # noqa: F401
    from gandojo.lessons import parallel_lines  # noqa: F401
    from gandojo.metrics.modes import ModeReport, score_modes  # noqa: F401
    from gandojo.models.dcgan import DCGANDiscriminator, DCGANGenerator  # noqa: F401
    from gandojo.models.mlp import MLPDiscriminator, MLPGenerator  # noqa: F401
    from gandojo.objectives import (  # noqa: F401
        OBJECTIVES,
        gan_d_loss,
        gan_g_loss_minimax,
        gan_g_loss_nonsaturating,
        gradient_penalty,
        value_function,
        wgan_critic_loss,
        wgan_g_loss,
    )
    from gandojo.runs.runner import train_run  # noqa: F401
    from gandojo.train import Trainer, fit  # noqa: F401
