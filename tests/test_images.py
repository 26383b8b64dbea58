"""Image loaders on small files made here: digits, stacked digits, IDX, CIFAR-10, folders, arrays; bad input."""

import gzip
import pickle
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from gandojo.config import DataConfig
from gandojo.data import load_data
from gandojo.data.images import (
    ImageData,
    digits,
    load_cifar10,
    load_idx,
    load_image_folder,
    read_idx,
    resize_images,
    stacked_digits,
    to_channels,
)
from gandojo.data.points import ArrayData


def in_range(x):
    return x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1


# --- bundled ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [8, 16, 32])
def test_digits_are_scaled_resized_and_labelled(size):
    data = load_data(DataConfig(name="digits", image_size=size))
    assert data.shape == (1, size, size) and data.values.shape == (1797, 1, size, size)
    assert in_range(data.values) and data.values.min() == -1 and data.values.max() == 1
    assert data.benchmark == "digits" and data.modes is None and data.kind == "images"
    assert torch.bincount(data.labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert data.sample(7, torch.Generator().manual_seed(0)).shape == (7, 1, size, size)


def test_digits_at_8_are_the_raw_sklearn_pixels():
    from sklearn.datasets import load_digits

    raw = load_digits().images[:3]
    assert np.allclose(digits(8).values[:3, 0].numpy(), raw / 8 - 1)


def test_stacked_digits_channels_are_digits_and_modes_match_their_labels():
    data = stacked_digits(16)
    base = digits(16)
    lookup = {base.values[i].numpy().tobytes(): int(base.labels[i]) for i in range(len(base.values))}
    images, modes = data.sample_with_modes(50, torch.Generator().manual_seed(1))
    assert images.shape == (50, 3, 16, 16) and data.shape == (3, 16, 16) and data.values is None
    for image, mode in zip(images, modes, strict=True):
        labels = [lookup[image[c:c + 1].numpy().tobytes()] for c in range(3)]
        assert 100 * labels[0] + 10 * labels[1] + labels[2] == int(mode)
    again = data.sample(50, torch.Generator().manual_seed(1))
    assert torch.equal(again, images)  # same seed, same draws


@pytest.mark.parametrize("config, word", [
    (DataConfig(name="digits", image_size=24), "24"),
    (DataConfig(name="digits", image_size=256), "256"),
    (DataConfig(name="digits", channels=3), "grayscale"),
    (DataConfig(name="stacked-digits", channels=1), "3 channels"),
])
def test_bad_digit_settings_are_rejected_by_name(config, word):
    with pytest.raises(ValueError, match=word):
        load_data(config)


# --- IDX ----------------------------------------------------------------------------------------------

def write_idx(path, array, *, gz):
    array = np.asarray(array)
    code = {np.uint8: 0x08, np.int32: 0x0C}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_with_labels(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, gz=gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, gz=gz)
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images[:2], gz=gz)  # the test split is not used
    data = load_data(DataConfig(name=str(tmp_path), image_size=32))
    assert isinstance(data, ImageData) and data.values.shape == (6, 1, 32, 32) and in_range(data.values)
    assert data.labels.tolist() == [3, 1, 4, 1, 5, 9]
    assert any("28×28" in note and "32×32" in note for note in data.notes)  # the resize is said
    direct = load_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", image_size=32)
    assert torch.equal(direct.values, data.values)
    native = load_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", image_size=8)
    assert native.values.shape == (6, 1, 8, 8)


def test_idx_values_are_exact():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    x = (torch.as_tensor(images, dtype=torch.float32) / 127.5 - 1)[:, None]
    assert torch.allclose(resize_images(x, 2), x)


def test_bad_idx_files(tmp_path):
    good = tmp_path / "x-images-idx3-ubyte"
    write_idx(good, np.zeros((2, 8, 8), dtype=np.uint8), gz=False)
    truncated = tmp_path / "y-images-idx3-ubyte"
    truncated.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(truncated)
    bad_magic = tmp_path / "z-images-idx3-ubyte"
    bad_magic.write_bytes(b"\x12\x34\x08\x03" + good.read_bytes()[4:])
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad_magic)
    not_gzip = tmp_path / "w-images-idx3-ubyte.gz"
    not_gzip.write_bytes(b"plain bytes")
    with pytest.raises(ValueError, match="cannot read"):
        read_idx(not_gzip)


# --- CIFAR-10 -----------------------------------------------------------------------------------------

def write_cifar(folder, batches=2, per_batch=4):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for b in range(1, batches + 1):
        batch = {b"batch_label": b"training batch", b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": [int(v) for v in rng.integers(0, 10, per_batch)], b"filenames": [b"x.png"] * per_batch}
        (folder / f"data_batch_{b}").write_bytes(pickle.dumps(batch, protocol=2))
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}, protocol=2))
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0]}))


def test_cifar_batches(tmp_path):
    write_cifar(tmp_path / "cifar-10-batches-py")
    data = load_data(DataConfig(name=str(tmp_path), image_size=32))  # the folder above works too
    assert data.values.shape == (8, 3, 32, 32) and in_range(data.values) and len(data.labels) == 8
    assert data.class_names[:2] == ("airplane", "automobile")
    raw = pickle.loads((tmp_path / "cifar-10-batches-py" / "data_batch_1").read_bytes())[b"data"]
    expected = torch.as_tensor(raw[0].reshape(3, 32, 32) / 127.5 - 1, dtype=torch.float32)
    assert torch.allclose(data.values[0], expected, atol=1e-6)
    gray = load_cifar10(tmp_path / "cifar-10-batches-py", image_size=16, channels=1)
    assert gray.values.shape == (8, 1, 16, 16)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_cifar_pickles_cannot_run_code(tmp_path):
    folder = tmp_path / "cifar"
    folder.mkdir()
    marker = tmp_path / "pwned"
    (folder / "data_batch_1").write_bytes(pickle.dumps({b"data": _Exploit(marker), b"labels": []}))
    with pytest.raises(ValueError, match="refusing"):
        load_cifar10(folder)
    assert not marker.exists()


# --- image folders ------------------------------------------------------------------------------------

def save(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path)


def test_flat_folder_of_gray_png_and_jpeg(tmp_path):
    for i in range(3):
        save(tmp_path / f"g{i}.png", np.full((20, 20), 60 * i))
    save(tmp_path / "j.JPG", np.full((20, 20), 200))
    (tmp_path / "notes.txt").write_text("not an image")
    data = load_data(DataConfig(name=str(tmp_path), image_size=8))
    assert data.values.shape == (4, 1, 8, 8) and data.labels is None and data.skipped == ()
    assert torch.allclose(data.values[:3, 0, 0, 0], torch.tensor([-1.0, 60 / 127.5 - 1, 120 / 127.5 - 1]))


def test_nested_folder_mixed_colour_becomes_rgb_unless_forced(tmp_path):
    save(tmp_path / "cats" / "a.png", np.zeros((16, 16)))
    rgb = np.zeros((16, 16, 3))
    rgb[..., 0] = 255
    save(tmp_path / "dogs" / "deep" / "b.png", rgb)
    data = load_image_folder(tmp_path, image_size=16)
    assert data.values.shape == (2, 3, 16, 16)
    assert torch.allclose(data.values[1, :, 0, 0], torch.tensor([1.0, -1.0, -1.0]))  # red stays red
    gray = load_image_folder(tmp_path, image_size=16, channels=1)
    assert gray.values.shape == (2, 1, 16, 16)
    assert abs(gray.values[1, 0, 0, 0].item() - (round(0.299 * 255) / 127.5 - 1)) < 0.01  # luma of red


def test_non_square_images_are_resized_and_centre_cropped(tmp_path):
    image = np.zeros((10, 30), dtype=np.uint8)
    image[:, 10:20] = 255  # white middle third
    save(tmp_path / "wide.png", image)
    save(tmp_path / "wide2.png", image)
    data = load_image_folder(tmp_path, image_size=8)
    assert data.values.shape == (2, 1, 8, 8)
    assert data.values[0].min() > 0.9  # only the middle third survives the centre crop


def test_corrupt_and_truncated_files_are_skipped_counted_and_listed(tmp_path):
    for i in range(3):
        save(tmp_path / f"ok{i}.png", np.full((12, 12), 100))
    (tmp_path / "garbage.png").write_bytes(b"this is not a png")
    whole = (tmp_path / "ok0.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(whole[: len(whole) // 2])
    with pytest.warns(UserWarning, match="skipped 2 of 5"):
        data = load_image_folder(tmp_path, image_size=8)
    assert len(data.values) == 3
    assert sorted(s.split(":")[0].rsplit("/", 1)[-1] for s in data.skipped) == ["garbage.png", "truncated.png"]


def test_empty_or_unreadable_folders_name_path_and_extensions(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"empty: no images with extension \.png, \.jpg, \.jpeg"):
        load_data(DataConfig(name=str(empty)))
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="no images with extension"):
        load_data(DataConfig(name=str(tmp_path / "texts")))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.png").write_bytes(b"nope")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="none of its 1 image files could be read"):
        load_data(DataConfig(name=str(tmp_path / "bad")))
    with pytest.raises(ValueError, match="image_size 12"):
        load_image_folder(tmp_path / "texts", image_size=12)


# --- arrays -------------------------------------------------------------------------------------------

def test_image_arrays_in_every_layout(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "nhw.npy", rng.integers(0, 256, (5, 16, 16), dtype=np.uint8))
    np.save(tmp_path / "nchw.npy", rng.random((5, 3, 16, 16)).astype(np.float32))  # [0, 1]
    nhwc = rng.uniform(-1, 1, (5, 16, 16, 3)).astype(np.float32)
    np.save(tmp_path / "nhwc.npy", nhwc)
    np.savez(tmp_path / "arch.npz", images=rng.integers(0, 256, (4, 1, 32, 32), dtype=np.uint8),
             labels=np.array([0, 1, 1, 0]))
    shapes = {name: load_data(DataConfig(name=str(tmp_path / name), image_size=16)).values.shape
              for name in ("nhw.npy", "nchw.npy", "nhwc.npy", "arch.npz")}
    assert shapes == {"nhw.npy": (5, 1, 16, 16), "nchw.npy": (5, 3, 16, 16), "nhwc.npy": (5, 3, 16, 16),
                      "arch.npz": (4, 1, 16, 16)}
    data = load_data(DataConfig(name=str(tmp_path / "nhwc.npy"), image_size=16))
    assert torch.allclose(data.values, torch.as_tensor(nhwc).permute(0, 3, 1, 2))  # [-1, 1] kept as it is
    assert load_data(DataConfig(name=str(tmp_path / "arch.npz"), image_size=16)).labels.tolist() == [0, 1, 1, 0]
    assert load_data(DataConfig(name=str(tmp_path / "nchw.npy"), image_size=16, channels=1)).shape == (1, 16, 16)


def test_two_dimensional_arrays_are_still_points(tmp_path):
    np.save(tmp_path / "pts.npy", np.random.default_rng(0).normal(size=(50, 3)))
    data = load_data(DataConfig(name=str(tmp_path / "pts.npy")))
    assert isinstance(data, ArrayData) and data.shape == (3,)


@pytest.mark.parametrize("array, word", [
    (np.zeros((4, 5, 6, 7)), "channel axis"),
    (np.full((4, 8, 8), 1000.0), "pixel values range"),
    (np.full((4, 8, 8), np.nan), "NaN"),
    (np.zeros((4, 8, 8), dtype=np.int16) - 5, "0..255"),
    (np.zeros((1, 8, 8)), "at least 2 images"),
])
def test_bad_image_arrays(tmp_path, array, word):
    np.save(tmp_path / "bad.npy", array)
    with pytest.raises(ValueError, match=word):
        load_data(DataConfig(name=str(tmp_path / "bad.npy")))


def test_missing_and_unknown_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_data(DataConfig(name=str(tmp_path / "nothing.npy")))
    with pytest.raises(ValueError, match="unknown data set"):
        load_data(DataConfig(name="not-a-data-set"))
    (tmp_path / "x.bin").write_bytes(b"1")
    with pytest.raises(ValueError, match="unsupported image data file"):
        load_data(DataConfig(name=str(tmp_path / "x.bin")))


def test_channel_conversion_and_resize_helpers():
    rgb = torch.zeros(1, 3, 2, 2)
    rgb[:, 1] = 1.0
    assert torch.allclose(to_channels(rgb, 1), torch.full((1, 1, 2, 2), 0.587))
    assert to_channels(torch.zeros(2, 1, 4, 4), 3).shape == (2, 3, 4, 4)
    assert to_channels(torch.zeros(2, 4, 4, 4), None).shape == (2, 3, 4, 4)  # alpha dropped
    with pytest.raises(ValueError, match="5 channels"):
        to_channels(torch.zeros(1, 5, 4, 4), None)
    big = resize_images(torch.rand(3, 1, 64, 64) * 2 - 1, 16)
    assert big.shape == (3, 1, 16, 16) and in_range(big)
