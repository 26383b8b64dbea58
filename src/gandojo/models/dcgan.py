"""DCGAN generator and discriminator/critic (Radford et al. 2015), at any power-of-two size from 8 to 128.

The architecture rules, and how these modules follow them:

- Generator: z is projected to a 4×4 map by a 4×4 transposed convolution, then stride-2 transposed
  convolutions double the size up to the image size; batch normalisation and ReLU after every layer
  except the output layer, which has tanh (images live in [-1, 1]).
- Discriminator: stride-2 convolutions halve the size down to 4×4 (no pooling); batch normalisation
  on every layer except the input layer; LeakyReLU(0.2) after every layer. No fully connected
  layer: a 1×1 convolution maps the last 4×4 feature map to one score per position and global
  average pooling averages them into the score (pooling first and then the 1×1 convolution gives
  the same number: both are linear). The score is a raw logit (or critic value); the loss applies
  the link function, so there is no sigmoid here.
- ``classic_head=True`` replaces the 1×1 convolution + pooling by the final 4×4 convolution of
  pytorch/examples' dcgan (valid padding, 4×4 → 1×1), for comparison.
- ``norm`` swaps the discriminator's normalisation: ``"batch"`` (DCGAN), ``"layer"`` (per-sample
  ``GroupNorm(1, C)``, i.e. layer normalisation over (C, H, W) with a per-channel affine, as WGAN-GP
  needs: its penalty is per sample and batch normalisation mixes samples) or ``"none"``.
- Weights N(0, 0.02); normalisation scales γ N(1, 0.02) and shifts 0 (the paper's initialisation).
- Convolutions followed by a normalisation layer have no bias (the normalisation's shift replaces it).

Channel widths follow pytorch/examples: the generator's last hidden layer has ``width`` channels and
each layer closer to z doubles it; the discriminator mirrors this. ``extra_layers`` adds 3×3
stride-1 convolution blocks (with normalisation and the activation) at the largest hidden
resolution, as the WGAN reference code's ``n_extra_layers`` does: that is the depth knob, since the
number of stride-2 layers is fixed by the image size.

>>> g = DCGANGenerator(image_size=32, channels=1, latent_dim=100, width=16)
>>> d = DCGANDiscriminator(image_size=32, channels=1, width=16)
>>> x = g(torch.randn(8, 100))
>>> x.shape, d(x).shape
(torch.Size([8, 1, 32, 32]), torch.Size([8]))
"""

from __future__ import annotations

from torch import Tensor, nn

from gandojo.config import Norm
from gandojo.models.common import (
    SUPPORTED_SIZES,
    MinibatchStd,
    check_image_size,
    check_positive_int,
    norm_layer,
)


def init_dcgan_weights(module: nn.Module) -> None:
    """The DCGAN initialisation: conv weights N(0, 0.02), norm γ N(1, 0.02), all biases and shifts 0.

    Apply with ``model.apply(init_dcgan_weights)``; draws from torch's global generator.
    """
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d | nn.GroupNorm):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class GlobalAvgPool(nn.Module):
    """Global average pooling: (B, C, H, W) -> (B, C), the mean over all positions."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(dim=(2, 3))


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) -> image (B, channels, image_size, image_size) in [-1, 1].

    Parameters
    ----------
    image_size : int
        A power of two from 8 to 128.
    channels : int
        Image channels (1 grayscale, 3 RGB).
    latent_dim : int
        Size of z (100 in the paper).
    width : int
        Channels of the last hidden layer (pytorch/examples' ``ngf``); doubled at each coarser layer.
    extra_layers : int
        Extra 3×3 stride-1 conv + BN + ReLU blocks before the output layer.

    Examples
    --------
    >>> g = DCGANGenerator(image_size=16, channels=3, latent_dim=8, width=4)
    >>> y = g(torch.randn(2, 8))
    >>> y.shape, bool(y.abs().max() <= 1)
    (torch.Size([2, 3, 16, 16]), True)
    """

    def __init__(self, *, image_size: int = 64, channels: int = 3, latent_dim: int = 100, width: int = 64,
                 extra_layers: int = 0):
        super().__init__()
        stages = check_image_size(image_size)
        check_positive_int("channels", channels)
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("width", width)
        check_positive_int("extra_layers", extra_layers, allow_zero=True)
        self.image_size, self.channels, self.latent_dim, self.width = image_size, channels, latent_dim, width
        c = width * 2 ** (stages - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, c, 4, 1, 0, bias=False),  # (B, c, 4, 4): the projection of z
            nn.BatchNorm2d(c),
            nn.ReLU(),
        ]
        size = 4
        for _ in range(stages - 1):
            layers += [
                nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False),  # (B, c/2, 2*size, 2*size)
                nn.BatchNorm2d(c // 2),
                nn.ReLU(),
            ]
            c, size = c // 2, size * 2
        for _ in range(extra_layers):
            layers += [
                nn.Conv2d(c, c, 3, 1, 1, bias=False),  # (B, width, image_size/2, image_size/2)
                nn.BatchNorm2d(c),
                nn.ReLU(),
            ]
        layers += [
            nn.ConvTranspose2d(c, channels, 4, 2, 1),  # (B, channels, image_size, image_size): output layer, no BN
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]  # (B, latent_dim, 1, 1)
        if z.dim() != 4 or z.shape[1:] != (self.latent_dim, 1, 1):
            raise ValueError(f"z must have shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """image (B, channels, image_size, image_size) -> raw score (B,).

    Parameters
    ----------
    image_size : int
        A power of two from 8 to 128.
    channels : int
        Image channels.
    width : int
        Channels of the first layer (pytorch/examples' ``ndf``); doubled at each stride-2 layer.
    norm : {"batch", "layer", "none"}
        Normalisation after every layer but the input layer: batch (DCGAN), layer (WGAN-GP) or none.
    classic_head : bool
        Score with pytorch/examples' final 4×4 convolution instead of 1×1 convolution + global average
        pooling.
    extra_layers : int
        Extra 3×3 stride-1 conv + norm + LeakyReLU blocks after the input layer.

    Examples
    --------
    >>> d = DCGANDiscriminator(image_size=8, channels=1, width=4, norm="layer")
    >>> d(torch.randn(3, 1, 8, 8)).shape
    torch.Size([3])
    """

    def __init__(self, *, image_size: int = 64, channels: int = 3, width: int = 64, norm: Norm = "batch",
                 classic_head: bool = False, extra_layers: int = 0, minibatch_std: bool = False):
        super().__init__()
        stages = check_image_size(image_size)
        check_positive_int("channels", channels)
        check_positive_int("width", width)
        check_positive_int("extra_layers", extra_layers, allow_zero=True)
        norm_layer(norm, 1, images=True)  # an unknown norm fails here, before any layer is built
        self.image_size, self.channels, self.width, self.norm = image_size, channels, width, norm
        self.classic_head = bool(classic_head)

        def block(c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> list[nn.Module]:
            if norm == "none":
                return [nn.Conv2d(c_in, c_out, kernel, stride, padding), nn.LeakyReLU(0.2)]
            return [nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False),
                    norm_layer(norm, c_out, images=True), nn.LeakyReLU(0.2)]

        c, size = width, image_size // 2
        layers: list[nn.Module] = [
            nn.Conv2d(channels, c, 4, 2, 1),  # (B, width, image_size/2, image_size/2): input layer, no norm
            nn.LeakyReLU(0.2),
        ]
        for _ in range(extra_layers):
            layers += block(c, c, 3, 1, 1)  # (B, width, image_size/2, image_size/2)
        for _ in range(stages - 1):
            layers += block(c, c * 2, 4, 2, 1)  # (B, 2c, size/2, size/2)
            c, size = c * 2, size // 2
        if minibatch_std:
            layers.append(MinibatchStd())  # (B, c + 1, 4, 4): the batch's spread as one more channel
            c += 1
        self.features = nn.Sequential(*layers)  # (B, c, 4, 4)
        if self.classic_head:
            self.head = nn.Sequential(nn.Conv2d(c, 1, 4, 1, 0))  # (B, 1, 1, 1): pytorch/examples' last layer
        else:
            self.head = nn.Sequential(
                nn.Conv2d(c, 1, 1),  # (B, 1, 4, 4): one score per position
                GlobalAvgPool(),  # (B, 1): their mean
            )
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor) -> Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"images must have shape (B, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
        return self.head(self.features(x)).reshape(len(x))  # (B,)


__all__ = ["SUPPORTED_SIZES", "DCGANDiscriminator", "DCGANGenerator", "GlobalAvgPool", "init_dcgan_weights"]
