"""``report.html``: one self-contained page per run folder (and per comparison), built from the files the run
already wrote: ``summary.json``, ``metrics.jsonl``, ``config.yaml``, ``losses.png``, the fixed-noise snapshots
and, for images, ``real.png``.

Every picture is embedded as a ``data:`` URI and the page has no script, font or style sheet from anywhere
else, so it opens offline by double-click and can be mailed as one file. The fixed-noise snapshots are also
assembled into ``samples/evolution.gif``, which the page shows beside the strip of snapshots.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from gandojo.atomic import atomic_write
from gandojo.metrics.report import format_evaluation
from gandojo.runs.progress import read_metrics
from gandojo.viz.images import save_gif

__all__ = ["comparison_report", "embedded_image", "evolution_gif", "html_page", "run_report", "write_text"]

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; }
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
"""


def _data_uri(path: Path) -> str:
    kind = {"png": "image/png", "gif": "image/gif"}[path.suffix.lstrip(".").lower()]
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def embedded_image(path: Path, alt: str) -> str:
    """An <img> holding the picture itself (a data: URI), so the page needs no other file."""
    return f'<img src="{_data_uri(path)}" alt="{html.escape(alt)}">'


def html_page(title: str, body: list[str]) -> str:
    """A whole page: the body's HTML fragments under one inline style sheet; no script."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


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


def _cell(value: Any, spec: str = ".3f") -> str:
    if value is None:
        return '<td class="num">–</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:{spec}}</td>'
    return f'<td class="num">{html.escape(str(value))}</td>'


EVAL_COLUMNS = [("modes_covered", "modes", "d"), ("high_quality", "HQ %", "pct"), ("reverse_kl", "reverse KL", ".3f"),
                ("w_exact", "exact W1", ".4f"), ("w_estimate", "critic estimate", ".4f"),
                ("classes_covered", "classes", "d"), ("frechet", "Fréchet", ".2f"), ("class_kl", "class KL", ".3f")]


def _evaluations_table(records: list[dict[str, Any]]) -> str:
    """The evaluation steps of metrics.jsonl as a table: how coverage, quality and distances moved."""
    evaluated = [r for r in records if any(r.get(k) is not None for k in ("modes_covered", "w_exact", "frechet"))]
    if not evaluated:
        return "<p class=\"muted\">No evaluation step was logged.</p>"
    columns = [c for c in EVAL_COLUMNS if any(r.get(c[0]) is not None for r in evaluated)]
    head = "<tr><th>step</th>" + "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns) + "</tr>"
    rows = []
    for r in evaluated:
        cells = [f'<td class="num">{r["step"]}</td>']
        for key, _, spec in columns:
            value = r.get(key)
            if value is not None and spec == "pct":
                cells.append(f'<td class="num">{100 * value:.1f}</td>')
            elif value is not None and spec == "d":
                cells.append(f'<td class="num">{value:.0f}</td>')
            else:
                cells.append(_cell(value, spec if spec not in ("pct", "d") else ".3f"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + head + "".join(rows) + "</table>"


def _summary_table(summary: dict[str, Any]) -> str:
    rows = [("status", summary.get("status")), ("objective", summary.get("objective")), ("data", summary.get("data")),
            ("model", summary.get("model")), ("generator steps (in all)", summary.get("steps")),
            ("new steps (this call)", summary.get("new_steps")), ("critic steps", summary.get("critic_steps")),
            ("seconds of training", summary.get("seconds")), ("steps per second", summary.get("steps_per_second"))]
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th>{_cell(v, '.2f')}</tr>" for k, v in rows) + "</table>"


def run_report(run_dir: str | Path) -> Path:
    """Write ``RUN_DIR/report.html`` from what the run folder holds (and ``samples/evolution.gif``); returns its
    path. Works on any run folder, finished, interrupted or failed, and on one that has only its config."""
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"status": "running"}
    records = read_metrics(run_dir / "metrics.jsonl") if (run_dir / "metrics.jsonl").is_file() else []
    title = f"{summary.get('objective', '?')} on {summary.get('data', '?')}: {run_dir.name}"
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class=\"muted\">gandojo run report · {html.escape(str(run_dir.resolve()))}</p>"]

    status = summary.get("status")
    failure_path = run_dir / "failure.json"
    if failure_path.is_file():
        failure = json.loads(failure_path.read_text())
        body.append(f"<div class=\"alert\"><b>Training failed at step {failure.get('step')}</b>: "
                    f"{html.escape(str(failure.get('what', '')))}. {html.escape(str(failure.get('hint', '')))}</div>")
    elif status == "interrupted":
        body.append(f"<div class=\"alert\"><b>Interrupted</b> at step {summary.get('steps')}: continue with "
                    f"<code>gandojo train --resume {html.escape(str(run_dir))}</code>.</div>")
    elif status == "time limit":
        body.append(f"<div class=\"warn\"><b>Stopped at the time limit</b> after step {summary.get('steps')}.</div>")
    elif status == "finished":
        body.append(f"<div class=\"ok\"><b>Finished</b>: {summary.get('steps')} generator steps.</div>")
    for warning in summary.get("warnings") or []:
        body.append(f"<div class=\"warn\"><b>Health warning</b>: {html.escape(str(warning))}</div>")

    body.append("<h2>Summary</h2>" + _summary_table(summary))
    evaluation = summary.get("evaluation")
    if evaluation:
        body.append("<h2>Final evaluation</h2><pre>" + html.escape(format_evaluation(evaluation)) + "</pre>")
    if (run_dir / "losses.png").is_file():
        body.append("<h2>Training curves</h2><p>Losses and V(D, G); D(x) and D(G(z)) (critic scores for the "
                    "Wasserstein objectives); the critic's estimate of W beside the exact W1 of samples; coverage "
                    "and quality at each evaluation.</p>" + embedded_image(run_dir / "losses.png", "training curves"))
    body.append("<h2>Evaluations over training</h2>" + _evaluations_table(records))

    snapshots = _snapshots(run_dir)
    if snapshots:
        gif = evolution_gif(run_dir)
        body.append("<h2>Fixed-noise samples over training</h2>")
        if gif is not None:
            body.append("<p>The same latent noise at every snapshot, as an animation "
                        "(<code>samples/evolution.gif</code>):</p>" + embedded_image(gif, "samples over training"))
        shown = snapshots if len(snapshots) <= 12 else [snapshots[int(i)] for i in
                                                      np.linspace(0, len(snapshots) - 1, 12).round()]
        figures = [f"<figure>{embedded_image(p, p.stem)}<figcaption>step {int(re.sub(r'[^0-9]', '', p.stem))}"
                   "</figcaption></figure>" for p in shown]
        body.append("<div class=\"strip\">" + "".join(figures) + "</div>")
    if (run_dir / "real.png").is_file():
        body.append("<h2>Real data</h2>" + embedded_image(run_dir / "real.png", "real samples"))
    for note in summary.get("notes") or []:
        body.append(f"<p class=\"muted\">note: {html.escape(str(note))}</p>")
    if (run_dir / "config.yaml").is_file():
        body.append("<h2>Config</h2><details><summary>config.yaml (the full resolved config)</summary><pre>"
                    + html.escape((run_dir / "config.yaml").read_text()) + "</pre></details>")
    return write_text(run_dir / "report.html", html_page(title, body))


def comparison_report(out: str | Path, table: str, folders: dict[str, list[str]], title: str) -> Path:
    """``OUT/report.html`` for a comparison: its table, its panel figure and a link to each run's report."""
    out = Path(out)
    body = [f"<h1>{html.escape(title)}</h1>", "<h2>Table (mean ± std over the seeds)</h2>",
            "<pre>" + html.escape(table) + "</pre>"]
    if (out / "comparison.png").is_file():
        body.append("<h2>Samples, seed 0 of each</h2>" + embedded_image(out / "comparison.png", "comparison"))
    body.append("<h2>Runs</h2><ul>")
    for objective, names in folders.items():
        links = ", ".join(f'<a href="{html.escape(name)}/report.html">seed {seed}</a>'
                          for seed, name in enumerate(names))
        body.append(f"<li><b>{html.escape(objective)}</b>: {links}</li>")
    body.append("</ul>")
    return write_text(out / "report.html", html_page(title, body))
