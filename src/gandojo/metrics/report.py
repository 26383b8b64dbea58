"""Results told to people and to programs: the tables ``train`` and ``evaluate`` print, one line on what was
scored, and strict JSON (non-finite numbers as null)."""

from __future__ import annotations

import math
from typing import Any

from gandojo.formatting import display_width, pad
from gandojo.i18n import N_, _

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
    step = "" if scored["step"] is None else _(" (step {step})").format(step=scored["step"])
    seed = (_("the run's own evaluation streams (seed {seed}), as its final evaluation").format(
        seed=scored["streams_of_seed"]) if scored["seed"] is None else _("seed {seed}").format(seed=scored["seed"]))
    return _("scored {samples} samples of {source}{step}, {seed}").format(samples=scored["samples"],
                                                                        source=scored["source"], step=step, seed=seed)


def format_evaluation(result: dict[str, Any]) -> str:
    """A human-readable rendering of :func:`evaluate_samples`'s result."""
    lines = []
    if "per_mode" in result:
        lines.append(format_mode_table(result))
    if "classes_covered" in result or result.get("modes_total") == 1000:
        lines.append(format_image_metrics(result))
    if "mean" in result:
        lines.append(_("generated mean {mean:.3f} std {std:.3f} · data mean {data_mean:.3f} std {data_std:.3f}"
                       ).format(**result))
    if result.get("wasserstein") is not None:
        lines.append(_("Wasserstein-1 to real data {value:.4f}").format(value=result["wasserstein"]))
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
    label = _(label)
    data, generated = _("data"), _("generated")
    width = max(display_width(label), *(display_width(name) for name in shares))
    return [f"{pad(label, width)}  {pad(data, 5)}  {generated}"] + [
        f"{pad(name, width)}  {100 * share['data']:4.1f}%  {100 * share['generated']:5.1f}%"
        for name, share in shares.items()]


def format_mode_table(result: dict) -> str:
    """Render a mode report given as its JSON dict (see :meth:`ModeReport.to_json`)."""
    lines = share_table(N_("mode"), result["per_mode"])
    rkl = result["reverse_kl"]
    rkl_text = _("n/a (no high-quality sample)") if rkl is None else f"{rkl:.2f}"
    lines.append(_("modes covered {covered}/{total} · high quality {hq:.1f}% · reverse KL {rkl}").format(
        covered=result["modes_covered"], total=result["modes_total"], hq=100 * result["high_quality"], rkl=rkl_text))
    return "\n".join(lines)


def channel_table(per_channel: list[dict[str, float]]) -> list[str]:
    """Stacked digits: one line per digit with its share in each channel (the data draws 10% each).

    >>> print("\\n".join(channel_table([{"0": 0.5, "1": 0.5}] * 3)))
    digit  channel 1  channel 2  channel 3
    0          50.0%      50.0%      50.0%
    1          50.0%      50.0%      50.0%
    """
    label = _("digit")
    heads = [_("channel {n}").format(n=n + 1) for n in range(len(per_channel))]
    width = display_width(label)
    columns = [max(display_width(h), 6) for h in heads]
    lines = [pad(label, width) + "".join("  " + pad(h, w) for h, w in zip(heads, columns, strict=True))]
    for digit in per_channel[0]:
        lines.append(pad(digit, width) + "".join(
            "  " + f"{100 * shares[digit]:.1f}%".rjust(w) for shares, w in zip(per_channel, columns, strict=True)))
    return lines


def format_image_metrics(result: dict[str, Any]) -> str:
    """Human-readable table of a digits or stacked-digits result."""
    lines = share_table(N_("class"), result["per_class"]) if "per_class" in result else []
    if "classes_covered" in result:
        lines.append(_("classes covered {covered}/{total} · confident {confident:.1f}% · class KL {kl}").format(
            covered=result["classes_covered"], total=result.get("classes_total", 10),
            confident=100 * result.get("confident", 0), kl=fmt(result["class_kl"], ".3f")))
        lines.append(_("Fréchet distance {frechet} (floor, real vs real: {floor:.2f})").format(
            frechet=fmt(result["frechet"], ".2f"), floor=result["frechet_floor"]))
        lines.append(_("precision {precision} · recall {recall} · density {density} · coverage {coverage}").format(
            **{k: fmt(result[k], ".3f") for k in ("precision", "recall", "density", "coverage")}))
    if result.get("modes_total") == 1000 and "kl" in result:
        lines.append(_("modes covered {covered}/1000 · KL {kl} (real data: {real}/1000, KL {real_kl:.3f})").format(
            covered=result["modes_covered"], kl=fmt(result["kl"], ".3f"), real=result["real_modes_covered"],
            real_kl=result["real_kl"]))
    if result.get("kl_channels") is not None:
        lines[:0] = channel_table(result["per_channel"])
        lines.append(_("KL {kl:.3f} = channels {channels} + dependence {dependence:.3f}").format(
            kl=result["kl"], channels=" + ".join(f"{k:.3f}" for k in result["kl_channels"]),
            dependence=result["kl_dependence"]))
        lines.append(_("(channels: their digits against 10% each; dependence: partly finite samples)"))
    if "classifier_accuracy" in result:
        lines.append(_("(digits classifier, held-out accuracy {accuracy:.1f}%)").format(
            accuracy=100 * result["classifier_accuracy"]))
    return "\n".join(lines)
