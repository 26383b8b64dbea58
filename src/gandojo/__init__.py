"""gandojo: train, compare and diagnose the basic GANs, with mode collapse and Wasserstein distances measured.

The public API; every name here is documented and tested.
"""

__version__ = "0.1.0"

from gandojo.config import Config, apply_overrides, load_preset, resolve  # noqa: E402
from gandojo.data import load_data  # noqa: E402
from gandojo.data.toy import Modes, grid25, ring8, three_mode  # noqa: E402
from gandojo.metrics.modes import ModeReport, score_modes  # noqa: E402
from gandojo.models.dcgan import DCGANDiscriminator, DCGANGenerator  # noqa: E402
from gandojo.models.mlp import MLPDiscriminator, MLPGenerator  # noqa: E402
from gandojo.objectives import (  # noqa: E402
    OBJECTIVES,
    gan_d_loss,
    gan_g_loss_minimax,
    gan_g_loss_nonsaturating,
    gradient_penalty,
    value_function,
    wgan_critic_loss,
    wgan_g_loss,
)
from gandojo.run import evaluate_run, load_generator, train_run  # noqa: E402
from gandojo.train import Trainer, fit  # noqa: E402
from gandojo.wasserstein import (  # noqa: E402
    TransportError,
    TransportResult,
    divergences,
    earth_movers_distance,
    parallel_lines,
    plan_cost,
    score_plan,
    transport,
    wasserstein,
    wasserstein_1d,
)

__all__ = [
    "OBJECTIVES", "Config", "DCGANDiscriminator", "DCGANGenerator",
    "MLPDiscriminator", "MLPGenerator", "ModeReport", "Modes", "Trainer",
    "__version__", "apply_overrides", "evaluate_run", "fit", "gan_d_loss", "gan_g_loss_minimax",
    "gan_g_loss_nonsaturating", "gradient_penalty", "grid25", "load_data", "load_generator", "load_preset",
    "resolve", "ring8", "score_modes", "three_mode", "train_run", "value_function", "wasserstein",
    "wasserstein_1d", "wgan_critic_loss", "wgan_g_loss", "TransportError", "TransportResult", "divergences",
    "earth_movers_distance", "parallel_lines", "plan_cost", "score_plan", "transport",
]
