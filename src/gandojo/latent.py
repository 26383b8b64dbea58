"""Walks through the latent space: linear (lerp) and spherical (slerp) interpolation, as strips and GIFs.

With z ~ N(0, I) in many dimensions, almost all the mass lies near the sphere of radius √d; the
straight line between two such points passes closer to the origin, where the generator saw few
inputs. Slerp (White 2016) follows the great circle instead, keeping the norm:

    slerp(z0, z1; t) = sin((1 - t) Ω) / sin Ω · z0 + sin(t Ω) / sin Ω · z1,   cos Ω = <z0, z1> / (|z0| |z1|)

>>> z0, z1 = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
>>> lerp(z0, z1, 0.5), slerp(z0, z1, 0.5)
(tensor([[0.5000, 0.5000]]), tensor([[0.7071, 0.7071]]))
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from torch import Tensor

Method = Literal["lerp", "slerp", "both"]


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
        raise ValueError(f"steps must be at least 2, got {steps}")
    if method not in ("lerp", "slerp"):
        raise ValueError(f"method {method!r} is unknown; expected 'lerp' or 'slerp'")
    fn = lerp if method == "lerp" else slerp
    return torch.stack([fn(z0, z1, i / (steps - 1)) for i in range(steps)], dim=1)


def write_interpolation(source: str | Path, out: str | Path, *, rows: int = 4, steps: int = 8,
                        method: Method = "both", seed: int = 0, gif: str | Path | None = None) -> Path:
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
    from gandojo.models import sample_noise
    from gandojo.run import load_generator
    from gandojo.viz import grid_array, image_grid, save_gif

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"{out}: the interpolation strip is written as a .png file")
    if gif is not None and Path(gif).suffix.lower() != ".gif":
        raise ValueError(f"{gif}: expected a .gif file")
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    if method not in ("lerp", "slerp", "both"):
        raise ValueError(f"method {method!r} is unknown; expected 'lerp', 'slerp' or 'both'")
    generator, config, data = load_generator(source)
    if len(data.shape) != 3:
        raise ValueError(f"interpolate draws image strips; this generator makes points of shape {tuple(data.shape)}")
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


__all__ = ["interpolation_latents", "lerp", "slerp", "write_interpolation"]
