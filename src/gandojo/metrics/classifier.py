"""The offline digits classifier: a small CNN trained on the bundled digits on first use, then cached.

It is the labeler and the feature extractor of the image metrics (class coverage, stacked-digits
modes, Fréchet distance, precision/recall/density/coverage). Nothing is downloaded: it trains in
seconds on scikit-learn's digits, deterministically (fixed seeds, fixed split), and is saved under
``cache_dir`` in a file named by a hash of its settings, so a change of settings never loads a stale
model. Its accuracy on the held-out split is stored with it and reported.

The split is fixed: 75% of the 1,797 digits for training (stratified, seed 0), 25% held out.
Whatever the data's ``image_size``, images are resized to 16×16 inside the classifier (area
averaging down, bilinear up), and it is trained on the digits at the data's size passed through
the same resize, so real and generated images reach it the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gandojo.atomic import atomic_write
from gandojo.catalogue import check_image_size
from gandojo.data.images import digits
from gandojo.i18n import _

INPUT_SIZE = 16
DEFAULT_CACHE_DIR = "~/.cache/gandojo"


@dataclass(frozen=True)
class ClassifierSettings:
    """Everything that determines the trained classifier (its cache file is named by their hash)."""

    image_size: int = 16  # the size of the digits it is trained on (the data's image_size)
    epochs: int = 8
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    features: int = 64
    seed: int = 0
    version: int = 2  # bump when the architecture or the training code changes (2: trained on one thread)

    def key(self) -> str:
        """A short hash of the settings."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


class DigitsClassifier(nn.Module):
    """(B, 1, H, W) digits in [-1, 1] -> 10 logits; ``features`` gives the penultimate layer (B, F)."""

    def __init__(self, features: int = 64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),  # (B, 16, 16, 16)
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),  # (B, 32, 8, 8)
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),  # (B, 32, 8, 8)
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),  # (B, 64, 4, 4)
            nn.Flatten(),  # (B, 1024)
            nn.Linear(64 * 4 * 4, features), nn.ReLU(),  # (B, features)
        )
        self.head = nn.Linear(features, 10)  # (B, 10)

    @staticmethod
    def preprocess(x: Tensor) -> Tensor:
        """Images (B, 1, H, W) -> (B, 1, 16, 16): area averaging down, bilinear up."""
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(_("the digits classifier takes (B, 1, H, W) images, got {shape}").format(
                shape=tuple(x.shape)))
        h = x.shape[-1]
        if h > INPUT_SIZE:
            return F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
        if h < INPUT_SIZE:
            return F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        return x

    def features(self, x: Tensor) -> Tensor:
        return self.body(self.preprocess(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


@dataclass(frozen=True, eq=False)
class TrainedClassifier:
    """A trained :class:`DigitsClassifier` (eval mode) with its held-out accuracy and where it is cached."""

    model: DigitsClassifier
    accuracy: float
    settings: ClassifierSettings
    path: Path | None
    cached: bool  # loaded from the cache rather than trained now

    @torch.no_grad()
    def predict(self, images: Tensor, *, batch: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Features (N, F) and class probabilities (N, 10) of (N, 1, H, W) images, as float64 arrays."""
        feats, probs = [], []
        for i in range(0, len(images), batch):
            x = images[i:i + batch].float()
            f = self.model.features(x)
            feats.append(f.double().numpy())
            probs.append(torch.softmax(self.model.head(f), dim=1).double().numpy())
        if not feats:
            return np.zeros((0, self.settings.features)), np.zeros((0, 10))
        return np.concatenate(feats), np.concatenate(probs)


def digits_split(labels: np.ndarray, *, heldout: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held-out) of a stratified split of the digits; the same for every caller.

    >>> from sklearn.datasets import load_digits
    >>> train, held = digits_split(load_digits().target)
    >>> len(train), len(held)
    (1347, 450)
    """
    from sklearn.model_selection import train_test_split

    index = np.arange(len(labels))
    train, held = train_test_split(index, test_size=heldout, stratify=labels, random_state=seed)
    return np.sort(train), np.sort(held)


def _shift(x: Tensor, generator: torch.Generator) -> Tensor:
    """Random translation by up to one pixel per axis (per batch), padding with the background (-1)."""
    dy, dx = (int(v) for v in torch.randint(-1, 2, (2,), generator=generator))
    padded = F.pad(x, (1, 1, 1, 1), value=-1.0)
    h, w = x.shape[-2:]
    return padded[:, :, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]


@contextlib.contextmanager
def _one_thread():
    """Run torch on one intra-op thread inside the block: the sums of a convolution's backward pass are
    split across threads, so two threads train to different weights than one (0.05 apart after 8 epochs)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_digits_classifier(settings: ClassifierSettings) -> tuple[DigitsClassifier, float]:
    """Train the classifier on the training split; returns (model in eval mode, held-out accuracy).

    Deterministic: initialisation, shuffling and augmentation draw from generators seeded by
    ``settings.seed``; torch's global random state is left as it was; training runs on one thread, so
    the weights (and every metric built on them) do not depend on the caller's thread count.
    """
    with _one_thread():
        return _train(settings)


def _train(settings: ClassifierSettings) -> tuple[DigitsClassifier, float]:

    data = digits(settings.image_size)
    labels = data.labels.numpy()
    train, held = digits_split(labels, seed=settings.seed)
    x_train = DigitsClassifier.preprocess(data.values[train])
    y_train = data.labels[train]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = DigitsClassifier(settings.features)
    rng = torch.Generator().manual_seed(settings.seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    steps_per_epoch = len(x_train) // settings.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=settings.lr, epochs=settings.epochs,
                                                steps_per_epoch=steps_per_epoch)
    model.train()
    for _epoch in range(settings.epochs):
        order = torch.randperm(len(x_train), generator=rng)
        for i in range(steps_per_epoch):
            idx = order[i * settings.batch_size:(i + 1) * settings.batch_size]
            logits = model.head(model.body(_shift(x_train[idx], rng)))
            loss = F.cross_entropy(logits, y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        predicted = model(data.values[held]).argmax(dim=1)
    accuracy = float((predicted == data.labels[held]).float().mean())
    return model, accuracy


def classifier_path(settings: ClassifierSettings, cache_dir: str | Path | None = None) -> Path:
    """Where the classifier with these settings is cached: ``<cache_dir>/digits-classifier-<size>-<hash>.pt``."""
    folder = Path(cache_dir if cache_dir is not None else DEFAULT_CACHE_DIR).expanduser()
    return folder / f"digits-classifier-{settings.image_size}-{settings.key()}.pt"


def load_digits_classifier(image_size: int = 16, *, cache_dir: str | Path | None = None,
                           settings: ClassifierSettings | None = None) -> TrainedClassifier:
    """The digits classifier for digits of ``image_size``: from the cache, or trained now and cached.

    Parameters
    ----------
    image_size : int
        The digits' size (a power of two from 8 to 128).
    cache_dir : path, optional
        Folder of the cache (created when needed); default ``~/.cache/gandojo``.
    settings : ClassifierSettings, optional
        Training settings; ``image_size`` overrides theirs.

    Returns
    -------
    TrainedClassifier
        ``accuracy`` is the held-out accuracy (about 0.98).
    """

    check_image_size(image_size)
    settings = ClassifierSettings(**{**asdict(settings or ClassifierSettings()), "image_size": image_size})
    path = classifier_path(settings, cache_dir)
    if path.is_file():
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            model = DigitsClassifier(settings.features)
            model.load_state_dict(payload["state"])
            if payload["settings"] != asdict(settings):
                raise ValueError("settings differ")
            return TrainedClassifier(model.eval(), float(payload["accuracy"]), settings, path, cached=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, KeyError, TypeError) as err:
            warnings.warn(f"{path}: unreadable cached classifier ({err}); training it again", stacklevel=2)
    model, accuracy = train_digits_classifier(settings)
    payload = {"state": model.state_dict(), "settings": asdict(settings), "accuracy": accuracy}
    try:
        atomic_write(path, lambda f: torch.save(payload, f))
    except OSError as err:  # a read-only cache still gives a working classifier
        warnings.warn(f"could not cache the digits classifier at {path} ({err})", stacklevel=2)
        path = None
    return TrainedClassifier(model, accuracy, settings, path, cached=False)


__all__ = ["ClassifierSettings", "DigitsClassifier", "TrainedClassifier", "classifier_path", "digits_split",
           "load_digits_classifier", "train_digits_classifier"]
