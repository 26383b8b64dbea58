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

from gandojo.data.images.bundled import BUNDLED_IMAGES, StackedDigits, digits, stacked_digits
from gandojo.data.images.formats import (
    IMAGE_FORMATS,
    load_cifar10,
    load_idx,
    load_image_array,
    load_image_folder,
    read_idx,
)
from gandojo.data.images.transforms import ImageData, resize_images, to_channels

__all__ = ["BUNDLED_IMAGES", "IMAGE_FORMATS", "ImageData", "StackedDigits", "digits", "load_cifar10", "load_idx",
           "load_image_array", "load_image_folder", "read_idx", "resize_images", "stacked_digits", "to_channels"]
