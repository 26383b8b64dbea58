"""Image data: the bundled digits, stacked digits, MNIST-style IDX files, CIFAR-10 batches, image folders, arrays.

Every loader returns images as a float32 tensor (N, C, H, W) in [-1, 1] (the range of the DCGAN
generator's tanh), resized to a square ``image_size`` (a power of two from 8 to 128) and with 1 or 3
channels. Nothing is downloaded: the digits ship with scikit-learn, everything else is read from
disk.

- ``digits``: scikit-learn's 1,797 handwritten 8×8 digits (16 grey levels) with their labels,
  scaled to [-1, 1] and resized (bilinear) to ``image_size``.
- ``stacked-digits``: three independently and uniformly drawn digits as the three channels of one
  image — 1,000 modes (the Stacked MNIST protocol on the bundled digits). Drawn fresh for every
  batch, so it has no finite ``values``.
- a folder of PNG/JPEG files (searched recursively), MNIST/Fashion-MNIST IDX files (gzipped or not),
  CIFAR-10 python batches, or a ``.npy``/``.npz`` array of shape (N, H, W), (N, C, H, W) or (N, H, W, C).

>>> data = digits(image_size=16)
>>> data.shape, tuple(data.values.shape), data.labels[:5].tolist()
((1, 16, 16), (1797, 1, 16, 16), [0, 1, 2, 3, 4])
>>> bool(data.values.min() >= -1 and data.values.max() <= 1)
True
>>> stacked_digits(image_size=16).sample(4, torch.Generator().manual_seed(0)).shape
torch.Size([4, 3, 16, 16])
"""

from __future__ import annotations

import gzip
import pickle
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

IMAGE_SIZES = (8, 16, 32, 64, 128)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
Protocol = Literal["digits", "stacked-digits"]


@dataclass(frozen=True, eq=False)
class ImageData:
    """A finite set of images.

    Attributes
    ----------
    name : str
    values : Tensor, shape (N, C, H, W), float32 in [-1, 1]
    labels : Tensor of shape (N,) (int64), or None
    class_names : tuple of str, or None
    protocol : "digits" or None
        Which offline metrics apply (:mod:`gandojo.evaluate`): only the bundled digits have a classifier.
    skipped : tuple of str
        Files that could not be read, as ``"path: reason"``.
    notes : tuple of str
        What the loader did to the images (resizing, channel conversion), to tell the user.
    """

    name: str
    values: Tensor
    labels: Tensor | None = None
    class_names: tuple[str, ...] | None = None
    protocol: Protocol | None = None
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    modes: None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """One image's shape (C, H, W)."""
        return tuple(self.values.shape[1:])

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` images (n, C, H, W) drawn uniformly with replacement (training shuffles epochs instead)."""
        idx = torch.randint(len(self.values), (n,), generator=generator)
        return self.values[idx]


@dataclass(frozen=True, eq=False)
class StackedDigits:
    """Stacked digits: each image is three independently drawn digits as its channels (1,000 modes).

    ``sample`` draws fresh images; ``values`` is None (there are 1,797³ combinations), so training
    draws every batch anew. The mode of an image is ``100·d0 + 10·d1 + d2``.
    """

    digits: ImageData  # the single-channel digits, values (N, 1, H, W)
    name: str = "stacked-digits"
    protocol: Protocol = "stacked-digits"
    values: None = None
    labels: None = None
    modes: None = None
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        _, _, h, w = self.digits.values.shape
        return (3, h, w)

    def sample_with_modes(self, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """``n`` images (n, 3, H, W) and their mode ids (n,) in 0..999."""
        idx = torch.randint(len(self.digits.values), (n, 3), generator=generator)  # (n, 3)
        images = self.digits.values[idx, 0]  # (n, 3, H, W)
        d = self.digits.labels[idx]  # (n, 3)
        return images, 100 * d[:, 0] + 10 * d[:, 1] + d[:, 2]

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` fresh stacked images (n, 3, H, W)."""
        return self.sample_with_modes(n, generator)[0]


# --- helpers ------------------------------------------------------------------------------------------

def check_image_size(image_size: int) -> None:
    """ValueError unless ``image_size`` is a power of two from 8 to 128 (the sizes the DCGAN models take)."""
    if isinstance(image_size, bool) or image_size not in IMAGE_SIZES:
        raise ValueError(f"data.image_size {image_size!r} is not supported; expected one of "
                         f"{', '.join(map(str, IMAGE_SIZES))} (images are resized to it)")


def resize_images(x: Tensor, size: int, *, chunk: int = 4096) -> Tensor:
    """Resize (N, C, H, W) images to (N, C, size, size): scale the shorter side, then crop the centre.

    Bilinear (antialiased when shrinking); the result is clamped to [-1, 1].

    >>> resize_images(torch.zeros(2, 1, 28, 28), 32).shape
    torch.Size([2, 1, 32, 32])
    >>> resize_images(torch.zeros(1, 3, 20, 40), 8).shape  # 20×40 -> 8×16 -> centre 8×8
    torch.Size([1, 3, 8, 8])
    """
    n, c, h, w = x.shape
    if h == size and w == size:
        return x
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    parts = [F.interpolate(x[i:i + chunk].float(), size=(new_h, new_w), mode="bilinear", align_corners=False,
                           antialias=scale < 1) for i in range(0, n, chunk)]
    out = torch.cat(parts) if parts else x.new_zeros(0, c, new_h, new_w)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return out[:, :, top:top + size, left:left + size].clamp_(-1, 1).contiguous()


def to_channels(x: Tensor, channels: int | None) -> Tensor:
    """Convert (N, C, H, W) images to ``channels`` (1 or 3); None keeps 1 or 3, drops alpha from 4.

    RGB -> gray uses the ITU-R 601 luma weights (0.299, 0.587, 0.114), as Pillow's ``convert("L")``.
    """
    c = x.shape[1]
    if c == 4:  # RGBA: drop alpha
        x, c = x[:, :3], 3
    if c == 2:  # gray + alpha
        x, c = x[:, :1], 1
    if c not in (1, 3):
        raise ValueError(f"images with {c} channels are not supported; expected 1 (gray) or 3 (RGB)")
    if channels is None or channels == c:
        return x
    if channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(1, 3, 1, 1)
        return (x * weights).sum(dim=1, keepdim=True)
    if channels == 3:
        return x.expand(-1, 3, -1, -1).contiguous()
    raise ValueError(f"data.channels {channels!r} is not supported; expected 1, 3 or None")


def _finish(name: str, x: Tensor, image_size: int, channels: int | None, *, labels: Tensor | None = None,
            class_names: tuple[str, ...] | None = None, notes: list[str] | None = None,
            skipped: tuple[str, ...] = ()) -> ImageData:
    """Channel conversion and resize of images already in [-1, 1], with notes saying what was done."""
    notes = list(notes or [])
    c, h, w = x.shape[1:]
    x = to_channels(x, channels)
    if x.shape[1] != c:
        notes.append(f"{name}: converted {c} channel(s) to {x.shape[1]} (data.channels={channels})")
    if (h, w) != (image_size, image_size):
        how = "resized" if h == w else "resized and centre-cropped"
        notes.append(f"{name}: {how} {h}×{w} images to {image_size}×{image_size} (data.image_size)")
        x = resize_images(x, image_size)
    if labels is not None and len(labels) != len(x):
        raise ValueError(f"{name}: {len(labels)} labels for {len(x)} images")
    return ImageData(name, x.float().contiguous(), labels, class_names, None, tuple(skipped), tuple(notes))


def _scale_to_unit(array: np.ndarray, source: str) -> Tensor:
    """Numbers -> float32 in [-1, 1]: integers as 0..255; floats in [0, 1], [-1, 1] or [0, 255]."""
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{source}: expected numbers, got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{source}: the array is empty")
    x = np.asarray(array, dtype=np.float32)
    if not np.isfinite(x).all():
        raise ValueError(f"{source}: the images hold NaN or infinite values")
    lo, hi = float(x.min()), float(x.max())
    if array.dtype.kind in "iu":
        if lo < 0 or hi > 255:
            raise ValueError(f"{source}: integer pixel values range over [{lo:g}, {hi:g}]; expected 0..255")
        x = x / 127.5 - 1
    elif lo >= 0 and hi <= 1:
        x = x * 2 - 1
    elif lo >= -1 and hi <= 1:
        pass
    elif lo >= 0 and hi <= 255:
        x = x / 127.5 - 1
    else:
        raise ValueError(f"{source}: pixel values range over [{lo:g}, {hi:g}]; expected [0, 1], [-1, 1] or [0, 255]")
    return torch.from_numpy(np.ascontiguousarray(x))


# --- bundled digits -----------------------------------------------------------------------------------

def digits(image_size: int = 16, channels: int | None = None) -> ImageData:
    """scikit-learn's 1,797 handwritten digits (8×8, 16 grey levels) in [-1, 1], resized to ``image_size``.

    Parameters
    ----------
    image_size : int
        Output size, a power of two from 8 to 128 (16 or 32 are the usual choices).
    channels : None or 1
        The digits are grayscale.

    Returns
    -------
    ImageData
        values (1797, 1, image_size, image_size), labels (1797,) in 0..9, protocol "digits".
    """
    from sklearn.datasets import load_digits

    check_image_size(image_size)
    if channels not in (None, 1):
        raise ValueError(f"data.channels {channels!r}: the digits are grayscale; use null or 1 "
                         "(stacked-digits gives 3 channels)")
    bunch = load_digits()
    x = torch.as_tensor(bunch.images, dtype=torch.float32)[:, None] / 8.0 - 1.0  # (1797, 1, 8, 8), 0..16 -> [-1, 1]
    labels = torch.as_tensor(bunch.target, dtype=torch.int64)
    notes = () if image_size == 8 else (f"digits: 1,797 images, resized (bilinear) 8×8 → {image_size}×{image_size} "
                                        "(data.image_size)",)
    x = resize_images(x, image_size)
    return ImageData("digits", x, labels, tuple(str(d) for d in range(10)), "digits", notes=notes)


def stacked_digits(image_size: int = 16, channels: int | None = None) -> StackedDigits:
    """Stacked digits (3 channels, 1,000 modes) built from :func:`digits` at ``image_size``."""
    if channels not in (None, 3):
        raise ValueError(f"data.channels {channels!r}: stacked-digits has 3 channels; use null or 3")
    single = digits(image_size)
    return StackedDigits(single, notes=(*single.notes, "stacked-digits: three digits drawn at random as the "
                                        "three channels of each image (1,000 modes)"))


IMAGE_DATA = {"digits": digits, "stacked-digits": stacked_digits}


# --- IDX (MNIST, Fashion-MNIST) -----------------------------------------------------------------------

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped (``.gz``) or not, into an array of its declared shape.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
    >>> _ = open(path, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    >>> read_idx(path).tolist()
    [7, 8, 9]
    """
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError) as err:
        raise ValueError(f"{path}: cannot read it ({err})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(f"{path}: not an IDX file (its first bytes {raw[:4].hex()} are not a valid IDX magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: IDX data of {len(raw) - header} bytes, expected {expected} for shape {dims} "
                         "(truncated or corrupt)")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _is_idx_name(path: Path) -> bool:
    name = path.name.lower()
    return "idx" in name and "ubyte" in name


def _idx_labels_for(images: Path) -> Path | None:
    for old, new in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1")):
        if old in images.name:
            candidate = images.with_name(images.name.replace(old, new))
            for path in (candidate, candidate.with_name(candidate.name.removesuffix(".gz")),
                         candidate.with_name(candidate.name + ".gz")):
                if path.is_file():
                    return path
    return None


def load_idx(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """MNIST / Fashion-MNIST IDX images (and labels when the matching labels file is beside them).

    ``path`` is an ``*-images-idx3-ubyte[.gz]`` file or a folder holding one (``train-*`` preferred).
    """
    path = Path(path)
    check_image_size(image_size)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and _is_idx_name(p) and "idx3" in p.name)
        if not found:
            raise ValueError(f"{path}: no IDX image file (*-images-idx3-ubyte or .gz) in this folder")
        train = [p for p in found if p.name.startswith("train")]
        path = (train or found)[0]
    images = read_idx(path)
    if images.ndim != 3:
        raise ValueError(f"{path}: expected IDX images of shape (N, H, W), got {images.shape}")
    labels = None
    labels_path = _idx_labels_for(path)
    if labels_path is not None:
        raw = read_idx(labels_path)
        if raw.shape != (len(images),):
            raise ValueError(f"{labels_path}: {raw.shape} labels do not match {len(images)} images")
        labels = torch.as_tensor(raw.astype(np.int64))
    x = _scale_to_unit(images, str(path))[:, None]  # (N, 1, H, W)
    name = path.name.removesuffix(".gz")
    return _finish(name, x, image_size, channels, labels=labels)


# --- CIFAR-10 python batches --------------------------------------------------------------------------

class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays, lists, dicts, strings and numbers only: never arbitrary code."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if module.startswith("numpy.core.") and hasattr(np, "_core"):
            module = module.replace("numpy.core.", "numpy._core.", 1)
        return super().find_class(module, name)


def _load_batch(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, OSError, ValueError, TypeError, AttributeError) as err:
        raise ValueError(f"{path}: not a readable CIFAR-10 python batch ({err})") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: not a CIFAR-10 python batch (a {type(batch).__name__}, not a dict)")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}


def _cifar_folder(path: Path) -> Path | None:
    for folder in (path, path / "cifar-10-batches-py"):
        if folder.is_dir() and any(folder.glob("data_batch_*")):
            return folder
    return None


def load_cifar10(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """CIFAR-10's training images from its python batches (``data_batch_1`` ... ``data_batch_5``).

    ``path`` is the ``cifar-10-batches-py`` folder or the folder above it. The batches are pickles;
    they are read with an unpickler that accepts numpy arrays and plain values only.
    """
    path = Path(path)
    check_image_size(image_size)
    folder = _cifar_folder(path)
    if folder is None:
        raise ValueError(f"{path}: no CIFAR-10 python batches (data_batch_*) here or in cifar-10-batches-py/")
    images, labels = [], []
    for batch_path in sorted(folder.glob("data_batch_*")):
        batch = _load_batch(batch_path)
        if "data" not in batch or "labels" not in batch:
            raise ValueError(f"{batch_path}: a CIFAR-10 batch needs 'data' and 'labels'")
        data = np.asarray(batch["data"])
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
            raise ValueError(f"{batch_path}: expected data of shape (N, 3072), got {data.shape}")
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch["labels"], dtype=np.int64))
    class_names = None
    meta = folder / "batches.meta"
    if meta.is_file():
        names = _load_batch(meta).get("label_names")
        if names is not None:
            class_names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    x = _scale_to_unit(np.concatenate(images), str(folder))
    return _finish("cifar10", x, image_size, channels, labels=torch.as_tensor(np.concatenate(labels)),
                   class_names=class_names)


# --- image folders ------------------------------------------------------------------------------------

def load_image_folder(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """Every PNG/JPEG under ``path`` (nested or flat), resized (shorter side) and centre-cropped.

    ``channels`` None keeps grayscale when every image is grayscale and gives RGB otherwise; 1 or 3
    forces it. Files that cannot be decoded are skipped, listed in ``skipped`` and reported with a
    warning; a folder without a single readable image is an error.
    """
    from PIL import Image, ImageOps

    path = Path(path)
    check_image_size(image_size)
    if channels not in (None, 1, 3):
        raise ValueError(f"data.channels {channels!r} is not supported; expected 1, 3 or None")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(f"{path}: no images with extension {', '.join(IMAGE_EXTENSIONS)} (case-insensitive) in "
                         "this folder or its subfolders")
    kept, gray, skipped = [], [], []
    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
                is_gray = image.mode in ("1", "L", "LA", "I", "I;16", "F")
                image = image.convert("L" if is_gray else "RGB")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
            skipped.append(f"{file}: {err}")
            continue
        kept.append(ImageOps.fit(image, (image_size, image_size), method=Image.Resampling.LANCZOS))
        gray.append(is_gray)
    if skipped:
        warnings.warn(f"{path}: skipped {len(skipped)} of {len(files)} image files that could not be read "
                      f"(first: {skipped[0]})", stacklevel=2)
    if not kept:
        raise ValueError(f"{path}: none of its {len(files)} image files could be read (first: {skipped[0]})")
    target = channels or (1 if all(gray) else 3)
    mode = "L" if target == 1 else "RGB"
    arrays = [np.asarray(image.convert(mode), dtype=np.uint8) for image in kept]
    x = np.stack(arrays)  # (N, H, W) or (N, H, W, 3)
    x = x[:, None] if target == 1 else x.transpose(0, 3, 1, 2)
    notes = [f"{path.name}: {len(kept)} images resized and centre-cropped to {image_size}×{image_size}, "
             f"{'grayscale' if target == 1 else 'RGB'}"]
    return ImageData(path.name or str(path), _scale_to_unit(x, str(path)), skipped=tuple(skipped),
                     notes=tuple(notes))


# --- arrays -------------------------------------------------------------------------------------------

def _image_array_from_npz(archive) -> tuple[np.ndarray | None, np.ndarray | None]:
    names = list(archive.files)
    image_key = next((k for k in ("images", "x", "X") if k in names and archive[k].ndim in (3, 4)), None)
    if image_key is None:
        image_key = next((k for k in names if archive[k].ndim in (3, 4)), None)
    if image_key is None:
        return None, None
    label_key = next((k for k in ("labels", "y", "Y") if k in names), None)
    return archive[image_key], (archive[label_key] if label_key else None)


def is_image_array(path: str | Path) -> bool:
    """Whether a ``.npy``/``.npz`` file holds images (a 3-D or 4-D array) rather than points (N, D)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False).ndim in (3, 4)
        with np.load(path, allow_pickle=False) as archive:
            return _image_array_from_npz(archive)[0] is not None
    except (OSError, ValueError, EOFError):
        return False


def load_image_array(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """Images from a ``.npy`` or ``.npz`` array of shape (N, H, W), (N, C, H, W) or (N, H, W, C), C in {1, 3, 4}.

    Integer pixels are read as 0..255; float pixels in [0, 1], [-1, 1] or [0, 255]. When both axis 1
    and axis 3 could be channels, (N, C, H, W) is assumed. A ``.npz`` takes the array named ``images``
    or ``x`` (else the first 3-D/4-D one) and ``labels`` or ``y`` when present.
    """
    path = Path(path)
    check_image_size(image_size)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    labels = None
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                array, raw_labels = _image_array_from_npz(archive)
            if raw_labels is not None:
                labels = torch.as_tensor(np.asarray(raw_labels).astype(np.int64).reshape(-1))
        else:
            array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path}: cannot read it as {path.suffix} ({err})") from None
    if array is None or array.ndim not in (3, 4):
        shape = None if array is None else array.shape
        raise ValueError(f"{path}: expected images of shape (N, H, W), (N, C, H, W) or (N, H, W, C), got {shape}")
    if array.ndim == 3:
        array = array[:, None]
    elif array.shape[1] in (1, 3, 4):
        pass
    elif array.shape[3] in (1, 3, 4):
        array = array.transpose(0, 3, 1, 2)
    else:
        raise ValueError(f"{path}: cannot tell the channel axis of shape {array.shape}; expected 1, 3 or 4 "
                         "channels on axis 1 (N, C, H, W) or axis 3 (N, H, W, C)")
    if len(array) < 2:
        raise ValueError(f"{path}: expected at least 2 images, got {len(array)}")
    return _finish(path.stem, _scale_to_unit(array, str(path)), image_size, channels, labels=labels)


# --- dispatch -----------------------------------------------------------------------------------------

def load_images(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """Images from a path: a CIFAR-10 folder, an IDX file or folder, a ``.npy``/``.npz`` array or an image folder.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "faces.npy")
    >>> np.save(path, np.zeros((5, 28, 28), dtype=np.uint8))
    >>> data = load_images(path, image_size=32)
    >>> data.shape, data.notes
    ((1, 32, 32), ('faces: resized 28×28 images to 32×32 (data.image_size)',))
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no image data at {path}")
    if path.is_file():
        if path.suffix.lower() in (".npy", ".npz"):
            return load_image_array(path, image_size, channels)
        if _is_idx_name(path) or path.suffix == ".gz":
            return load_idx(path, image_size, channels)
        raise ValueError(f"{path}: unsupported image data file; expected .npy, .npz, an IDX file, or a folder")
    if _cifar_folder(path) is not None:
        return load_cifar10(path, image_size, channels)
    if any(_is_idx_name(p) and "idx3" in p.name for p in path.iterdir() if p.is_file()):
        return load_idx(path, image_size, channels)
    return load_image_folder(path, image_size, channels)


__all__ = ["IMAGE_DATA", "IMAGE_EXTENSIONS", "IMAGE_SIZES", "ImageData", "StackedDigits", "check_image_size",
           "digits", "is_image_array", "load_cifar10", "load_idx", "load_image_array", "load_image_folder",
           "load_images", "read_idx", "resize_images", "stacked_digits", "to_channels"]
