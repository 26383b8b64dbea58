"""``gandojo evaluate``, ``sample``, ``export`` and ``interpolate``: a trained generator put to use
(:mod:`gandojo.inference`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gandojo.catalogue import PROTOCOL_SAMPLES
from gandojo.cli.app import CacheDir, app, say
from gandojo.cli.lazy import lazy_import
from gandojo.i18n import _

inference = lazy_import("gandojo.inference")
results = lazy_import("gandojo.metrics.report")
checkpoint = lazy_import("gandojo.runs.checkpoint")


@app.command(epilog="Examples:\n\n  gandojo evaluate runs/ring8\n\n"
             "  gandojo evaluate runs/ring8/checkpoints/final.pt --samples 10000 --json\n\n"
             "  gandojo evaluate runs/cifar --inception-weights weights-inception-2015-12-05-6726825d.pth")
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run folder, checkpoint file or exported .safetensors.")],
    samples: Annotated[int | None, typer.Option(help="Generated samples to score [default: the protocol's, "
                                                f"{PROTOCOL_SAMPLES['stacked-digits']} for stacked-digits, "
                                                f"{PROTOCOL_SAMPLES['digits']} for digits, else "
                                                f"{PROTOCOL_SAMPLES[None]}].")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the evaluation samples [default: the run's own, so "
                                             "the numbers match its final evaluation].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    inception_weights: Annotated[Path | None, typer.Option(help="Images: also compute standard FID with this "
                                                           "Inception weights file (needs torchmetrics).")] = None,
    cache_dir: CacheDir = None,
):
    """Draw samples from a trained generator and print its scores (mode table, distances, image metrics)."""
    result = inference.evaluate_run(run, samples=samples, seed=seed, cache_dir=cache_dir,
                                    inception_weights=inception_weights)
    if as_json:
        print(json.dumps(results.json_safe(result)))
    else:
        say(results.format_evaluation(result))
        say(results.describe_scored(result["scored"]))


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
    path = inference.write_samples(source, n, out, seed=seed, nrow=nrow)
    say(_("wrote {n} samples to {path}").format(n=n, path=path))


@app.command(epilog="Example:\n\n  gandojo export runs/ring8 --out generator.safetensors")
def export(
    run: Annotated[Path, typer.Argument(help="Run folder or checkpoint file.")],
    out: Annotated[Path, typer.Option(help="The .safetensors file to write.")] = Path("generator.safetensors"),
):
    """Export the generator's weights (safetensors) with its config, for `gandojo sample` or your own code."""
    trainer = inference.load_trainer(run)
    path = checkpoint.export_generator(trainer.sampler, trainer.config, out, step=trainer.g_step)
    say(_("wrote {path} and {json}").format(path=path, json=path.with_suffix(".json")))


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
    path = inference.write_interpolation(source, out, rows=rows, steps=steps, method=method, seed=seed, gif=gif)
    say(_("wrote {path} and {json}").format(path=path, json=gif) if gif else _("wrote {path}").format(path=path))
