"""``gandojo tour``: the seed's story in six steps, each trained or computed on the spot, printed with what it
shows and why, and gathered into one ``tour.html``.

1. The two players and V(D, G) on 1-D data: the minimax generator loss saturates, the non-saturating one
   does not.
2. Mode collapse: the original GAN on the three-mode "dog / cat / bird" data.
3. WGAN-GP on the same data and budget, its critic's estimate tracking the exact W.
4. The Wasserstein distance by hand: the worked example, its plans, the normalisations, the scale.
5. Why JS fails where W does not: the WGAN paper's parallel lines.
6. DCGAN on the bundled digits, with the architecture rules checked on the model it trains.

Every number printed is computed by this run; nothing is quoted.
"""

from __future__ import annotations

import html
import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import matplotlib.pyplot as plt
import torch
from scipy.stats import spearmanr

from gandojo.atomic import make_folder
from gandojo.config import Config, apply_overrides, load_preset, resolve
from gandojo.distances import score_plan, transport
from gandojo.lessons import parallel_lines
from gandojo.metrics.report import format_evaluation, format_mode_table
from gandojo.models import build_models
from gandojo.models.dcgan_rules import RULES, discriminator_violations, generator_violations
from gandojo.objectives import OBJECTIVES
from gandojo.report import embedded_image, html_page, run_report, write_text
from gandojo.runs.folder import LOCK_FILE, FolderLock
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run
from gandojo.viz import save_png
from gandojo.viz.transport import plot_parallel_lines, plot_transport

__all__ = ["FULL", "QUICK", "TOUR_STEPS", "Budget", "tour"]


@dataclass(frozen=True)
class Budget:
    """Generator steps of each training step of the tour (``--quick`` is the small one)."""

    one_d: int
    three_mode: int
    dcgan: int
    eval_samples: int | None = None  # None: each protocol's own count


FULL = Budget(one_d=600, three_mode=1500, dcgan=1000)
QUICK = Budget(one_d=200, three_mode=400, dcgan=200)
COLLAPSE_SEED = 1  # the three-mode GAN's seed in the tour: the README's seed table shows it collapsing


@dataclass
class Chapter:
    """One step of the tour: what it printed, its figures and the run folders it links."""

    title: str
    lines: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def logit_gradient(g_loss, logits: torch.Tensor) -> torch.Tensor:
    """|∂ loss / ∂ d| for each logit d on its own (the losses average over the batch, so undo the mean)."""
    d = logits.clone().requires_grad_(True)
    (g_loss(d) * len(d)).backward()
    return d.grad.abs()


class Tour:
    def __init__(self, out: Path, budget: Budget, stream: TextIO, cache_dir: str | Path | None):
        self.out, self.budget, self.stream, self.cache_dir = out, budget, stream, cache_dir
        self.chapters: list[Chapter] = []

    def begin(self, title: str) -> Chapter:
        print(f"\n== {title} ==", file=self.stream, flush=True)
        return Chapter(title)

    def say(self, chapter: Chapter, text: str = "") -> None:
        chapter.lines.append(text)
        print(text, file=self.stream, flush=True)

    def train(self, chapter: Chapter, name: str, overrides: list[str], preset: str | None = None) -> dict[str, Any]:

        base = load_preset(preset) if preset else Config()
        if self.budget.eval_samples is not None:
            overrides = [*overrides, f"train.eval_samples={self.budget.eval_samples}"]
        run_dir = self.out / name
        summary = train_run(apply_overrides(base, overrides), run_dir, progress=self.stream.isatty(),
                            stream=self.stream, cache_dir=self.cache_dir, report=run_report)
        chapter.runs.append(run_dir)
        return summary

    # 1 ------------------------------------------------------------------------------------------------------
    def players(self) -> Chapter:

        c = self.begin("1. Two players and V(D, G)")
        self.say(c, "G turns noise into samples, D scores them; they play min_G max_D V(D, G) with")
        self.say(c, "V = E[log D(x)] + E[log(1 - D(G(z)))]. G can minimise log(1 - D(G(z))) (the game as written,")
        self.say(c, "gan-minimax) or maximise log D(G(z)) (non-saturating, gan). The gradient each gives G, through")
        self.say(c, "D's logit d, when D rejects a fake with D(G(z)) = sigmoid(d):")
        logits = torch.tensor([-8.0, -4.0, -2.0, 0.0, 2.0])
        grads = {name: logit_gradient(OBJECTIVES[name].g_loss, logits) for name in ("gan-minimax", "gan")}
        self.say(c, f"  {'D(G(z))':>9}  {'minimax |grad|':>15}  {'non-saturating |grad|':>22}")
        for i, logit in enumerate(logits):
            self.say(c, f"  {torch.sigmoid(logit).item():9.4f}  {grads['gan-minimax'][i].item():15.4f}  "
                        f"{grads['gan'][i].item():22.4f}")
        self.say(c, "Early in training D rejects fakes (D(G(z)) near 0): the minimax gradient vanishes exactly then,")
        self.say(c, "the non-saturating one is largest. Same fixed point, very different start.")

        fig, ax = plt.subplots(figsize=(6, 3.6))
        d = torch.linspace(-10, 6, 400)
        for name, label in (("gan-minimax", "minimax: log(1 − D(G(z)))"), ("gan", "non-saturating: −log D(G(z))")):
            ax.semilogy(torch.sigmoid(d), logit_gradient(OBJECTIVES[name].g_loss, d).clamp_min(1e-6), label=label)
        ax.set(xlabel="D(G(z))", ylabel="|∂ loss_G / ∂ logit|", title="Which generator loss gives G a gradient?")
        ax.legend(loc="lower center", fontsize=8)
        c.figures.append(save_png(fig, self.out / "1-players" / "saturation.png"))

        self.say(c)
        self.say(c, f"Both losses on 1-D data N(3, 0.5²), {self.budget.one_d} generator steps each:")
        for name in ("gan-minimax", "gan"):
            summary = self.train(c, f"1-players/{name}", [
                "data.name=gaussian1d", f"objective.name={name}", f"train.steps={self.budget.one_d}",
                f"train.eval_every={max(1, self.budget.one_d // 4)}", f"train.sample_every={self.budget.one_d}"])
            e = summary["evaluation"]
            value = read_metrics(c.runs[-1] / "metrics.jsonl")[-1].get("value")
            self.say(c, f"  {name:<12} generated mean {e['mean']:.2f}, std {e['std']:.2f} (data {e['data_mean']:.2f}, "
                        f"{e['data_std']:.2f}); V(D, G) at the end {value:.3f} (equilibrium −log 4 = "
                        f"{-math.log(4):.3f})")
        return c

    # 2, 3 ---------------------------------------------------------------------------------------------------
    def _mode_chapter(self, c: Chapter, name: str, overrides: list[str], preset: str | None) -> dict[str, Any]:

        summary = self.train(c, name, overrides, preset)
        records = [r for r in read_metrics(c.runs[-1] / "metrics.jsonl") if "modes_covered" in r]
        self.say(c, "modes covered at each evaluation: " + ", ".join(
            f"step {r['step']}: {r['modes_covered']}/{r['modes_total']}" for r in records))
        self.say(c, format_mode_table(summary["evaluation"]))
        return summary

    def collapse(self) -> Chapter:
        c = self.begin("2. Mode collapse")
        steps = self.budget.three_mode
        self.say(c, "Three equally likely clusters, 'dog', 'cat' and 'bird'. The data is 33/33/33; a generator that")
        self.say(c, f"only fools D needs none of that. The original GAN, seed {COLLAPSE_SEED}, {steps} steps:")
        overrides = [f"train.seed={COLLAPSE_SEED}", f"train.steps={steps}", f"train.eval_every={max(1, steps // 6)}"]
        e = self._mode_chapter(c, "2-collapse", overrides, "three-mode-gan")["evaluation"]
        covered = e["modes_covered"]
        if covered == 0:
            self.say(c, "No sample is near any mode yet: too few steps to see a collapse (run the tour without "
                        "--quick).")
        elif covered < e["modes_total"] and e["high_quality"] >= 0.8:
            self.say(c, f"It covers {covered} of {e['modes_total']}: high quality alone "
                        f"({100 * e['high_quality']:.1f}%) would call this a success; coverage and the reverse KL "
                        f"({e['reverse_kl']:.2f}) show the collapse.")
        elif covered < e["modes_total"]:
            self.say(c, f"It covers {covered} of {e['modes_total']} (reverse KL {e['reverse_kl']:.2f}): the "
                        "missing modes are the collapse.")
        else:
            self.say(c, f"This time it covers all {covered} modes (GAN runs vary; other seeds collapse; see "
                        "`gandojo compare --data three-mode`).")
        return c

    def wgan_gp(self) -> Chapter:

        c = self.begin("3. WGAN-GP on the same data")
        steps = self.budget.three_mode
        self.say(c, f"The same data, seed and {steps} steps with the Wasserstein objective and gradient penalty:")
        e = self._mode_chapter(c, "3-wgan-gp", [
            "data.name=three-mode", "objective.name=wgan-gp", f"train.seed={COLLAPSE_SEED}", f"train.steps={steps}",
            f"train.eval_every={max(1, steps // 10)}", f"train.sample_every={max(1, steps // 3)}"], None)["evaluation"]
        records = [r for r in read_metrics(c.runs[-1] / "metrics.jsonl")
                   if r.get("w_exact") is not None and r.get("w_estimate") is not None]
        self.say(c, f"It covers {e['modes_covered']} of {e['modes_total']} modes.")
        if len(records) >= 3:
            rho = spearmanr([r["w_estimate"] for r in records], [r["w_exact"] for r in records]).statistic
            self.say(c, f"Its critic's estimate of W against the exact W1 of samples at {len(records)} evaluations: "
                        f"Spearman ρ = {rho:+.2f}")
            self.say(c, "  " + ", ".join(f"step {r['step']}: {r['w_estimate']:.3f} vs {r['w_exact']:.3f}"
                                         for r in records[:: max(1, len(records) // 5)]))
            if rho >= 0.5:
                self.say(c, "The critic's estimate falls as the samples approach the data: a loss you can read "
                            "progress from (a GAN's D loss is not; see benchmarks/RESULTS.md).")
            else:
                self.say(c, "Over so short a run the estimate and the exact W1 do not move together yet; with "
                            "more steps they do (benchmarks/RESULTS.md).")
        c.figures.append(c.runs[-1] / "losses.png")
        return c

    # 4 ------------------------------------------------------------------------------------------------------
    def transport(self) -> Chapter:

        c = self.begin("4. The Wasserstein distance by hand")
        p, q, x = [6, 4, 3, 1], [3, 4, 4, 3], [1, 2, 3, 4]
        r = transport(p, q, positions=x)
        self.say(c, f"P = {p}, Q = {q} cells at x = {x}: the cheapest way to turn P into Q moves")
        for move in r.moves:
            self.say(c, f"  {move}")
        self.say(c, f"for a cost (mass × distance) of {r.distance:g}.")
        for plan in ("3,0,0,3;0,4,0,0;0,0,3,0;0,0,1,0", "3,0,0,3;0,3,1,0;0,0,3,0;0,1,0,0"):
            rows = [[float(v) for v in row.split(",")] for row in plan.split(";")]
            mine = score_plan(rows, p, q, positions=x)
            self.say(c, f"  another plan, {plan}: costs {mine.distance:g} ({mine.distance - r.distance:g} more)")
        self.say(c, "Normalisations of the optimum:")
        self.say(c, f"  per unit of mass: {r.distance:g} / {r.mass:g} = {r.normalized('mass'):.4f}")
        self.say(c, f"  per mass and largest distance ({r.max_distance:g}): {r.normalized('max_distance'):.4f}")
        self.say(c, f"  per unit of mass the plan moves ({r.moved_mass:g}): {r.normalized('mean_move'):.4f}")
        shape_p, shape_q = [.2, .2, .2, .2, .2], [0, .2, .2, .2, .4]
        for positions in ([0, .25, .5, .75, 1], [0, 250, 500, 750, 1000]):
            s = transport(shape_p, shape_q, positions=positions)
            self.say(c, f"  the same shapes on [0, {positions[-1]}]: raw {s.distance:g}, "
                        f"per largest distance {s.normalized('max_distance'):g}")
        self.say(c, "The raw cost grows with the units; the max-distance normalisation does not.")
        c.figures.append(plot_transport(r, self.out / "4-transport" / "plan.png"))
        return c

    # 5 ------------------------------------------------------------------------------------------------------
    def parallel_lines(self) -> Chapter:

        c = self.begin("5. Why JS fails where W does not")
        self.say(c, "P0 is the segment {0} × [0, 1], Pθ the same segment at x = θ:")
        self.say(c, f"  {'θ':>5} {'W':>6} {'JS':>7} {'KL':>5} {'TV':>4} {'dW/dθ':>6} {'dJS/dθ':>7}")
        for theta in (-1.0, -0.5, 0.0, 0.5, 1.0):
            v = parallel_lines(theta)
            self.say(c, f"  {theta:5.1f} {v.w:6.2f} {v.js:7.4f} {v.kl:5.1f} {v.tv:4.0f} {v.grad_w:6.0f} "
                        f"{v.grad_js:7.0f}")
        self.say(c, "Apart, JS stays at log 2 whatever the gap: gradient 0, no direction for G. W = |θ| shrinks")
        self.say(c, "as the lines approach and its gradient points home from everywhere.")
        c.figures.append(plot_parallel_lines(self.out / "5-parallel-lines" / "example1.png"))
        return c

    # 6 ------------------------------------------------------------------------------------------------------
    def dcgan(self) -> Chapter:

        c = self.begin("6. DCGAN on the bundled digits")
        steps = self.budget.dcgan
        config = resolve(load_preset("digits-dcgan"))
        side = config.data.image_size
        g, d = build_models(config.model, (1, side, side))  # the bundled digits: one channel
        g.eval()
        d.eval()
        broken = generator_violations(g, torch.randn(2, config.model.latent_dim)) + discriminator_violations(
            d, torch.randn(2, 1, side, side))
        self.say(c, "The architecture rules that made convolutional GANs train, checked on the model below by walking")
        self.say(c, "the layers its forward pass runs:")
        for rule in RULES:
            self.say(c, f"  {'✓' if not broken else '·'} {rule}")
        self.say(c, "  all hold" if not broken else "  broken: " + "; ".join(broken))
        self.say(c, f"Training it for {steps} steps on scikit-learn's 1,797 digits (16×16):")
        summary = self.train(c, "6-dcgan", [f"train.steps={steps}", f"train.eval_every={max(1, steps // 2)}",
                                            f"train.sample_every={max(1, steps // 4)}"], "digits-dcgan")
        self.say(c, format_evaluation(summary["evaluation"]))
        snapshots = sorted((c.runs[-1] / "samples").glob("step_*.png"))
        c.figures += [snapshots[-1], c.runs[-1] / "real.png"]
        return c

    def html(self, total: float) -> Path:

        body = ["<h1>The gandojo tour</h1>",
                f"<p class=\"muted\">Six steps, computed on this machine in {total:.0f} s. Each run folder has its own "
                "report.</p>"]
        for chapter in self.chapters:
            body.append(f"<h2>{html.escape(chapter.title)}</h2><pre>{html.escape(chr(10).join(chapter.lines))}</pre>")
            body += [embedded_image(path, chapter.title) for path in chapter.figures if path.is_file()]
            if chapter.runs:
                links = ", ".join(f'<a href="{html.escape(str(r.relative_to(self.out)))}/report.html">'
                                  f"{html.escape(str(r.relative_to(self.out)))}</a>" for r in chapter.runs)
                body.append(f"<p>Run reports: {links}</p>")
            body.append(f"<p class=\"muted\">{chapter.seconds:.1f} s</p>")
        return write_text(self.out / "tour.html", html_page("The gandojo tour", body))


TOUR_STEPS = ("players", "collapse", "wgan_gp", "transport", "parallel_lines", "dcgan")


def tour(out: str | Path = "runs/tour", *, quick: bool = False, stream: TextIO | None = None,
         cache_dir: str | Path | None = None, budget: Budget | None = None) -> Path:
    """Run the six steps into ``out`` and write ``out/tour.html``; returns its path.

    ``out`` must be new, empty, or an earlier tour's folder (then it is replaced). ``budget`` overrides the
    step counts (``quick`` picks the small ones).
    """

    out = Path(out)
    earlier = [p for p in out.iterdir() if p.name != LOCK_FILE] if out.is_dir() else []
    if earlier and not (out / "tour.html").is_file():
        raise ValueError(f"{out} is not empty and holds no earlier tour; choose a new --out")
    make_folder(out)
    with FolderLock(out, command="tour"):  # one tour writes this folder at a time
        for path in earlier:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        return _run_tour(out, budget or (QUICK if quick else FULL), stream or sys.stdout, cache_dir)


def _run_tour(out: Path, budget: Budget, stream: TextIO, cache_dir: str | Path | None) -> Path:
    runner = Tour(out, budget, stream, cache_dir)
    started = time.perf_counter()
    for name in TOUR_STEPS:
        t0 = time.perf_counter()
        chapter = getattr(runner, name)()
        chapter.seconds = time.perf_counter() - t0
        runner.chapters.append(chapter)
        print(f"[{chapter.title}: {chapter.seconds:.1f} s]", file=runner.stream, flush=True)
    total = time.perf_counter() - started
    path = runner.html(total)
    print(f"\nThe tour took {total:.0f} s. Open {path}", file=runner.stream, flush=True)
    print("Then watch the game as it happens: gandojo play (D's landscape, G's gradients, mode collapse live; "
          "'Side by side' puts the collapsing GAN beside WGAN-GP)", file=runner.stream, flush=True)
    return path
