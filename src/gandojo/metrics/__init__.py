"""Metrics: mode collapse on data with known modes, and (for images) classifier-based scores."""

from gandojo.distances.divergence import kl_divergence
from gandojo.metrics.modes import ModeReport, score_modes

__all__ = ["ModeReport", "kl_divergence", "score_modes"]
