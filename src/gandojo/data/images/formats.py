"""Image files and folders on disk: MNIST-style IDX files (gzipped or not), CIFAR-10 python batches (read with
an unpickler that takes arrays and plain values only), folders of PNG/JPEG files, and ``.npy``/``.npz``
image arrays. Every loader returns an :class:`~gandojo.data.images.transforms.ImageData`."""

from __future__ import annotations

import gzip
import pickle
import struct
import warnings
from pathlib import Path

import numpy as np
import torch

from gandojo.catalogue import IMAGE_EXTENSIONS, check_image_size, cifar_folder, is_idx_name
from gandojo.data.images.transforms import ImageData, finish, scale_to_unit
from gandojo.i18n import _

__all__ = ["IMAGE_FORMATS", "load_cifar10", "load_idx", "load_image_array", "load_image_folder", "read_idx"]


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
        raise ValueError(_("{path}: cannot read it ({error})").format(path=path, error=err)) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(_("{path}: not an IDX file (its first bytes {magic} are not a valid IDX magic number)").format(
            path=path, magic=raw[:4].hex()))
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(_("{path}: truncated IDX header").format(path=path))
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(_("{path}: IDX data of {size} bytes, expected {expected} for shape {shape} (truncated or "
                           "corrupt)").format(path=path, size=len(raw) - header, expected=expected, shape=dims))
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


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
    check_image_size(image_size, "data.image_size")
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and is_idx_name(p) and "idx3" in p.name)
        if not found:
            raise ValueError(_("{path}: no IDX image file (*-images-idx3-ubyte or .gz) in this folder").format(
                path=path))
        train = [p for p in found if p.name.startswith("train")]
        path = (train or found)[0]
    images = read_idx(path)
    if images.ndim != 3:
        raise ValueError(_("{path}: expected IDX images of shape (N, H, W), got {shape}").format(
            path=path, shape=images.shape))
    labels = None
    labels_path = _idx_labels_for(path)
    if labels_path is not None:
        raw = read_idx(labels_path)
        if raw.shape != (len(images),):
            raise ValueError(_("{path}: {shape} labels do not match {n} images").format(
                path=labels_path, shape=raw.shape, n=len(images)))
        labels = torch.as_tensor(raw.astype(np.int64))
    x = scale_to_unit(images, str(path))[:, None]  # (N, 1, H, W)
    name = path.name.removesuffix(".gz")
    return finish(name, x, image_size, channels, labels=labels)


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
        raise ValueError(_("{path}: not a readable CIFAR-10 python batch ({error})").format(
            path=path, error=err)) from None
    if not isinstance(batch, dict):
        raise ValueError(_("{path}: not a CIFAR-10 python batch (a {type}, not a dict)").format(
            path=path, type=type(batch).__name__))
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}


def load_cifar10(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """CIFAR-10's training images from its python batches (``data_batch_1`` ... ``data_batch_5``).

    ``path`` is the ``cifar-10-batches-py`` folder or the folder above it. The batches are pickles;
    they are read with an unpickler that accepts numpy arrays and plain values only.
    """
    path = Path(path)
    check_image_size(image_size, "data.image_size")
    folder = cifar_folder(path)
    if folder is None:
        raise ValueError(_("{path}: no CIFAR-10 python batches (data_batch_*) here or in cifar-10-batches-py/").format(
            path=path))
    images, labels = [], []
    for batch_path in sorted(folder.glob("data_batch_*")):
        batch = _load_batch(batch_path)
        if "data" not in batch or "labels" not in batch:
            raise ValueError(_("{path}: a CIFAR-10 batch needs 'data' and 'labels'").format(path=batch_path))
        data = np.asarray(batch["data"])
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
            raise ValueError(_("{path}: expected data of shape (N, 3072), got {shape}").format(
                path=batch_path, shape=data.shape))
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch["labels"], dtype=np.int64))
    class_names = None
    meta = folder / "batches.meta"
    if meta.is_file():
        names = _load_batch(meta).get("label_names")
        if names is not None:
            class_names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    x = scale_to_unit(np.concatenate(images), str(folder))
    return finish("cifar10", x, image_size, channels, labels=torch.as_tensor(np.concatenate(labels)),
                   class_names=class_names)


def load_image_folder(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """Every PNG/JPEG under ``path`` (nested or flat), resized (shorter side) and centre-cropped.

    ``channels`` None keeps grayscale when every image is grayscale and gives RGB otherwise; 1 or 3
    forces it. Files that cannot be decoded are skipped, listed in ``skipped`` and reported with a
    warning; a folder without a single readable image is an error.
    """
    from PIL import Image, ImageOps

    path = Path(path)
    check_image_size(image_size, "data.image_size")
    if channels not in (None, 1, 3):
        raise ValueError(_("data.channels {channels!r} is not supported; expected 1, 3 or None").format(
            channels=channels))
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(_("{path}: no images with extension {extensions} (case-insensitive) in this folder or its "
                           "subfolders").format(path=path, extensions=", ".join(IMAGE_EXTENSIONS)))
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
        warnings.warn(_("{path}: skipped {n} of {total} image files that could not be read (first: {first})").format(
            path=path, n=len(skipped), total=len(files), first=skipped[0]), stacklevel=2)
    if not kept:
        raise ValueError(_("{path}: none of its {n} image files could be read (first: {first})").format(
            path=path, n=len(files), first=skipped[0]))
    target = channels or (1 if all(gray) else 3)
    mode = "L" if target == 1 else "RGB"
    arrays = [np.asarray(image.convert(mode), dtype=np.uint8) for image in kept]
    x = np.stack(arrays)  # (N, H, W) or (N, H, W, 3)
    x = x[:, None] if target == 1 else x.transpose(0, 3, 1, 2)
    notes = [f"{path.name}: {len(kept)} images resized and centre-cropped to {image_size}×{image_size}, "
             f"{'grayscale' if target == 1 else 'RGB'}"]
    return ImageData(path.name or str(path), scale_to_unit(x, str(path)), skipped=tuple(skipped),
                     notes=tuple(notes))


def _image_array_from_npz(archive) -> tuple[np.ndarray | None, np.ndarray | None]:
    names = list(archive.files)
    image_key = next((k for k in ("images", "x", "X") if k in names and archive[k].ndim in (3, 4)), None)
    if image_key is None:
        image_key = next((k for k in names if archive[k].ndim in (3, 4)), None)
    if image_key is None:
        return None, None
    label_key = next((k for k in ("labels", "y", "Y") if k in names), None)
    return archive[image_key], (archive[label_key] if label_key else None)


def load_image_array(path: str | Path, image_size: int = 32, channels: int | None = None) -> ImageData:
    """Images from a ``.npy`` or ``.npz`` array of shape (N, H, W), (N, C, H, W) or (N, H, W, C), C in {1, 3, 4}.

    Integer pixels are read as 0..255; float pixels in [0, 1], [-1, 1] or [0, 255]. When both axis 1
    and axis 3 could be channels, (N, C, H, W) is assumed. A ``.npz`` takes the array named ``images``
    or ``x`` (else the first 3-D/4-D one) and ``labels`` or ``y`` when present.
    """
    path = Path(path)
    check_image_size(image_size, "data.image_size")
    if not path.is_file():
        raise FileNotFoundError(_("data file not found: {path}").format(path=path))
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
        raise ValueError(_("{path}: cannot read it as {suffix} ({error})").format(path=path, suffix=path.suffix,
                                                                                  error=err)) from None
    if array is None or array.ndim not in (3, 4):
        shape = None if array is None else array.shape
        raise ValueError(_("{path}: expected images of shape (N, H, W), (N, C, H, W) or (N, H, W, C), got "
                           "{shape}").format(path=path, shape=shape))
    if array.ndim == 3:
        array = array[:, None]
    elif array.shape[1] in (1, 3, 4):
        pass
    elif array.shape[3] in (1, 3, 4):
        array = array.transpose(0, 3, 1, 2)
    else:
        raise ValueError(_("{path}: cannot tell the channel axis of shape {shape}; expected 1, 3 or 4 channels on "
                           "axis 1 (N, C, H, W) or axis 3 (N, H, W, C)").format(path=path, shape=array.shape))
    if len(array) < 2:
        raise ValueError(_("{path}: expected at least 2 images, got {n}").format(path=path, n=len(array)))
    return finish(path.stem, scale_to_unit(array, str(path)), image_size, channels, labels=labels)


IMAGE_FORMATS = {"array": load_image_array, "idx": load_idx, "cifar10": load_cifar10, "folder": load_image_folder}
