r"""The Wasserstein (earth mover's) toolkit: exact distances, transport plans, normalisation, divergences.

The Wasserstein distance answers "how much mass, moved how far, turns P into Q". For two histograms
:math:`a` (n cells) and :math:`b` (m cells) with equal total mass and a ground cost :math:`C_{ij}`
(the distance from cell i to cell j), the earth mover's cost is

.. math:: W(a, b) = \min_{\gamma \ge 0,\ \gamma 1 = a,\ \gamma^T 1 = b} \sum_{ij} \gamma_{ij} C_{ij}

and the minimising :math:`\gamma` (rows: from, columns: to) is the optimal transport plan.

What is here:

- :func:`wasserstein_1d`: exact :math:`W_p` between 1-D samples or weighted histograms (sorted-CDF
  method, any sizes, weights treated as distributions, as in ``scipy.stats.wasserstein_distance``).
- :func:`transport`: exact discrete optimal transport (POT's network simplex, result code checked),
  returning a :class:`TransportResult` with the raw cost, the plan, the normalisations and the moves.
- :func:`score_plan` / :func:`plan_cost`: check a hand-made plan and give its cost, to compare with
  the optimum.
- :func:`earth_movers_distance`: :func:`transport`'s cost, raw or normalised, as one number.
- :func:`wasserstein`: :math:`W_p` between point clouds of shape ``(n, d)``: exact, or sliced (an
  estimate of a different quantity) for large clouds.
- :func:`divergences`: KL both ways, Jensen–Shannon, total variation and :math:`W_1` of two
  histograms on one support.

Library semantics worth knowing when comparing numbers: ``scipy.stats.wasserstein_distance``
normalises its weights (as :func:`wasserstein_1d` does); ``ot.wasserstein_1d`` does not, and returns
:math:`W_p^p`; ``ot.dist``'s default metric is the *squared* Euclidean distance; ``ot.emd2`` returns
0.0 with only a warning when the solver fails, which is why :func:`transport` checks the result code.
"""

from gandojo.distances._checks import NORMALIZATIONS, Normalize
from gandojo.distances.clouds import CloudDistance, CloudMethod, cloud_distance, resolve_method, wasserstein
from gandojo.distances.divergence import Divergences, divergences, kl_divergence
from gandojo.distances.one_d import wasserstein_1d
from gandojo.distances.plans import Move, TransportResult, earth_movers_distance, plan_cost, score_plan, transport
from gandojo.errors import TransportError

__all__ = ["NORMALIZATIONS", "CloudDistance", "CloudMethod", "Divergences", "Move", "Normalize", "TransportError",
           "TransportResult", "cloud_distance", "divergences", "earth_movers_distance", "kl_divergence", "plan_cost",
           "resolve_method", "score_plan", "transport", "wasserstein", "wasserstein_1d"]
