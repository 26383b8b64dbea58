"""``report.html``: one self-contained page per run folder (and per comparison), built from the files the run
already wrote: ``summary.json``, ``metrics.jsonl``, ``config.yaml``, ``losses.png``, the fixed-noise snapshots
and, for images, ``real.png``.

Every picture is embedded as a ``data:`` URI and the page has no script, font or style sheet from anywhere
else, so it opens offline by double-click and can be mailed as one file. The fixed-noise snapshots are also
assembled into ``samples/evolution.gif``, which the page shows beside the strip of snapshots.

The pages are Jinja2 templates (``gandojo/templates``) with its i18n extension: their words come from the message
catalog in the language in use (:mod:`gandojo.i18n`); the numbers, keys and file names are the same in both.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from gandojo import i18n
from gandojo.atomic import atomic_write
from gandojo.errors import describe_failure
from gandojo.health import warning_text
from gandojo.i18n import N_, _
from gandojo.metrics.report import format_evaluation
from gandojo.runs.progress import read_metrics
from gandojo.viz.images import save_gif

__all__ = ["comparison_report", "embedded_image", "evolution_gif", "html_page", "page_environment", "render",
           "run_report", "write_text"]

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans CJK JP", "Yu Gothic",
       sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; overflow-wrap: anywhere; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 13px; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #f0f0f0; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .strip { display: flex; gap: 6px; overflow-x: auto; padding-bottom: .5em; }
.strip figure { margin: 0; flex: 0 0 auto; text-align: center; font-size: 12px; } .strip img { height: 180px; }
.alert { border-left: 6px solid #c0392b; background: #fdecea; padding: .6em 1em; margin: 1em 0; }
.warn { border-left: 6px solid #e67e22; background: #fef5e7; padding: .6em 1em; margin: 1em 0; }
.ok { border-left: 6px solid #27ae60; background: #eafaf1; padding: .6em 1em; margin: 1em 0; }
.muted { color: #666; font-size: 13px; }
figure { margin: 1em 1em 1em 0; display: inline-block; vertical-align: top; max-width: 100%; }
figcaption { color: #555; font-size: 13px; }
.try { border-left: 6px solid #2d6cdf; background: #eef3fc; padding: .4em 1em; margin: 1em 0; }
.try pre { background: transparent; padding: .2em 0; margin: .2em 0; white-space: pre-wrap; }
table.numbers { max-width: 100%; display: block; overflow-x: auto; }
"""


@functools.cache
def page_environment() -> Environment:
    """The Jinja2 environment of gandojo's pages: its templates, HTML escaping, and gettext from the catalog
    (``_()`` in a template is :func:`gandojo.i18n._`, in the language in use when the page is rendered)."""
    environment = Environment(loader=PackageLoader("gandojo", "templates"), autoescape=select_autoescape(["html"]),
                              extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    environment.install_gettext_callables(gettext=lambda m: i18n._(m), ngettext=lambda s, p, n: i18n.ngettext(s, p, n),
                                          newstyle=True)
    return environment


def render(template: str, **values: Any) -> str:
    """A page from ``templates/TEMPLATE`` in the language in use (``lang`` and the style sheet filled in)."""
    return page_environment().get_template(template).render(lang=i18n.current(), style=Markup(STYLE), **values)


def _data_uri(path: Path) -> str:
    kind = {"png": "image/png", "gif": "image/gif"}[path.suffix.lstrip(".").lower()]
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def embedded_image(path: Path, alt: str) -> Markup:
    """An <img> holding the picture itself (a data: URI), so the page needs no other file."""
    return Markup('<img src="{}" alt="{}">').format(_data_uri(path), alt)


def html_page(title: str, body: list[str]) -> str:
    """A whole page from HTML fragments (already escaped) under the pages' style sheet; no script."""
    return render("fragments.html", title=title, body=Markup("\n".join(body)))


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` whole or not at all; returns ``path``."""
    atomic_write(path, lambda f: f.write(text.encode()))
    return path


def _snapshots(run_dir: Path) -> list[Path]:
    return sorted(p for p in (run_dir / "samples").glob("step_*.png"))


def evolution_gif(run_dir: str | Path, *, max_frames: int = 40) -> Path | None:
    """``samples/evolution.gif``: the fixed-noise snapshots in step order (at most ``max_frames``, evenly
    spaced, always the last), or None when the run has fewer than two."""
    from PIL import Image

    run_dir = Path(run_dir)
    paths = _snapshots(run_dir)
    if len(paths) < 2:
        return None
    keep = np.unique(np.linspace(0, len(paths) - 1, min(max_frames, len(paths))).round().astype(int))
    frames = []
    size = None
    for index in keep:
        with Image.open(paths[index]) as image:
            image = image.convert("RGB")
            size = size or image.size
            frames.append(np.asarray(image if image.size == size else image.resize(size)))
    return save_gif(frames, run_dir / "samples" / "evolution.gif", duration_ms=250)


def _cell(value: Any, spec: str = ".3f") -> Markup:
    if value is None:
        return Markup('<td class="num">–</td>')
    text = f"{value:{spec}}" if isinstance(value, float) else str(value)
    return Markup('<td class="num">{}</td>').format(text)


EVAL_COLUMNS = [("modes_covered", N_("modes"), "d"), ("high_quality", N_("HQ %"), "pct"),
                ("reverse_kl", N_("reverse KL"), ".3f"), ("w_exact", N_("exact W1"), ".4f"),
                ("w_estimate", N_("critic estimate"), ".4f"), ("classes_covered", N_("classes"), "d"),
                ("frechet", N_("Fréchet"), ".2f"), ("class_kl", N_("class KL"), ".3f")]


def _evaluations(records: list[dict[str, Any]]) -> dict[str, list]:
    """The evaluation steps of metrics.jsonl as a table: how coverage, quality and distances moved (labels, and
    each row's cells as text, step first)."""
    evaluated = [r for r in records if any(r.get(k) is not None for k in ("modes_covered", "w_exact", "frechet"))]
    columns = [c for c in EVAL_COLUMNS if any(r.get(c[0]) is not None for r in evaluated)]

    def text(value: Any, spec: str) -> str:
        if value is None:
            return "–"
        if spec == "pct":
            return f"{100 * value:.1f}"
        if spec == "d":
            return f"{value:.0f}"
        return f"{value:{spec}}" if isinstance(value, float) else str(value)

    rows = [[str(r["step"])] + [text(r.get(key), spec) for key, _label, spec in columns] for r in evaluated]
    return {"labels": [_(label) for _key, label, _spec in columns], "rows": rows}


SUMMARY_ROWS = [("status", N_("status")), ("objective", N_("objective")), ("data", N_("data")),
                ("model", N_("model")), ("steps", N_("generator steps (in all)")),
                ("new_steps", N_("new steps (this call)")), ("critic_steps", N_("critic steps")),
                ("seconds", N_("seconds of training")), ("steps_per_second", N_("steps per second"))]


# summary.json's status values, as the page words them
STATUSES = {"finished": N_("finished"), "interrupted": N_("interrupted"), "terminated": N_("terminated"),
            "time limit": N_("time limit"), "target reached": N_("target reached"), "failed": N_("failed"),
            "running": N_("running")}


def _failure(path: Path, run_dir: Path) -> dict[str, Any] | None:
    """``failure.json`` as the page shows it: its step, and what stopped the run and what to do in the reader's
    language."""
    if not path.is_file():
        return None
    failure = json.loads(path.read_text())
    what, hint = describe_failure(failure, run_dir)
    return {"step": failure.get("step"), "what": what, "hint": hint}


def _warnings(summary: dict[str, Any]) -> list[str]:
    """The run's health warnings in the reader's language (``summary.json`` keeps them in English, and as
    records from which they are said again; a summary without records shows its English words)."""
    records = summary.get("warning_records")
    if records is None:
        return list(summary.get("warnings") or [])
    return [warning_text(record) for record in records]


def run_report(run_dir: str | Path) -> Path:
    """Write ``RUN_DIR/report.html`` from what the run folder holds (and ``samples/evolution.gif``); returns its
    path. Works on any run folder, finished, interrupted or failed, and on one that has only its config."""
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"status": "running"}
    records = read_metrics(run_dir / "metrics.jsonl") if (run_dir / "metrics.jsonl").is_file() else []
    failure_path = run_dir / "failure.json"
    snapshots = _snapshots(run_dir)
    shown = snapshots if len(snapshots) <= 12 else [snapshots[int(i)] for i in
                                                  np.linspace(0, len(snapshots) - 1, 12).round()]
    gif = evolution_gif(run_dir) if snapshots else None
    evaluation = summary.get("evaluation")
    page = render(
        "run_report.html",
        title=_("{objective} on {data}: {run}").format(objective=summary.get("objective", "?"),
                                                        data=summary.get("data", "?"), run=run_dir.name),
        folder=str(run_dir.resolve()), run_dir=str(run_dir), summary=summary, status=summary.get("status"),
        failure=_failure(failure_path, run_dir), warnings=_warnings(summary),
        summary_rows=[(_(label), _(STATUSES[value]) if key == "status" and value in STATUSES else value)
                      for key, label in SUMMARY_ROWS for value in [summary.get(key)]], cell=_cell,
        evaluation=format_evaluation(evaluation) if evaluation else None,
        losses=embedded_image(run_dir / "losses.png", _("training curves"))
        if (run_dir / "losses.png").is_file() else None,
        evaluations=_evaluations(records),
        gif=embedded_image(gif, _("samples over training")) if gif is not None else None,
        snapshots=[(embedded_image(p, p.stem), int(re.sub(r"[^0-9]", "", p.stem))) for p in shown],
        real=embedded_image(run_dir / "real.png", _("real samples")) if (run_dir / "real.png").is_file() else None,
        config=(run_dir / "config.yaml").read_text() if (run_dir / "config.yaml").is_file() else None)
    return write_text(run_dir / "report.html", page)


def comparison_report(out: str | Path, table: str, folders: dict[str, list[str]], title: str) -> Path:
    """``OUT/report.html`` for a comparison: its table, its panel figure and a link to each run's report."""
    out = Path(out)
    figure = embedded_image(out / "comparison.png", "comparison") if (out / "comparison.png").is_file() else None
    page = render("comparison_report.html", title=title, table=table, figure=figure, folders=folders)
    return write_text(out / "report.html", page)
