"""Results told to people and to programs: the tables ``train`` and ``evaluate`` print, one line on what was
scored, and strict JSON (non-finite numbers as null)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["describe_scored", "format_evaluation", "format_image_metrics", "format_mode_table", "json_safe"]


def fmt(value: Any, spec: str) -> str:
    """``format(value, spec)``, or ``n/a`` for a missing value."""
    return "n/a" if value is None else format(value, spec)


def json_safe(value: Any) -> Any:
    """Replace non-finite floats by None so the result is strict JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def describe_scored(scored: dict[str, Any]) -> str:
    """One line on what an evaluation scored (``evaluate_run``'s ``scored``)."""
    step = "" if scored["step"] is None else f" (step {scored['step']})"
    seed = ("the run's own evaluation streams (seed " f"{scored['streams_of_seed']}), as its final evaluation"
            if scored["seed"] is None else f"seed {scored['seed']}")
    return f"scored {scored['samples']} samples of {scored['source']}{step}, {seed}"


def format_evaluation(result: dict[str, Any]) -> str:
    """A human-readable rendering of :func:`evaluate_samples`'s result."""
    lines = []
    if "per_mode" in result:
        lines.append(format_mode_table(result))
    if "classes_covered" in result or result.get("modes_total") == 1000:
        lines.append(format_image_metrics(result))
    if "mean" in result:
        lines.append(f"generated mean {result['mean']:.3f} std {result['std']:.3f} · "
                     f"data mean {result['data_mean']:.3f} std {result['data_std']:.3f}")
    if result.get("wasserstein") is not None:
        lines.append(f"Wasserstein-1 to real data {result['wasserstein']:.4f}")
    if result.get("fid") is not None:
        lines.append(f"FID (Inception) {result['fid']:.2f}")
    if "note" in result:
        lines.append(result["note"])
    return "\n".join(lines)


def share_table(label: str, shares: dict[str, dict[str, float]]) -> list[str]:
    """The seed's table, one line per mode or class: its share in the data and among generated samples.

    >>> print("\\n".join(share_table("mode", {"dog": {"data": 1 / 3, "generated": 1.0}})))
    mode  data   generated
    dog   33.3%  100.0%
    """
    width = max(len(label), *(len(name) for name in shares))
    return [f"{label:<{width}}  data   generated"] + [
        f"{name:<{width}}  {100 * share['data']:4.1f}%  {100 * share['generated']:5.1f}%"
        for name, share in shares.items()]


def format_mode_table(result: dict) -> str:
    """Render a mode report given as its JSON dict (see :meth:`ModeReport.to_json`)."""
    lines = share_table("mode", result["per_mode"])
    rkl = result["reverse_kl"]
    rkl_text = "n/a (no high-quality sample)" if rkl is None else f"{rkl:.2f}"
    lines.append(f"modes covered {result['modes_covered']}/{result['modes_total']} · "
                 f"high quality {100 * result['high_quality']:.1f}% · reverse KL {rkl_text}")
    return "\n".join(lines)


def format_image_metrics(result: dict[str, Any]) -> str:
    """Human-readable table of a digits or stacked-digits result."""
    lines = share_table("class", result["per_class"]) if "per_class" in result else []
    if "classes_covered" in result:
        lines.append(f"classes covered {result['classes_covered']}/{result.get('classes_total', 10)} · "
                     f"confident {100 * result.get('confident', 0):.1f}% · class KL {fmt(result['class_kl'], '.3f')}")
        lines.append(f"Fréchet distance {fmt(result['frechet'], '.2f')} (floor, real vs real: "
                     f"{result['frechet_floor']:.2f})")
        lines.append(f"precision {fmt(result['precision'], '.3f')} · recall {fmt(result['recall'], '.3f')} · "
                     f"density {fmt(result['density'], '.3f')} · coverage {fmt(result['coverage'], '.3f')}")
    if result.get("modes_total") == 1000 and "kl" in result:
        lines.append(f"modes covered {result['modes_covered']}/1000 · KL {fmt(result['kl'], '.3f')} "
                     f"(real data: {result['real_modes_covered']}/1000, KL {result['real_kl']:.3f})")
    if "classifier_accuracy" in result:
        lines.append(f"(digits classifier, held-out accuracy {100 * result['classifier_accuracy']:.1f}%)")
    return "\n".join(lines)
