"""``gandojo train``, ``presets``, ``report`` and ``compare``: parse the options, call the library, print."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

import gandojo.config as cfg
from gandojo.catalogue import DATA
from gandojo.cli.app import CacheDir, app, console, err_console, say
from gandojo.cli.lazy import lazy_import
from gandojo.errors import SignalStop, StopRequested, stop_signal
from gandojo.i18n import _
from gandojo.objectives import OBJECTIVES

comparison = lazy_import("gandojo.comparison")
distributed = lazy_import("gandojo.distributed")
pages = lazy_import("gandojo.report")
results = lazy_import("gandojo.metrics.report")
runner = lazy_import("gandojo.runs.runner")
tour_module = lazy_import("gandojo.tour")

# the registries' names, for the help texts: a new objective or data set appears in --help without an edit here
OBJECTIVE_NAMES = ", ".join(OBJECTIVES)
DATA_NAMES = ", ".join(DATA)


def stopped_line(err: KeyboardInterrupt) -> str:
    """What a stop signal did to a run, in one line (``interrupted: a checkpoint was written at step 12``)."""
    signum = err.signum if isinstance(err, SignalStop) else signal.SIGINT
    what = _("interrupted") if signum == signal.SIGINT else _("terminated by {signal}").format(
        signal=signal.Signals(signum).name)
    saved = getattr(err, "saved_step", None)
    if isinstance(err, StopRequested):
        return _("{what}: a checkpoint was written at step {step}").format(what=what, step=saved)
    newest = (_("; the newest checkpoint is step {step}").format(step=saved) if saved is not None
              else _("; no checkpoint yet"))
    return _("{what} at once: no checkpoint of the unfinished step{newest}").format(what=what, newest=newest)


def exit_code(err: KeyboardInterrupt) -> int:
    """128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + stop_signal(err)


def _split_overrides(extra: list[str] | None) -> list[str]:
    overrides = list(extra or [])
    bad = [item for item in overrides if "=" not in item]
    if bad:
        raise ValueError(_("unexpected argument {argument!r}; overrides look like section.key=value "
                           "(e.g. train.steps=100)").format(argument=bad[0]))
    return overrides


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": False},
    epilog="Examples:\n\n"
    "  gandojo train --preset ring8-gan --out runs/ring8\n\n"
    "  gandojo train --data grid25 --objective gan-minimax --steps 3000 --out runs/grid\n\n"
    "  gandojo train --data my_points.npy --steps 500 model.latent_dim=4 --out runs/mine\n\n"
    "  gandojo train --preset digits-dcgan --data path/to/images --steps 3000 data.image_size=32 --out runs/img\n\n"
    "  gandojo train --preset ring8-gan --dry-run\n\n"
    "  gandojo train --resume runs/ring8 --steps 4000\n\n"
    "  torchrun --standalone --nproc_per_node=2 -m gandojo train --preset digits-dcgan --out runs/ddp",
)
def train(
    ctx: typer.Context,
    preset: Annotated[str | None, typer.Option(help="A bundled preset name or a YAML file [default: the best "
                                               "recipe for the data's kind; with --objective, that objective's "
                                               "paper defaults].")] = None,
    data: Annotated[str | None, typer.Option(help=f"Data set name ({DATA_NAMES}) or a path: .npy/.npz/.csv/.txt "
                                             "points, image arrays, an image folder, IDX files, CIFAR-10 "
                                             "batches.")] = None,
    model: Annotated[str | None, typer.Option(help="Model family: mlp or dcgan.")] = None,
    objective: Annotated[str | None, typer.Option(help=f"The game: {OBJECTIVE_NAMES} (gan is the non-saturating "
                                                  "GAN; gandojo objectives says what each is).")] = None,
    steps: Annotated[int | None, typer.Option(help="Generator steps.")] = None,
    time_limit: Annotated[str | None, typer.Option(help="Stop cleanly (evaluate, checkpoint, summary) after this "
                                                   "much training time: 120s, 2m, 1.5h.")] = None,
    stop_when: Annotated[list[str] | None, typer.Option(help="Stop cleanly at the first evaluation where this "
                                                        "holds: 'kl <= 0.1', 'frechet <= 2 * frechet_floor', "
                                                        "'modes_covered >= 25' (repeat it: every one must "
                                                        "hold).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Batch size of each step: under torchrun the global "
                                                   "batch, split evenly across the processes.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (runs are reproducible on CPU).")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder to create.")] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue the run in this folder.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the resolved config, with the defaults chosen "
                                          "and why, and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
    tensorboard: Annotated[bool, typer.Option("--tensorboard", help="Also log scalars and snapshots to RUN/tb/ "
                                              "(train.tensorboard; needs the tensorboard package).")] = False,
    backend: Annotated[str | None, typer.Option(help="Under torchrun: gloo or nccl [default: gloo for CPU "
                                                "tensors, nccl for CUDA ones].")] = None,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads of this process [default: PyTorch's: "
                                                "every core, or OMP_NUM_THREADS (torchrun sets 1 per process)]. "
                                                "Results on the CPU depend on it.")] = None,
    cache_dir: CacheDir = None,
):
    """Train a GAN and write a run folder (config, metrics, samples, checkpoints, figures, summary).

    Extra arguments of the form section.key=value override any config value. Under torchrun every process runs
    this same command: rank 0 writes the run folder, the others train their share of each batch.
    """
    limit = None if time_limit is None else cfg.parse_budget(time_limit)
    if limit is not None and limit[0] != "seconds":
        raise ValueError(_("--time-limit {value}: a time such as 120s or 2m (use --steps for steps)").format(
            value=time_limit))
    flags = {"data.name": data, "model.family": model, "train.batch_size": batch_size, "train.seed": seed,
             "train.time_limit": None if limit is None else limit[1], "train.tensorboard": tensorboard or None}
    overrides = [f"{k}={v}" for k, v in flags.items() if v is not None] + _split_overrides(ctx.args)
    if stop_when:
        overrides.append(f"train.stop_when={';'.join(stop_when)}")
    if resume is None:
        config, recipe = cfg.requested_config(preset=preset, objective=objective, data=data, steps=steps,
                                              overrides=overrides)
        if dry_run:
            checked, notes = runner.check_config(config)
            if recipe is not None:
                notes.insert(0, _("preset: {recipe}, the best recipe for this kind of data; choose another with "
                                  "--preset or --objective. {description}").format(
                    recipe=recipe, description=cfg.preset_description(recipe)))
            console.print(cfg.dump_yaml(checked) + "".join(f"# {line}\n" for line in notes), end="",
                          markup=False, highlight=False)
            return
        if out is None:
            raise ValueError(_("say where the run goes: --out DIR (or --resume RUN_DIR)"))
    elif preset is not None or dry_run:
        raise ValueError(_("--resume continues a saved run as it was saved; --preset and --dry-run are for new "
                           "runs"))
    run_dir = out if resume is None else resume
    distributed.set_threads(threads)
    world = distributed.world_from_env(os.environ)  # torchrun's RANK/WORLD_SIZE/LOCAL_RANK; one process without
    try:
        with distributed.process_group(world, backend):
            if resume is None:
                summary = runner.train_run(config, out, progress=not quiet, cache_dir=cache_dir, world=world,
                                           report=pages.run_report)
            else:
                summary = runner.resume_run(resume, steps=steps, progress=not quiet, cache_dir=cache_dir, world=world,
                                            overrides=overrides + ([f"objective.name={objective}"] if objective
                                                                   is not None else []), report=pages.run_report)
    except KeyboardInterrupt as err:
        if world.is_main:
            err_console.print(_("{stopped}; continue with --resume {run}").format(stopped=stopped_line(err),
                                                                                  run=run_dir), markup=False)
        raise typer.Exit(exit_code(err)) from None
    if summary is None:  # a rank other than 0 under torchrun: rank 0 reports
        return
    say(results.format_evaluation(summary["evaluation"]))
    console.print(_("run folder: {run} ({new} new steps, {steps} in all, {seconds:.1f} s)").format(
        run=run_dir, new=summary["new_steps"], steps=summary["steps"], seconds=summary["seconds"]), markup=False,
        highlight=False)


@app.command()
def objectives():
    """List the objectives (the games) --objective and compare take, each with its paper and its defaults."""
    width = max(map(len, OBJECTIVES))
    for name, game in OBJECTIVES.items():
        d = game.defaults
        optimizer = f"{d.optimizer}({d.lr:g}" + (f", betas {d.betas[0]:g}, {d.betas[1]:g}" if d.optimizer == "adam"
                                                 else "") + ")"
        say(f"{name:<{width}}  {game.description} ({game.paper}); {optimizer}, {d.n_critic} critic step"
            f"{'s' if d.n_critic > 1 else ''} per generator step")


@app.command()
def presets():
    """List the bundled presets, each with what it shows. Without --preset or --objective, train uses the best
    recipe for the data (best-points, best-images)."""
    names = cfg.preset_names()
    width = max(map(len, names))
    for name in names:
        say(f"{name:<{width}}  {cfg.preset_description(name)}")



@app.command(epilog="Examples:\n\n  gandojo tour\n\n  gandojo tour --quick --out runs/quick-tour")
def tour(
    out: Annotated[Path, typer.Option(help="Folder of the tour (replaced if it holds an earlier tour).")]
    = Path("runs/tour"),
    quick: Annotated[bool, typer.Option("--quick", help="Smaller budgets: under a minute instead of three.")]
    = False,
    cache_dir: CacheDir = None,
):
    """The seed's story in six steps, computed on the spot: the two players, mode collapse, WGAN-GP, the
    Wasserstein distance by hand, why JS fails where W does not, DCGAN on digits. Writes OUT/tour.html."""
    tour_module.tour(out, quick=quick, cache_dir=cache_dir)


@app.command(epilog="Examples:\n\n  gandojo report runs/ring8\n\n  gandojo report runs/cmp")
def report(
    folder: Annotated[Path, typer.Argument(help="A run folder, or a comparison's folder.")],
):
    """Write FOLDER/report.html again: one self-contained page (config, summary, curves, evaluations, samples
    over training and their animation) that opens offline. train and compare write it themselves."""
    if (folder / "comparison.json").is_file():
        saved = json.loads((folder / "comparison.json").read_text())
        folders = {o: [r["folder"] for r in runs] for o, runs in saved["runs"].items()}
        for names in folders.values():
            for name in names:
                if (folder / name / "config.yaml").is_file():
                    pages.run_report(folder / name)
        path = pages.comparison_report(folder, (folder / "comparison.txt").read_text(), folders,
                                 f"Comparison on {saved['data']}, {saved['budget']} per run")
    elif (folder / "config.yaml").is_file():
        path = pages.run_report(folder)
    else:
        raise ValueError(_("{folder} is not a run folder (no config.yaml) nor a comparison (no comparison.json)"
                           ).format(folder=folder))
    say(_("wrote {path}").format(path=path))


@app.command(epilog="Examples:\n\n"
             "  gandojo compare --data grid25 --objectives gan,wgan,wgan-gp,best --seeds 5 --budget 60s "
             "--out runs/cmp\n\n"
             "  gandojo compare --data ring8 --budget 2000steps --seeds 3 --out runs/ring --json\n\n"
             "  gandojo compare --data digits --objectives gan,best --budget 3m --out runs/digits-cmp")
def compare(
    data: Annotated[str, typer.Option(help="Data set name or path, as for train.")] = "ring8",
    objectives: Annotated[str, typer.Option(help=f"Comma-separated: any of {OBJECTIVE_NAMES}, and best (the best "
                                            "recipe for the data).")] = "gan,gan-minimax,wgan,wgan-gp,best",
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 for every objective.")] = 3,
    budget: Annotated[str, typer.Option(help="Training per run: seconds (60s, 2m) or steps (2000steps).")] = "60s",
    out: Annotated[Path, typer.Option(help="Folder of the comparison: one run folder per objective and seed.")]
    = Path("runs/compare"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as one JSON object.")] = False,
    cache_dir: CacheDir = None,
):
    """Train several objectives on the same data, seeds and budget; print and save a table (mean ± std over
    the seeds) and a figure with a panel per objective. Finished runs are reused, interrupted ones resumed: a
    Ctrl-C or SIGTERM stops the current run cleanly (checkpoint, summary) and a rerun continues from there."""
    names = [name.strip() for name in objectives.split(",") if name.strip()]
    try:
        result = comparison.compare(data, names, seeds, budget, out, cache_dir=cache_dir,
                                stream=err_console.file if as_json else None)
    except KeyboardInterrupt as err:  # the current run stopped cleanly; the rest is left to a rerun
        err_console.print(_("{stopped}; run the same gandojo compare command again to continue").format(
            stopped=stopped_line(err)), markup=False)
        raise typer.Exit(exit_code(err)) from None
    if as_json:
        print(json.dumps(result.to_json()))
        return
    say(result.table())
    say(_("comparison folder: {out} (comparison.txt, comparison.json, comparison.png)").format(out=out))
