"""``gandojo tour``: the seed's story in six steps, each trained or computed on the spot, printed with what it
shows and why, and gathered into ``tour.html``: a lesson page read top to bottom, each step with a heading, a few
sentences, its figures, its numbers as tables, and the command that lets the reader try it.

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

import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from gandojo.atomic import make_folder
from gandojo.config import Config, apply_overrides, load_preset, resolve
from gandojo.distances import score_plan, transport
from gandojo.formatting import display_width, pad, short_number
from gandojo.i18n import N_, _
from gandojo.inference import load_trainer
from gandojo.lessons import parallel_lines
from gandojo.models import build_models
from gandojo.models.dcgan_rules import RULES, discriminator_violations, generator_violations
from gandojo.objectives import OBJECTIVES
from gandojo.play import frames
from gandojo.report import embedded_image, render, run_report, write_text
from gandojo.runs.checkpoint import list_checkpoints
from gandojo.runs.folder import LOCK_FILE, FolderLock
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run
from gandojo.viz import save_png
from gandojo.viz.fonts import in_reader_language
from gandojo.viz.landscape import Moment, plot_landscapes
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


@dataclass(frozen=True)
class Table:
    """Numbers of a step: a header and rows of text (the first column left-aligned, the others right-aligned)."""

    header: list[str]
    rows: list[list[str]]

    def text(self) -> str:
        """The table as aligned terminal lines (wide characters count two columns)."""
        lines = [self.header, *self.rows]
        widths = [max(display_width(row[k]) for row in lines) for k in range(len(self.header))]

        def line(row: list[str]) -> str:
            cells = [pad(row[0], widths[0])] + [" " * (widths[k] - display_width(v)) + v
                                                for k, v in enumerate(row) if k]
            return "  " + "  ".join(cells).rstrip()

        return "\n".join(line(row) for row in lines)


@dataclass(frozen=True)
class Picture:
    path: Path
    caption: str


@dataclass
class Chapter:
    """One step of the tour: its blocks in order (paragraphs, tables, pictures), the run folders it links, the
    command that lets the reader try it."""

    title: str
    blocks: list[str | Table | Picture] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    seconds: float = 0.0


def logit_gradient(g_loss, logits: torch.Tensor) -> torch.Tensor:
    """|∂ loss / ∂ d| for each logit d on its own (the losses average over the batch, so undo the mean)."""
    d = logits.clone().requires_grad_(True)
    (g_loss(d) * len(d)).backward()
    return d.grad.abs()


@in_reader_language
def saturation_figure() -> Figure:
    """|∂ loss_G / ∂ logit| of the minimax and the non-saturating generator losses against D(G(z))."""
    fig = Figure(figsize=(6, 3.6))
    ax = fig.add_subplot()
    d = torch.linspace(-10, 6, 400)
    for name, label in (("gan-minimax", _("minimax: log(1 − D(G(z)))")),
                        ("gan", _("non-saturating: −log D(G(z))"))):
        ax.semilogy(torch.sigmoid(d), logit_gradient(OBJECTIVES[name].g_loss, d).clamp_min(1e-6), label=label)
    ax.set(xlabel="D(G(z))", ylabel="|∂ loss_G / ∂ logit|", title=_("Which generator loss gives G a gradient?"))
    ax.legend(loc="lower center", fontsize=8)
    return fig


# The worked example's three optimal plans: each costs 8, and each moves a different amount of mass
WORKED_PLANS = {1: "3,0,1,2;0,4,0,0;0,0,3,0;0,0,0,1",   # straight from x1 to where mass is missing
                2: "3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,1",   # one cell along at a time
                3: "3,3,0,0;0,1,1,2;0,0,3,0;0,0,0,1"}   # through x2
WORSE_PLAN = "3,0,0,3;0,4,0,0;0,0,3,0;0,0,1,0"


def _matrix(text: str) -> list[list[float]]:
    return [[float(v) for v in row.split(",")] for row in text.split(";")]


class Tour:
    def __init__(self, out: Path, budget: Budget, stream: TextIO, cache_dir: str | Path | None):
        self.out, self.budget, self.stream, self.cache_dir = out, budget, stream, cache_dir
        self.chapters: list[Chapter] = []

    def begin(self, title: str) -> Chapter:
        print(f"\n== {title} ==", file=self.stream, flush=True)
        return Chapter(title)

    def say(self, chapter: Chapter, text: str) -> None:
        chapter.blocks.append(text)
        print(text, file=self.stream, flush=True)

    def table(self, chapter: Chapter, header: list[str], rows: list[list[str]]) -> None:
        table = Table(header, rows)
        chapter.blocks.append(table)
        print(table.text(), file=self.stream, flush=True)

    def picture(self, chapter: Chapter, path: Path, caption: str) -> None:
        chapter.blocks.append(Picture(path, caption))
        print(_("figure: {path}").format(path=path), file=self.stream, flush=True)

    def try_it(self, chapter: Chapter, *commands: str) -> None:
        chapter.commands += commands
        print(_("Try it: {commands}").format(commands="; ".join(commands)), file=self.stream, flush=True)

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
        c = self.begin(_("1. Two players and V(D, G)"))
        self.say(c, _("G turns noise into samples, D scores them; they play min_G max_D V(D, G) with "
                      "V = E[log D(x)] + E[log(1 - D(G(z)))]. G can minimise log(1 - D(G(z))) (the game as written, "
                      "gan-minimax) or maximise log D(G(z)) (non-saturating, gan). The gradient each gives G, "
                      "through D's logit d, when D rejects a fake with D(G(z)) = sigmoid(d):"))
        logits = torch.tensor([-8.0, -4.0, -2.0, 0.0, 2.0])
        grads = {name: logit_gradient(OBJECTIVES[name].g_loss, logits) for name in ("gan-minimax", "gan")}
        self.table(c, ["D(G(z))", _("minimax |grad|"), _("non-saturating |grad|")],
                   [[f"{torch.sigmoid(logit).item():.4f}", f"{grads['gan-minimax'][i].item():.4f}",
                     f"{grads['gan'][i].item():.4f}"] for i, logit in enumerate(logits)])
        self.say(c, _("Early in training D rejects fakes (D(G(z)) near 0): the minimax gradient vanishes exactly "
                      "then, the non-saturating one is largest. Same fixed point, very different start."))
        self.picture(c, save_png(saturation_figure(), self.out / "1-players" / "saturation.png"),
                     _("The gradient each generator loss gives G, against how surely D rejects the fake."))
        self.say(c, _("Both losses on 1-D data N(3, 0.5²), {steps} generator steps each:").format(
            steps=self.budget.one_d))
        rows = []
        for name in ("gan-minimax", "gan"):
            summary = self.train(c, f"1-players/{name}", [
                "data.name=gaussian1d", f"objective.name={name}", f"train.steps={self.budget.one_d}",
                f"train.eval_every={max(1, self.budget.one_d // 4)}", f"train.sample_every={self.budget.one_d}"])
            e = summary["evaluation"]
            value = read_metrics(c.runs[-1] / "metrics.jsonl")[-1].get("value")
            rows.append([name, f"{e['mean']:.2f}", f"{e['std']:.2f}", f"{e['data_mean']:.2f}",
                         f"{e['data_std']:.2f}", f"{value:.3f}"])
        self.table(c, [_("objective"), _("generated mean"), _("generated std"), _("data mean"), _("data std"),
                       _("V(D, G) at the end")], rows)
        self.say(c, _("At the game's equilibrium V(D, G) = −log 4 = {value:.3f}.").format(value=-math.log(4)))
        self.try_it(c, "gandojo play --data gaussian1d --objective gan-minimax",
                    "gandojo train --data gaussian1d --objective gan --out runs/1d")
        return c

    # 2, 3 ---------------------------------------------------------------------------------------------------
    def _mode_chapter(self, c: Chapter, name: str, overrides: list[str], preset: str | None) -> dict[str, Any]:
        steps = self.budget.three_mode
        # checkpoints at four moments, kept, for D's landscape below (checkpoints change nothing in training)
        summary = self.train(c, name, [*overrides, f"train.checkpoint_every={max(1, steps // 4)}",
                                       "train.keep_checkpoints=8", "train.checkpoint_seconds=1000000000"], preset)
        run_dir = c.runs[-1]
        records = [r for r in read_metrics(run_dir / "metrics.jsonl") if "modes_covered" in r]
        self.table(c, [_("step"), _("modes covered")],
                   [[str(r["step"]), f"{r['modes_covered']}/{r['modes_total']}"] for r in records])
        e = summary["evaluation"]
        self.table(c, [_("mode"), _("data"), _("generated")],
                   [[mode, f"{100 * share['data']:.1f}%", f"{100 * share['generated']:.1f}%"]
                    for mode, share in e["per_mode"].items()])
        rkl = "–" if e["reverse_kl"] is None else f"{e['reverse_kl']:.2f}"
        self.say(c, _("modes covered {covered}/{total} · high quality {hq:.1f}% · reverse KL {rkl}").format(
            covered=e["modes_covered"], total=e["modes_total"], hq=100 * e["high_quality"], rkl=rkl))
        self.picture(c, self._landscapes(run_dir), _("D's landscape and G's samples at four moments of this run: "
                                                     "where D's reading is high, G is pushed."))
        return summary

    def _landscapes(self, run_dir: Path) -> Path:
        """D's landscape with G's samples and their push, from the run's checkpoints at four moments."""
        paths = [*list_checkpoints(run_dir / "checkpoints"), run_dir / "checkpoints" / "final.pt"]
        paths = [p for p in paths if p.is_file()]
        picked = [paths[round(k * (len(paths) - 1) / 3)] for k in range(4)] if len(paths) >= 4 else paths
        moments, real, label = [], None, "D(x)"
        for path in dict.fromkeys(picked):
            trainer = load_trainer(path)
            if real is None:
                real = trainer.data.sample(frames.METRIC_SAMPLES, torch.Generator().manual_seed(0)).numpy()
                view = frames.view_of(real)
                label = "D(x)" if trainer.objective.scores == "probability" else _("critic f(x)")
            arrays = frames.frame(trainer, view, frames.latent_mesh(trainer, view.mesh, view.dim), view.grid_points())
            moments.append(Moment(trainer.g_step, arrays["heat"].reshape(view.grid, view.grid), arrays["fake"],
                                  arrays["grad"], view.lo, view.hi))
        return plot_landscapes(moments, real, run_dir / "landscape.png", score_label=label)

    def collapse(self) -> Chapter:
        c = self.begin(_("2. Mode collapse"))
        steps = self.budget.three_mode
        self.say(c, _("Three equally likely clusters, 'dog', 'cat' and 'bird'. The data is 33/33/33; a generator "
                      "that only fools D needs none of that. The original GAN, seed {seed}, {steps} steps:").format(
            seed=COLLAPSE_SEED, steps=steps))
        overrides = [f"train.seed={COLLAPSE_SEED}", f"train.steps={steps}", f"train.eval_every={max(1, steps // 6)}"]
        e = self._mode_chapter(c, "2-collapse", overrides, "three-mode-gan")["evaluation"]
        covered, total = e["modes_covered"], e["modes_total"]
        if covered == 0:
            self.say(c, _("No sample is near any mode yet: too few steps to see a collapse (run the tour without "
                          "--quick)."))
        elif covered < total and e["high_quality"] >= 0.8:
            self.say(c, _("It covers {covered} of {total}: high quality alone ({hq:.1f}%) would call this a success; "
                          "coverage and the reverse KL ({rkl:.2f}) show the collapse.").format(
                covered=covered, total=total, hq=100 * e["high_quality"], rkl=e["reverse_kl"]))
        elif covered < total:
            self.say(c, _("It covers {covered} of {total}: the missing modes are the collapse.").format(
                covered=covered, total=total))
        else:
            self.say(c, _("This time it covers all {covered} modes (GAN runs vary; other seeds collapse; see "
                          "`gandojo compare --data three-mode`).").format(covered=covered))
        self.try_it(c, "gandojo play --preset collapse",
                    f"gandojo train --preset three-mode-gan --seed {COLLAPSE_SEED} --out runs/collapse")
        return c

    def wgan_gp(self) -> Chapter:
        c = self.begin(_("3. WGAN-GP on the same data"))
        steps = self.budget.three_mode
        self.say(c, _("The same data, seed and {steps} steps with the Wasserstein objective and gradient "
                      "penalty:").format(steps=steps))
        e = self._mode_chapter(c, "3-wgan-gp", [
            "data.name=three-mode", "objective.name=wgan-gp", f"train.seed={COLLAPSE_SEED}", f"train.steps={steps}",
            f"train.eval_every={max(1, steps // 10)}", f"train.sample_every={max(1, steps // 3)}"], None)["evaluation"]
        records = [r for r in read_metrics(c.runs[-1] / "metrics.jsonl")
                   if r.get("w_exact") is not None and r.get("w_estimate") is not None]
        self.say(c, _("It covers {covered} of {total} modes.").format(covered=e["modes_covered"],
                                                                       total=e["modes_total"]))
        if len(records) >= 3:
            rho = spearmanr([r["w_estimate"] for r in records], [r["w_exact"] for r in records]).statistic
            self.table(c, [_("step"), _("critic's estimate of W"), _("exact W1 of samples")],
                       [[str(r["step"]), f"{r['w_estimate']:.3f}", f"{r['w_exact']:.3f}"]
                        for r in records[:: max(1, len(records) // 5)]])
            self.say(c, _("The critic's estimate against the exact W1 at {n} evaluations: Spearman ρ = {rho:+.2f}."
                          ).format(n=len(records), rho=rho))
            if rho >= 0.5:
                self.say(c, _("The critic's estimate falls as the samples approach the data: a loss you can read "
                              "progress from (a GAN's D loss is not; see benchmarks/RESULTS.md)."))
            else:
                self.say(c, _("Over so short a run the estimate and the exact W1 do not move together yet; with "
                              "more steps they do (benchmarks/RESULTS.md)."))
        self.picture(c, c.runs[-1] / "losses.png", _("The training curves: losses, D's outputs, the critic's "
                                                     "estimate beside the exact W1, modes covered."))
        self.try_it(c, "gandojo play --data three-mode --objective wgan-gp",
                    "gandojo compare --data three-mode --objectives gan,wgan-gp --seeds 3 --out runs/cmp")
        return c

    # 4 ------------------------------------------------------------------------------------------------------
    def transport(self) -> Chapter:
        c = self.begin(_("4. The Wasserstein distance by hand"))
        p, q, x = [6, 4, 3, 1], [3, 4, 4, 3], [1, 2, 3, 4]
        r = transport(p, q, positions=x)
        self.say(c, _("P = {p}, Q = {q} cells at x = {x}: the cheapest way to turn P into Q moves {moves}, for a "
                      "cost (mass × distance) of {cost}.").format(p=p, q=q, x=x, moves="; ".join(r.moves),
                                                                  cost=short_number(r.distance)))
        self.say(c, _("It is not the only way: three plans that each cost {cost}, moving different amounts of mass "
                      "(rows: from x1..x4, columns: to x1..x4):").format(cost=short_number(r.distance)))
        rows = []
        for number, plan in WORKED_PLANS.items():
            scored = score_plan(_matrix(plan), p, q, positions=x)
            rows.append([_("plan {n}").format(n=number), plan, short_number(scored.distance),
                         f"{scored.normalized('mass'):.4f}", short_number(scored.moved_mass),
                         f"{scored.normalized('mean_move'):.4f}"])
            self.picture(c, plot_transport(scored, self.out / "4-transport" / f"plan-{number}.png",
                                           title=_("plan {n}: cost {cost}, {moved} cells moved").format(
                                               n=number, cost=short_number(scored.distance),
                                               moved=short_number(scored.moved_mass))),
                         _("plan {n}").format(n=number))
        self.table(c, [_("plan"), _("rows"), _("total cost"), _("per unit of mass"), _("mass moved"),
                       _("mean move")], rows)
        worse = score_plan(_matrix(WORSE_PLAN), p, q, positions=x)
        self.say(c, _("Another plan, {plan}, costs {cost} ({extra} more): not optimal.").format(
            plan=WORSE_PLAN, cost=short_number(worse.distance), extra=short_number(worse.excess_cost(r))))
        self.say(c, _("The normalisations of the optimum:"))
        self.table(c, [_("normalisation"), _("value"), _("how")], [
            [_("per unit of mass"), f"{r.normalized('mass'):.4f}",
             f"{short_number(r.distance)} / {short_number(r.mass)} = {r.normalized('mass'):.4f}"],
            [_("per largest distance"), f"{r.normalized('max_distance'):.4f}",
             _("per mass and largest distance ({d})").format(d=short_number(r.max_distance))],
            [_("mean move"), f"{r.normalized('mean_move'):.4f}",
             _("per unit of mass the plan moves ({m})").format(m=short_number(r.moved_mass))]])
        shape_p, shape_q = [.2, .2, .2, .2, .2], [0, .2, .2, .2, .4]
        scales = []
        for positions in ([0, .25, .5, .75, 1], [0, 250, 500, 750, 1000]):
            s = transport(shape_p, shape_q, positions=positions)
            scales.append([f"[0, {short_number(positions[-1])}]", short_number(s.distance),
                           short_number(s.normalized("max_distance"))])
        self.say(c, _("The same shapes on two scales:"))
        self.table(c, [_("positions"), _("raw"), _("per largest distance")], scales)
        self.say(c, _("The raw cost grows with the units; the max-distance normalisation does not."))
        self.try_it(c, f'gandojo wasserstein --plan "{WORKED_PLANS[2]}" --figure plan.png')
        return c

    # 5 ------------------------------------------------------------------------------------------------------
    def parallel_lines(self) -> Chapter:
        c = self.begin(_("5. Why JS fails where W does not"))
        self.say(c, _("P0 is the segment {0} × [0, 1], Pθ the same segment at x = θ:"))
        rows = []
        for theta in (-1.0, -0.5, 0.0, 0.5, 1.0):
            v = parallel_lines(theta)
            rows.append([f"{theta:.1f}", f"{v.w:.2f}", f"{v.js:.4f}", f"{v.kl:.1f}", f"{v.tv:.0f}",
                         f"{v.grad_w:.0f}", f"{v.grad_js:.0f}"])
        self.table(c, ["θ", "W", "JS", "KL", "TV", "dW/dθ", "dJS/dθ"], rows)
        self.say(c, _("Apart, JS stays at log 2 whatever the gap: gradient 0, no direction for G (the vanishing "
                      "gradient). W = |θ| shrinks as the lines approach and its gradient points home from everywhere."))
        self.picture(c, plot_parallel_lines(self.out / "5-parallel-lines" / "example1.png"),
                     _("The four distances and their gradients along θ."))
        self.try_it(c, "gandojo divergences --figure example1.png")
        return c

    # 6 ------------------------------------------------------------------------------------------------------
    def dcgan(self) -> Chapter:
        c = self.begin(_("6. DCGAN on the bundled digits"))
        steps = self.budget.dcgan
        config = resolve(load_preset("digits-dcgan"))
        side = config.data.image_size
        g, d = build_models(config.model, (1, side, side))  # the bundled digits: one channel
        g.eval()
        d.eval()
        broken = generator_violations(g, torch.randn(2, config.model.latent_dim)) + discriminator_violations(
            d, torch.randn(2, 1, side, side))
        self.say(c, _("The architecture rules that made convolutional GANs train, checked on the model below by "
                      "walking the layers its forward pass runs:"))
        self.table(c, [_("rule"), _("holds")], [[_(rule), "✓" if not broken else "·"] for rule in RULES])
        self.say(c, _("All hold.") if not broken else _("Broken: {what}").format(what="; ".join(broken)))
        self.say(c, _("Training it for {steps} steps on scikit-learn's 1,797 digits (16×16):").format(steps=steps))
        summary = self.train(c, "6-dcgan", [f"train.steps={steps}", f"train.eval_every={max(1, steps // 2)}",
                                            f"train.sample_every={max(1, steps // 4)}"], "digits-dcgan")
        e = summary["evaluation"]
        self.table(c, [_("measure"), _("value")], [
            [_("classes covered"), f"{e['classes_covered']}/{e.get('classes_total', 10)}"],
            [_("Fréchet distance"), "–" if e["frechet"] is None else f"{e['frechet']:.2f}"],
            [_("its floor (real vs real)"), f"{e['frechet_floor']:.2f}"],
            [_("class KL"), "–" if e["class_kl"] is None else f"{e['class_kl']:.3f}"],
            *[[_(label), "–" if e[name] is None else f"{e[name]:.3f}"] for name, label in (
                ("precision", N_("precision")), ("recall", N_("recall")), ("density", N_("density")),
                ("coverage", N_("coverage")))]])
        snapshots = sorted((c.runs[-1] / "samples").glob("step_*.png"))
        self.picture(c, snapshots[-1], _("G's samples at the end (the same noise at every snapshot)"))
        self.picture(c, c.runs[-1] / "real.png", _("real digits"))
        self.try_it(c, "gandojo train --preset digits-dcgan --out runs/digits", "gandojo report runs/digits")
        return c

    def html(self, total: float) -> Path:
        def block(item: str | Table | Picture) -> dict[str, Any]:
            if isinstance(item, Table):
                return {"kind": "table", "header": item.header, "rows": item.rows}
            if isinstance(item, Picture):
                image = embedded_image(item.path, item.caption) if item.path.is_file() else None
                return {"kind": "picture", "image": image, "caption": item.caption}
            return {"kind": "text", "text": item}

        chapters = [{"title": chapter.title, "blocks": [block(b) for b in chapter.blocks],
                     "runs": [str(r.relative_to(self.out)) for r in chapter.runs], "commands": chapter.commands,
                     "seconds": chapter.seconds} for chapter in self.chapters]
        page = render("tour.html", title=_("The gandojo tour"), total=total, chapters=chapters)
        return write_text(self.out / "tour.html", page)


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
        raise ValueError(_("{out} is not empty and holds no earlier tour; choose a new --out").format(out=out))
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
        print(_("[{title}: {seconds:.1f} s]").format(title=chapter.title, seconds=chapter.seconds),
              file=runner.stream, flush=True)
    total = time.perf_counter() - started
    path = runner.html(total)
    print(_("\nThe tour took {seconds:.0f} s. Open {path}").format(seconds=total, path=path), file=runner.stream,
          flush=True)
    print(_("Then watch the game as it happens: gandojo play (D's landscape, G's gradients, mode collapse live; "
            "'Side by side' puts the collapsing GAN beside WGAN-GP)"), file=runner.stream, flush=True)
    return path
