"""A trained generator put to use: load it (from a run folder, a checkpoint or an exported ``.safetensors``),
draw samples to files, walk its latent space, and evaluate it the way training's final evaluation does."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from gandojo.config import Config, resolve
from gandojo.data import load_data
from gandojo.i18n import _
from gandojo.metrics.inception import check_inception, inception_fid
from gandojo.metrics.scoring import make_evaluator, protocol_samples
from gandojo.models import build_models, generate, sample_noise
from gandojo.runs.checkpoint import checkpoint_config, load_checkpoint, load_exported
from gandojo.runs.folder import find_resumable
from gandojo.seeds import stream_seeds
from gandojo.train import Trainer
from gandojo.viz.images import grid_array, image_grid, save_gif, save_images

__all__ = ["Interpolation", "LoadedGenerator", "evaluate_run", "interpolation_latents", "lerp", "load_generator",
           "load_trainer", "open_generator", "slerp", "write_interpolation", "write_samples"]

Interpolation = Literal["lerp", "slerp", "both"]


def _load_trainer(path: Path) -> tuple[Trainer, Path]:
    if not path.exists():
        raise FileNotFoundError(_("no run folder or checkpoint at {path}").format(path=path))
    if path.is_dir():
        payload, checkpoint, notes = find_resumable(path)
        if payload is None:
            raise FileNotFoundError(_("{path}: no checkpoint yet (the run stopped before its first one)").format(
                path=path))
        for note in notes:
            warnings.warn(note, stacklevel=3)
    else:
        payload, checkpoint = load_checkpoint(path), path
    config = resolve(checkpoint_config(payload))
    trainer = Trainer(config, load_data(config.data))
    trainer.load_state_dict(payload["trainer"])
    return trainer, checkpoint


def load_trainer(path: str | Path) -> Trainer:
    """A trainer restored from a run folder (its newest checkpoint that loads) or a checkpoint file."""
    return _load_trainer(Path(path))[0]


@dataclass(frozen=True)
class LoadedGenerator:
    """A generator in eval mode with its config and data, and where it came from (``step`` is None for an
    export written before the step was recorded)."""

    generator: torch.nn.Module
    config: Config
    data: Any
    source: Path
    step: int | None


def open_generator(path: str | Path) -> LoadedGenerator:
    """The generator of a run folder (newest loadable checkpoint), a checkpoint, or an exported ``.safetensors``."""
    path = Path(path)
    if path.suffix == ".safetensors":
        tensors, config, step = load_exported(path)
        data = load_data(config.data)
        generator, _discriminator = build_models(config.model, tuple(data.shape))
        generator.load_state_dict(tensors)
        return LoadedGenerator(generator.eval(), config, data, path, step)
    trainer, checkpoint = _load_trainer(path)
    return LoadedGenerator(trainer.sampler.eval(), trainer.config, trainer.data, checkpoint, trainer.g_step)


def load_generator(path: str | Path) -> tuple[torch.nn.Module, Config, Any]:
    """(generator in eval mode, config, data set) from a run folder, checkpoint, or exported ``.safetensors``."""
    loaded = open_generator(path)
    return loaded.generator, loaded.config, loaded.data


def evaluate_run(path: str | Path, *, samples: int | None = None, seed: int | None = None,
                 cache_dir: str | Path | None = None, inception_weights: str | Path | None = None) -> dict[str, Any]:
    """Evaluate samples of a run folder, checkpoint or exported generator.

    ``samples`` defaults to the protocol's count (:func:`~gandojo.metrics.scoring.protocol_samples`).
    ``seed`` None draws from the run's own evaluation streams (:mod:`gandojo.seeds`), so the result equals the final
    evaluation of training at the same sample count; an integer draws from that seed's streams. With
    ``inception_weights`` (a file), images also get standard FID (``fid``) against as many real images.
    ``scored`` says what was scored: the checkpoint or file, its step, the sample count and the seed.
    """
    if samples is not None and samples < 2:
        raise ValueError(_("--samples must be at least 2, got {samples}").format(samples=samples))
    if inception_weights is not None:
        check_inception(inception_weights)  # fail before the work, not after
    loaded = open_generator(path)
    generator, config, data = loaded.generator, loaded.config, loaded.data
    if inception_weights is not None and data.kind != "images":
        raise ValueError(_("--inception-weights applies to image data only"))
    samples = samples or protocol_samples(data)
    streams = stream_seeds(config.train.seed if seed is None else seed)
    fake = generate(generator, samples, config.model.latent_dim, config.model.noise,
                    torch.Generator().manual_seed(streams["eval_noise"]))
    result = make_evaluator(data, seed=streams["eval_real"], cache_dir=cache_dir)(fake)
    if inception_weights is not None:
        real = data.sample(samples, torch.Generator().manual_seed(streams["eval_real"]))
        result["fid"] = inception_fid(real, fake, inception_weights)
    result["scored"] = {"source": str(loaded.source), "step": loaded.step, "samples": samples,
                        "seed": seed, "streams_of_seed": config.train.seed if seed is None else seed}
    return result


def write_samples(source: str | Path, n: int, out: str | Path, *, seed: int = 0, nrow: int | None = None) -> Path:
    """Draw ``n`` samples from a run, checkpoint or exported generator and write them to ``out``.

    Points go to ``.npy`` or ``.csv`` (N, D). Images go to a ``.png`` grid (``nrow`` per row), to a
    folder of ``n`` single PNGs (``out`` without a suffix), or to ``.npy`` (N, C, H, W) in [-1, 1].
    """
    if n < 1:
        raise ValueError(_("-n must be at least 1, got {n}").format(n=n))
    out = Path(out)
    generator, config, data = load_generator(source)
    fake = generate(generator, n, config.model.latent_dim, config.model.noise,
                    torch.Generator().manual_seed(seed))
    out.parent.mkdir(parents=True, exist_ok=True)
    images = data.kind == "images"
    if images and out.suffix.lower() == ".png":
        return image_grid(fake, out, nrow=nrow)
    if images and out.suffix == "":
        save_images(fake, out)
        return out
    if out.suffix == ".npy":
        np.save(out, fake.numpy())
    elif out.suffix == ".csv":
        np.savetxt(out, fake.reshape(n, -1).numpy(), delimiter=",", fmt="%.6g")
    elif images:
        raise ValueError(_("{out}: expected a .png grid, a folder (a path without suffix) or a .npy file for "
                           "images").format(out=out))
    else:
        raise ValueError(_("{out}: expected a .npy or .csv output file").format(out=out))
    return out


def lerp(z0: Tensor, z1: Tensor, t: float) -> Tensor:
    """Linear interpolation ``(1 - t) z0 + t z1`` of latent batches (B, D)."""
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, t: float, *, eps: float = 1e-7) -> Tensor:
    """Spherical interpolation of latent batches (B, D), row by row; lerp where z0 and z1 are parallel."""
    u0 = z0 / z0.norm(dim=1, keepdim=True).clamp_min(eps)
    u1 = z1 / z1.norm(dim=1, keepdim=True).clamp_min(eps)
    omega = torch.arccos((u0 * u1).sum(dim=1, keepdim=True).clamp(-1, 1))  # (B, 1)
    sin = torch.sin(omega)
    parallel = sin.abs() < eps
    safe = torch.where(parallel, torch.ones_like(sin), sin)
    out = torch.sin((1 - t) * omega) / safe * z0 + torch.sin(t * omega) / safe * z1
    return torch.where(parallel, lerp(z0, z1, t), out)


def interpolation_latents(z0: Tensor, z1: Tensor, steps: int, method: Literal["lerp", "slerp"]) -> Tensor:
    """Latents (B, steps, D) from z0 (B, D) to z1 (B, D), both ends included.

    >>> interpolation_latents(torch.zeros(2, 3), torch.ones(2, 3), 5, "lerp")[0, :, 0].tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if steps < 2:
        raise ValueError(_("steps must be at least 2, got {steps}").format(steps=steps))
    if method not in ("lerp", "slerp"):
        raise ValueError(_("method {method!r} is unknown; expected 'lerp' or 'slerp'").format(method=method))
    fn = lerp if method == "lerp" else slerp
    return torch.stack([fn(z0, z1, i / (steps - 1)) for i in range(steps)], dim=1)


def write_interpolation(source: str | Path, out: str | Path, *, rows: int = 4, steps: int = 8,
                        method: Interpolation = "both", seed: int = 0, gif: str | Path | None = None) -> Path:
    """Write a strip PNG of ``rows`` latent walks of ``steps`` images from a trained image generator.

    Parameters
    ----------
    source : path
        A run folder, checkpoint or exported ``.safetensors`` generator.
    out : path
        The PNG to write: one row per walk (with ``method="both"``, each walk's lerp row is followed
        by its slerp row).
    rows, steps : int
        Number of walks (pairs of random latents drawn with ``seed``) and images per walk.
    gif : path, optional
        Also write an animated GIF whose frames step along all walks at once (the lerp walks in one
        row, the slerp walks in the next).
    """
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(_("{out}: the interpolation strip is written as a .png file").format(out=out))
    if gif is not None and Path(gif).suffix.lower() != ".gif":
        raise ValueError(_("{gif}: expected a .gif file").format(gif=gif))
    if rows < 1:
        raise ValueError(_("rows must be at least 1, got {rows}").format(rows=rows))
    if method not in ("lerp", "slerp", "both"):
        raise ValueError(_("method {method!r} is unknown; expected 'lerp', 'slerp' or 'both'").format(method=method))
    generator, config, data = load_generator(source)
    if data.kind != "images":
        raise ValueError(_("interpolate draws image strips; this generator makes points of shape {shape}").format(
            shape=tuple(data.shape)))
    m = config.model
    rng = torch.Generator().manual_seed(seed)
    z0 = sample_noise(rows, m.latent_dim, m.noise, rng)
    z1 = sample_noise(rows, m.latent_dim, m.noise, rng)
    methods = ["lerp", "slerp"] if method == "both" else [method]
    walks = torch.stack([interpolation_latents(z0, z1, steps, name) for name in methods], dim=1)  # (rows, M, S, D)
    with torch.no_grad():
        images = generator(walks.reshape(-1, m.latent_dim)).cpu()  # (rows*M*S, C, H, W)
    image_grid(images, out, nrow=steps, row_labels=methods * rows)
    if gif is not None:
        per_step = images.reshape(rows, len(methods), steps, *images.shape[1:]).transpose(0, 1)
        per_step = per_step.reshape(len(methods) * rows, steps, *images.shape[1:])  # lerp walks, then slerp walks
        frames = [grid_array(per_step[:, i], nrow=rows) for i in range(steps)]
        save_gif(frames, gif)
    return out
