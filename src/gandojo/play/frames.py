"""What the play page draws of one trainer at one moment: G's samples from one fixed noise batch (each dot keeps its
identity), D over the plane, the gradient of G's loss at each sample, G's manifold (a fixed latent grid through
G), and — less often, as they cost more — the metrics: modes, high quality, reverse KL, the exact W1 beside the
critic's estimate, and a grid estimate of JS and KL.

A frame travels as one binary WebSocket message: a 4-byte length, a JSON header, then the arrays it lists, each
starting on a multiple of 4 bytes (float32 little-endian, the heatmap as uint16 between its ``lo`` and ``hi``).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from gandojo.distances import wasserstein
from gandojo.metrics.modes import score_modes
from gandojo.models import pack_samples
from gandojo.models.common import spread_of_last_batch
from gandojo.train import Trainer

__all__ = ["JS_BINS", "View", "encode", "frame", "grid_divergences", "metrics", "view_of"]

JS_BINS = 32  # cells per axis of the grid on which JS and KL are estimated
METRIC_SAMPLES = 2500  # the mode-collapse protocol's count
W1_SAMPLES = 500  # exact W1 between this many generated and real points (network simplex: 1,000 take 0.6 s here)


@dataclass(frozen=True)
class View:
    """The part of the data space the page draws: a box (lo, hi per dimension), D's grid of ``grid`` × ``grid``
    points over it (``grid`` points on the axis for 1-D data) and G's manifold of ``mesh`` × ``mesh`` latent
    points (a 2-D slice through the first two latent dimensions)."""

    dim: int
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    grid: int = 64
    mesh: int = 21

    def grid_points(self) -> Tensor:
        """D's grid, (grid², 2) row by row from the top (y = hi) for 2-D data, (grid, 1) for 1-D."""
        xs = torch.linspace(self.lo[0], self.hi[0], self.grid)
        if self.dim == 1:
            return xs[:, None]
        ys = torch.linspace(self.hi[1], self.lo[1], self.grid)
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)

    def as_json(self) -> dict[str, Any]:
        return {"dim": self.dim, "lo": list(self.lo), "hi": list(self.hi), "grid": self.grid, "mesh": self.mesh}


def view_of(real: np.ndarray, *, grid: int = 64, mesh: int = 21) -> View:
    """A box around the real samples (N, D), D in {1, 2}: their range padded by a fifth on each side."""
    lo, hi = real.min(axis=0), real.max(axis=0)
    pad = np.maximum((hi - lo) * 0.2, 0.1)
    return View(real.shape[1], tuple(float(v) for v in lo - pad), tuple(float(v) for v in hi + pad), grid, mesh)


def latent_mesh(trainer: Trainer, mesh: int, dim: int = 2) -> Tensor:
    """A fixed grid of latent points: (mesh², latent_dim) with the first two dimensions over ±2 (normal noise) or
    ±1 (uniform) and the others 0; for 1-D data (``dim`` 1) a line (mesh, latent_dim) along the first."""
    m = trainer.config.model
    span = 2.0 if m.noise == "normal" else 1.0
    axis = torch.linspace(-span, span, mesh)
    if dim == 1:
        z = torch.zeros(mesh, m.latent_dim)
        z[:, 0] = axis
        return z
    z = torch.zeros(mesh * mesh, m.latent_dim)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    z[:, 0] = xx.reshape(-1)
    if m.latent_dim > 1:
        z[:, 1] = yy.reshape(-1)
    return z


def _read(trainer: Trainer, raw: Tensor) -> Tensor:
    """D's raw scores as the page reads them: a probability for the log-loss games, the value otherwise."""
    return raw.sigmoid() if trainer.objective.scores == "probability" else raw


def _score_points(trainer: Trainer, x: Tensor) -> Tensor:
    """D's score of each point on its own (n,): a packed D sees m copies of the point; minibatch std adds the
    spread of the batch D judged last (G's fixed batch), as when it judged G's samples."""
    pack = trainer.pack
    with spread_of_last_batch(trainer.discriminator):
        return trainer.discriminator(pack_samples(x.repeat_interleave(pack, dim=0), pack)).float()


def frame(trainer: Trainer, view: View, mesh_z: Tensor, grid: Tensor | None = None) -> dict[str, np.ndarray]:
    """The arrays of one frame: ``fake`` (N, D) G's samples of its fixed noise, ``grad`` (N, D) where each is
    pushed (minus the gradient of G's loss, per sample), ``d_fake`` (N,) D's reading at each, ``heat`` D's reading
    over ``grid`` (the view's grid points; None leaves ``heat`` out), ``mesh`` (mesh², D) G's manifold. The
    training streams are not touched."""
    generator, discriminator = trainer.generator, trainer.discriminator
    with torch.no_grad():
        fake = generator(trainer.fixed_noise).float()
        mesh = generator(mesh_z.to(trainer.device)).float()
    x = fake.detach().clone().requires_grad_(True)
    discriminator.requires_grad_(False)
    try:
        scores = trainer.judge(x).float()
        # the loss averages over the batch: times N gives each sample's own gradient
        (grad,) = torch.autograd.grad(trainer.objective.g_loss(scores) * len(x), x)
    finally:
        discriminator.requires_grad_(True)
    with torch.no_grad():
        # unpacked, D's scores of the batch are each sample's own (minibatch std sees this very batch)
        d_fake = _read(trainer, scores.detach() if trainer.pack == 1 else _score_points(trainer, fake))
        out = {"fake": fake.cpu().numpy(), "grad": (-grad).cpu().numpy(), "d_fake": d_fake.cpu().numpy(),
               "mesh": mesh.cpu().numpy()}
        if grid is not None:
            out["heat"] = _read(trainer, _score_points(trainer, grid.to(trainer.device))).cpu().numpy()
    return out


def grid_divergences(real: np.ndarray, fake: np.ndarray, view: View, bins: int = JS_BINS) -> dict[str, float]:
    """JS and KL between the real and generated samples, estimated on a grid: each sample counted in one of
    ``bins`` (per axis) equal cells over the view (samples outside the view go to the nearest edge cell), the
    counts divided by their totals. JS is in nats, at most log 2. KL(data ‖ G) is infinite when G leaves a cell
    empty that the data fills, and is reported so, not clipped; KL(G ‖ data) likewise the other way round."""
    edges = [np.linspace(view.lo[d], view.hi[d], bins + 1) for d in range(view.dim)]

    def histogram(x: np.ndarray) -> np.ndarray:
        idx = [np.clip(np.searchsorted(edges[d], x[:, d], side="right") - 1, 0, bins - 1) for d in range(view.dim)]
        flat = np.ravel_multi_index(idx, (bins,) * view.dim)
        counts = np.bincount(flat, minlength=bins ** view.dim).astype(np.float64)
        return counts / counts.sum()

    p, q = histogram(real), histogram(fake)
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        mask = a > 0
        if np.any(b[mask] == 0):
            return math.inf
        return float(np.sum(a[mask] * np.log(a[mask] / b[mask])))

    return {"js_grid": kl(p, m) / 2 + kl(q, m) / 2, "kl_grid": kl(p, q), "kl_grid_reverse": kl(q, p)}


def metrics(trainer: Trainer, real: np.ndarray, view: View, *, exact_w1: bool) -> dict[str, Any]:
    """The slower numbers: on the run's own evaluation samples (the moving average of G when ``train.ema`` is
    on, as ``gandojo train`` scores), modes covered, high quality, reverse KL and each mode's share (data with
    known modes), the grid JS and KL, and with ``exact_w1`` the exact W1 to the real samples."""
    generated = trainer.generate(METRIC_SAMPLES).numpy()
    out: dict[str, Any] = grid_divergences(real[:METRIC_SAMPLES], generated, view)
    modes = trainer.data.modes
    if modes is not None and modes.centers.shape[1] == generated.shape[1]:
        report = score_modes(generated, modes)
        out.update({"modes_covered": report.modes_covered, "modes_total": report.modes_total,
                    "high_quality": report.high_quality, "reverse_kl": report.reverse_kl,
                    "mode_shares": [float(g) for _, g in report.per_mode.values()]})
    if exact_w1:
        out["w_exact"] = float(wasserstein(generated[:W1_SAMPLES], real[:W1_SAMPLES]))
    return out


def encode(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """One binary message: the header (with the arrays' layout added) and the arrays, each 4-byte aligned.

    >>> message = encode({"type": "frame"}, {"x": np.arange(3, dtype=np.float32)})
    >>> n = struct.unpack("<I", message[:4])[0]
    >>> json.loads(message[4:4 + n])["arrays"]
    [['x', 'f4', [3], 0, 0]]
    """
    layout, parts, offset = [], [], 0
    for name, value in arrays.items():
        if name == "heat":  # uint16 between its own low and high: half of float32's bytes
            lo, hi = float(value.min()), float(value.max())
            scale = (hi - lo) or 1.0
            data = np.round((value - lo) / scale * 65535).astype("<u2").tobytes()
            layout.append([name, "u2", list(value.shape), lo, hi])
        else:
            data = np.ascontiguousarray(value, dtype="<f4").tobytes()
            layout.append([name, "f4", list(value.shape), 0, 0])
        parts.append(data + b"\0" * (-len(data) % 4))
        offset += len(parts[-1])
    head = json.dumps(_plain({**header, "arrays": layout}), allow_nan=False, separators=(",", ":")).encode()
    head += b" " * (-(len(head) + 4) % 4)  # the arrays start on a multiple of 4 bytes
    return struct.pack("<I", len(head)) + head + b"".join(parts)


def _plain(value: Any) -> Any:
    """JSON has no infinity: an infinite KL travels as the string "inf" (and NaN as "nan"), never as a made-up
    finite number."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value
