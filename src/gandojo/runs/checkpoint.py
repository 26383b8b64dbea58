"""Checkpoints: atomic full-state saves, safe loads, and generator export to safetensors.

A checkpoint is a dict of tensors and plain values saved with ``torch.save`` and loaded only with
``torch.load(weights_only=True)``, which refuses anything that would need arbitrary pickled code.
Files are written to a temporary name in the same folder, flushed, fsynced and renamed, so a crash
mid-write never leaves a half-written checkpoint under the real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import safe_open
from safetensors.torch import load_file
from safetensors.torch import save as save_tensors

from gandojo.atomic import atomic_write
from gandojo.config import Config, dump_yaml, from_dict, to_dict
from gandojo.errors import CheckpointError, WriteError
from gandojo.i18n import _
from gandojo.version import __version__

CHECKPOINT_PATTERN = "step_*.pt"


def content_digest(value: Any) -> str:
    """SHA-256 over every tensor, number and string of a nested state, in a fixed order.

    Stored in each checkpoint and checked on load: torch's zip format does not notice flipped bytes
    inside tensor data, and a silently damaged checkpoint is worse than a refused one.
    """
    digest = hashlib.sha256()

    def feed(item: Any) -> None:
        if isinstance(item, dict):
            for key in sorted(item, key=str):
                digest.update(str(key).encode())
                feed(item[key])
        elif isinstance(item, list | tuple):
            for sub in item:
                feed(sub)
        elif isinstance(item, torch.Tensor):
            tensor = item.detach().cpu().contiguous().reshape(-1)
            digest.update(f"{tensor.dtype}{tuple(item.shape)}".encode())
            digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
        else:
            digest.update(repr(item).encode())

    feed(value)
    return digest.hexdigest()


def save_checkpoint(path: str | Path, trainer_state: dict[str, Any], config: Config,
                    extra: dict[str, Any] | None = None) -> Path:
    """Save the trainer's full state with the resolved config and library versions, whole or not at all
    (a :class:`~gandojo.errors.WriteError` on a full disk, nothing partial left)."""

    path = Path(path)
    payload = {"trainer": trainer_state, "config": dump_yaml(config),
               "versions": {"gandojo": __version__, "torch": str(torch.__version__)}, **(extra or {})}
    payload["digest"] = content_digest(payload)
    atomic_write(path, lambda f: torch.save(payload, f))
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint safely (tensors and plain values only); a clear error names a bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(_("checkpoint not found: {path}").format(path=path))
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        if not any("Unsupported global" in line for line in lines):  # not a class it refused: other bytes
            detail = next((line for line in lines if line.startswith("Unsupported")), lines[0] if lines else "")
            raise CheckpointError(_("{path}: corrupt or truncated checkpoint ({error})").format(
                path=path, error=detail)) from None
        reason = next((line for line in lines if "Unsupported global" in line), lines[0])
        raise CheckpointError(_("{path}: refused — loading it would need more than tensors and plain values "
                                "(possibly unsafe code): {reason}").format(path=path, reason=reason)) from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
        # a file of other bytes reaches the unpickler's lookups (a KeyError for "junk\n"): corrupt all the same
        first = (str(err).splitlines() or [""])[0]
        if not isinstance(err, RuntimeError | EOFError | OSError | ValueError):
            first = f"{type(err).__name__}: {first}"
        raise CheckpointError(_("{path}: corrupt or truncated checkpoint ({error})").format(
            path=path, error=first)) from None
    if not isinstance(payload, dict) or "trainer" not in payload or "config" not in payload:
        raise CheckpointError(_("{path}: not a gandojo checkpoint").format(path=path))
    stored = payload.pop("digest", None)
    if stored != content_digest(payload):
        raise CheckpointError(_("{path}: corrupt checkpoint (its contents do not match the checksum written "
                                "with it)").format(path=path))
    return payload


def checkpoint_config(payload: dict[str, Any]) -> Config:
    return from_dict(yaml.safe_load(payload["config"]))


def mark_last_good(path: Path) -> None:
    """Make ``last-good.pt`` beside ``path`` the same file (a hard link, or a copy where links fail), replaced
    in one rename; a :class:`~gandojo.errors.WriteError` when neither can be written (nothing left behind)."""
    target = path.parent / "last-good.pt"
    tmp = path.parent / ".last-good.tmp"
    try:
        tmp.unlink(missing_ok=True)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise WriteError(target, path.stat().st_size, err) from None


def list_checkpoints(folder: str | Path) -> list[Path]:
    """Step checkpoints in a run's ``checkpoints/`` folder, oldest first."""
    return sorted(Path(folder).glob(CHECKPOINT_PATTERN))


def prune_checkpoints(folder: str | Path, keep: int) -> None:
    """Delete all but the newest ``keep`` step checkpoints."""
    for old in list_checkpoints(folder)[:-keep]:
        old.unlink(missing_ok=True)


def export_generator(generator: torch.nn.Module, config: Config, path: str | Path, *, step: int | None = None) -> Path:
    """Write the generator's weights to ``.safetensors`` with the resolved config (and the training step) in
    its metadata.

    A JSON copy of the config is written beside it (``<name>.json``) for people and other tools.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(_("{path}: the exported generator must be a .safetensors file").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}
    metadata = {"gandojo_config": dump_yaml(config)}
    if step is not None:
        metadata["gandojo_step"] = str(step)
    atomic_write(path, save_tensors(tensors, metadata=metadata))

    atomic_write(path.with_suffix(".json"), json.dumps(to_dict(config), indent=2).encode())
    return path


def load_exported(path: str | Path) -> tuple[dict[str, torch.Tensor], Config, int | None]:
    """Weights, config and training step (None if not recorded) of an exported generator."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(_("generator file not found: {path}").format(path=path))
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
        tensors = load_file(str(path))
    except Exception as err:  # safetensors raises its own error types for bad headers
        raise CheckpointError(_("{path}: not a readable .safetensors file ({error})").format(path=path,
                                                                                           error=err)) from None
    if "gandojo_config" not in metadata:
        raise CheckpointError(_("{path}: no gandojo config in its metadata; export it with `gandojo export`").format(
            path=path))
    step = int(metadata["gandojo_step"]) if metadata.get("gandojo_step", "").isdigit() else None
    return tensors, from_dict(yaml.safe_load(metadata["gandojo_config"])), step
