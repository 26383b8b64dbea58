"""The ``gandojo`` command line: parses arguments and calls the library; holds no logic of its own.

Exit codes: 0 success, 1 failure (e.g. a loss went NaN), 2 usage or input error, 130 interrupted.
User errors print one line (``error: ...``) without a traceback unless ``--debug`` is given (anywhere on
the command line); the exit code is the same either way. Nothing heavy (torch, POT, matplotlib) is
imported before a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gandojo import cli_wasserstein
from gandojo import config as cfg
from gandojo.errors import CheckpointError, NonFiniteError

# soft_wrap: long lines are not cut at 80 columns when the output is a pipe or a file
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    name="gandojo",
    help="Train, compare and diagnose the basic GANs (GAN, WGAN, WGAN-GP, DCGAN), with mode collapse "
    "and Wasserstein distances measured.\n\n"
    "Examples:\n\n"
    "  gandojo train --preset ring8-gan --out runs/ring8\n\n"
    "  gandojo train --preset digits-dcgan --out runs/digits\n\n"
    "  gandojo evaluate runs/ring8\n\n"
    "  gandojo sample runs/ring8 -n 1000 --out samples.npy",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_debug = {"on": False}


@app.callback()
def _options(debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False):
    _debug["on"] = debug


CacheDir = Annotated[Path | None, typer.Option(
    envvar="GANDOJO_CACHE_DIR", help="Cache folder of the image metrics' digits classifier "
    "[default: ~/.cache/gandojo].")]


def _split_overrides(extra: list[str] | None) -> list[str]:
    overrides = list(extra or [])
    bad = [item for item in overrides if "=" not in item]
    if bad:
        raise ValueError(f"unexpected argument {bad[0]!r}; overrides look like section.key=value "
                         "(e.g. train.steps=100)")
    return overrides


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": False},
    epilog="Examples:\n\n"
    "  gandojo train --preset ring8-gan --out runs/ring8\n\n"
    "  gandojo train --data grid25 --objective gan-minimax --steps 3000 --out runs/grid\n\n"
    "  gandojo train --data my_points.npy --steps 500 model.latent_dim=4 --out runs/mine\n\n"
    "  gandojo train --preset digits-dcgan --data path/to/images --steps 3000 data.image_size=32 --out runs/img\n\n"
    "  gandojo train --preset ring8-gan --dry-run\n\n"
    "  gandojo train --resume runs/ring8 --steps 4000",
)
def train(
    ctx: typer.Context,
    preset: Annotated[str | None, typer.Option(help="A bundled preset name or a YAML file [default: none: the "
                                               "defaults for the data and objective, ring8 with gan].")] = None,
    data: Annotated[str | None, typer.Option(help="Data set name (ring8, grid25, three-mode, gaussian1d, "
                                             "mixture1d, digits, stacked-digits) or a path: .npy/.npz/.csv "
                                             "points, image arrays, an image folder, IDX files, CIFAR-10 "
                                             "batches.")] = None,
    model: Annotated[str | None, typer.Option(help="Model family: mlp or dcgan.")] = None,
    objective: Annotated[str | None, typer.Option(help="gan (non-saturating), gan-minimax, wgan, wgan-gp.")]
    = None,
    steps: Annotated[int | None, typer.Option(help="Generator steps.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Batch size.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (runs are reproducible on CPU).")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder to create.")] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue the run in this folder.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the resolved config, with the defaults chosen "
                                          "and why, and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
    cache_dir: CacheDir = None,
):
    """Train a GAN and write a run folder (config, metrics, samples, checkpoints, figures, summary).

    Extra arguments of the form section.key=value override any config value.
    """
    from gandojo.run import check_config, train_run

    overrides = _split_overrides(ctx.args)
    if resume is not None:
        run_config = cfg.load_yaml(Path(resume) / "config.yaml") if (Path(resume) / "config.yaml").exists() \
            else cfg.Config()
    else:
        run_config = cfg.load_preset(preset) if preset is not None else cfg.Config()
    flags = {"data.name": data, "model.family": model, "objective.name": objective, "train.steps": steps,
             "train.batch_size": batch_size, "train.seed": seed}
    flag_overrides = [f"{k}={v}" for k, v in flags.items() if v is not None]
    if objective is not None and resume is None:
        # A new objective takes its own paper-default optimizer unless the user sets one.
        flag_overrides += ["optim.name=null", "optim.lr=null", "optim.betas=null", "optim.momentum=null",
                           "objective.n_critic=null"]
    run_config = cfg.apply_overrides(run_config, flag_overrides + overrides)
    if dry_run:
        checked, notes = check_config(run_config)
        console.print(cfg.dump_yaml(checked) + "".join(f"# {line}\n" for line in notes), end="", markup=False,
                      highlight=False, soft_wrap=True)
        return
    run_dir = resume or out
    if run_dir is None:
        raise ValueError("say where the run goes: --out DIR (or --resume RUN_DIR)")
    try:
        summary = train_run(run_config, run_dir, resume=resume is not None, progress=not quiet, cache_dir=cache_dir)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: a checkpoint was written; continue with --resume {run_dir}",
                          markup=False)
        raise typer.Exit(130) from None
    from gandojo.evaluate import format_evaluation

    console.print(format_evaluation(summary["evaluation"]), markup=False, highlight=False)
    console.print(f"run folder: {run_dir} ({summary['new_steps']} new steps, {summary['steps']} in all, "
                  f"{summary['seconds']:.1f} s)", markup=False, highlight=False)


@app.command(epilog="Examples:\n\n  gandojo evaluate runs/ring8\n\n"
             "  gandojo evaluate runs/ring8/checkpoints/final.pt --samples 10000 --json\n\n"
             "  gandojo evaluate runs/cifar --inception-weights weights-inception-2015-12-05-6726825d.pth")
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run folder, checkpoint file or exported .safetensors.")],
    samples: Annotated[int | None, typer.Option(help="Generated samples to score [default: 26000 for "
                                                "stacked-digits, else 2500].")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the evaluation samples [default: the run's own, so "
                                             "the numbers match its final evaluation].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    inception_weights: Annotated[Path | None, typer.Option(help="Images: also compute standard FID with this "
                                                           "Inception weights file (needs torchmetrics).")] = None,
    cache_dir: CacheDir = None,
):
    """Draw samples from a trained generator and print its scores (mode table, distances, image metrics)."""
    from gandojo.evaluate import describe_scored, format_evaluation, json_safe
    from gandojo.run import evaluate_run

    result = evaluate_run(run, samples=samples, seed=seed, cache_dir=cache_dir, inception_weights=inception_weights)
    if as_json:
        print(json.dumps(json_safe(result)))
    else:
        console.print(format_evaluation(result), markup=False, highlight=False)
        console.print(describe_scored(result["scored"]), markup=False, highlight=False)


@app.command(epilog="Examples:\n\n  gandojo sample runs/ring8 -n 1000 --out points.npy\n\n"
             "  gandojo sample generator.safetensors -n 500 --out points.csv --seed 3\n\n"
             "  gandojo sample runs/digits -n 64 --out grid.png\n\n"
             "  gandojo sample runs/digits -n 20 --out samples/")
def sample(
    source: Annotated[Path, typer.Argument(help="Run folder, checkpoint, or exported .safetensors.")],
    n: Annotated[int, typer.Option("-n", help="Number of samples.")] = 1000,
    out: Annotated[Path, typer.Option(help="Output: .npy or .csv for points; for images a .png grid, a folder "
                                      "(no suffix) of single PNGs, or .npy.")] = Path("samples.npy"),
    seed: Annotated[int, typer.Option(help="Seed for the latent noise.")] = 0,
    nrow: Annotated[int | None, typer.Option(help="Images per row of a grid [default: square].")] = None,
):
    """Write samples from a trained generator to a file (or, for images, a grid or a folder of PNGs)."""
    from gandojo.run import write_samples

    path = write_samples(source, n, out, seed=seed, nrow=nrow)
    console.print(f"wrote {n} samples to {path}", markup=False, highlight=False)


@app.command(epilog="Example:\n\n  gandojo export runs/ring8 --out generator.safetensors")
def export(
    run: Annotated[Path, typer.Argument(help="Run folder or checkpoint file.")],
    out: Annotated[Path, typer.Option(help="The .safetensors file to write.")] = Path("generator.safetensors"),
):
    """Export the generator's weights (safetensors) with its config, for `gandojo sample` or your own code."""
    from gandojo.checkpoint import export_generator
    from gandojo.run import load_trainer

    trainer = load_trainer(run)
    path = export_generator(trainer.generator, trainer.config, out, step=trainer.g_step)
    console.print(f"wrote {path} and {path.with_suffix('.json')}", markup=False, highlight=False)


@app.command(epilog="Examples:\n\n  gandojo interpolate runs/digits --out walk.png\n\n"
             "  gandojo interpolate generator.safetensors --out walk.png --method slerp --steps 12 --gif walk.gif")
def interpolate(
    source: Annotated[Path, typer.Argument(help="Run folder, checkpoint, or exported .safetensors (images).")],
    out: Annotated[Path, typer.Option(help="The strip PNG to write.")] = Path("interpolation.png"),
    rows: Annotated[int, typer.Option(help="Number of walks (random latent pairs).")] = 4,
    steps: Annotated[int, typer.Option(help="Images per walk.")] = 8,
    method: Annotated[str, typer.Option(help="lerp, slerp, or both (a lerp row above each slerp row).")] = "both",
    seed: Annotated[int, typer.Option(help="Seed for the latent pairs.")] = 0,
    gif: Annotated[Path | None, typer.Option(help="Also write an animated GIF.")] = None,
):
    """Write latent interpolation strips (linear and spherical) of an image generator, optionally as a GIF."""
    from gandojo.latent import write_interpolation

    path = write_interpolation(source, out, rows=rows, steps=steps, method=method, seed=seed, gif=gif)
    console.print(f"wrote {path}" + (f" and {gif}" if gif else ""), markup=False, highlight=False)


@app.command()
def presets():
    """List the bundled presets, each with what it shows. Without --preset, train uses the defaults."""
    names = cfg.preset_names()
    width = max(map(len, names))
    for name in names:
        console.print(f"{name:<{width}}  {cfg.preset_description(name)}", markup=False, highlight=False)


cli_wasserstein.register(app)  # the Wasserstein commands live in their own module


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings from the library, as the CLI shows them: one line, no source location."""
    return f"warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gandojo`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args  # accepted before or after the command
    args = [a for a in args if a != "--debug"]
    # POT imports torch for its torch backend unless told not to; gandojo hands it NumPy arrays only.
    os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")
    formatwarning, warnings.formatwarning = warnings.formatwarning, _plain_warning
    try:
        code = app(args=args, prog_name="gandojo", standalone_mode=False)
    except typer.Abort:
        err_console.print("interrupted", markup=False)
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, ...
        exc.show()
        return exc.exit_code
    except NonFiniteError as exc:
        _explain(debug)
        err_console.print(f"error: {exc}; the last good checkpoint is untouched. Hint: lower optim.lr, or "
                          "continue from the last checkpoint with --resume", markup=False)
        return 1
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, CheckpointError) as exc:
        _explain(debug)
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        return 2
    finally:
        warnings.formatwarning = formatwarning
    return code if isinstance(code, int) else 0


def _explain(debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
