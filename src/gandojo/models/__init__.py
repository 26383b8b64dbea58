"""Model families by name, and the latent noise they take."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gandojo.config import ModelConfig
from gandojo.models.common import spectral_normalised
from gandojo.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gandojo.models.mlp import MLPDiscriminator, MLPGenerator


def sample_noise(n: int, latent_dim: int, kind: str, generator: torch.Generator) -> Tensor:
    """Latent noise z of shape (n, latent_dim): standard normal, or uniform on [-1, 1].

    >>> sample_noise(3, 4, "uniform", torch.Generator().manual_seed(0)).abs().max().item() <= 1
    True
    """
    if kind == "normal":
        return torch.randn(n, latent_dim, generator=generator)
    if kind == "uniform":
        return torch.rand(n, latent_dim, generator=generator) * 2 - 1
    raise ValueError(f"noise {kind!r} is unknown; expected 'normal' or 'uniform'")


def generate(generator: nn.Module, n: int, latent_dim: int, noise: str, rng: torch.Generator, *,
             device: torch.device | str = "cpu", batch: int = 4096) -> Tensor:
    """``n`` samples from ``generator`` in eval mode, on the CPU, in batches of ``batch``; the module's mode is
    restored after. Runs under ``torch.inference_mode`` (no autograd bookkeeping at all); the result is an
    ordinary tensor, concatenated outside it."""
    was_training = generator.training
    generator.eval()
    try:
        with torch.inference_mode():
            parts = [generator(sample_noise(min(batch, n - i), latent_dim, noise, rng).to(device)).cpu()
                     for i in range(0, n, batch)]
    finally:
        generator.train(was_training)
    return torch.cat(parts).contiguous()


def standing_batchnorm_statistics(generator: nn.Module, latent_dim: int, noise: str, rng: torch.Generator, *,
                                  samples: int = 2048, batch: int = 512, device: torch.device | str = "cpu") -> bool:
    """Recompute the running statistics of every batch-norm layer of ``generator`` from its own outputs.

    A moving average of G's weights (``train.ema``) has no batch statistics of its own: the running mean and
    variance it carried were G's, measured on G's weights. Here each layer's statistics are reset and measured
    again, as cumulative means over ``samples`` noise vectors drawn from ``rng`` in batches of ``batch``
    (in train mode, as training normalises), so that eval mode normalises the averaged weights' activations by
    their own mean and variance ("standing statistics", BigGAN's remedy). Only the buffers change; the module's
    mode and each layer's momentum are restored. Returns whether there was any batch-norm layer to measure.

    >>> g = DCGANGenerator(image_size=8, channels=1, latent_dim=4, width=4)
    >>> standing_batchnorm_statistics(g, 4, "normal", torch.Generator().manual_seed(0), samples=64, batch=32)
    True
    >>> int(g.net[1].num_batches_tracked), g.training
    (2, True)
    """
    layers = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not layers:
        return False
    momenta = [layer.momentum for layer in layers]
    was_training = generator.training
    try:
        for layer in layers:
            layer.reset_running_stats()
            layer.momentum = None  # None: a cumulative mean over every batch since the reset
        generator.train()
        with torch.no_grad():
            for i in range(0, samples, batch):
                generator(sample_noise(min(batch, samples - i), latent_dim, noise, rng).to(device))
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
        generator.train(was_training)
    return True


def _build_mlp(config: ModelConfig, data_shape: tuple[int, ...], pack: int) -> tuple[nn.Module, nn.Module]:
    if len(data_shape) != 1:
        raise ValueError(f"model.family='mlp' takes flat samples (N, D); this data has samples of shape "
                         f"{data_shape}: use model.family='dcgan' for images")
    (dim,) = data_shape
    generator = MLPGenerator(dim, config.latent_dim, config.hidden, config.depth)
    discriminator = MLPDiscriminator(dim * pack, config.hidden, config.depth, config.critic_norm or "none",
                                     minibatch_std=config.minibatch_std)
    return generator, discriminator


def _build_dcgan(config: ModelConfig, data_shape: tuple[int, ...], pack: int) -> tuple[nn.Module, nn.Module]:
    if len(data_shape) != 3 or data_shape[1] != data_shape[2]:
        raise ValueError(f"model.family='dcgan' takes square images (N, C, H, W); this data has samples of "
                         f"shape {data_shape}: use model.family='mlp' for points")
    channels, size, _ = data_shape
    generator = DCGANGenerator(image_size=size, channels=channels, latent_dim=config.latent_dim,
                               width=config.width, extra_layers=config.extra_layers)
    discriminator = DCGANDiscriminator(image_size=size, channels=channels * pack, width=config.width,
                                       norm=config.critic_norm or "batch", classic_head=config.classic_head,
                                       extra_layers=config.extra_layers, minibatch_std=config.minibatch_std)
    return generator, discriminator


MODEL_FAMILIES = {"mlp": _build_mlp, "dcgan": _build_dcgan}


def build_models(config: ModelConfig, data_shape: tuple[int, ...], *, pack: int = 1,
                 standardize: tuple[Tensor, Tensor] | None = None) -> tuple[nn.Module, nn.Module]:
    """Generator and discriminator/critic for data whose samples have ``data_shape``.

    With ``pack`` m > 1 (PacGAN) the discriminator takes m samples at once, concatenated along the features
    (points) or the channels (images); :func:`pack_samples` makes its input. ``standardize`` (the data's
    mean and std per dimension, points only) makes both players work in standardised coordinates: G's
    output is mapped back to the data's scale, D's input is standardised first.
    """
    if config.family not in MODEL_FAMILIES:
        raise ValueError(f"model.family {config.family!r} is not available; expected one of "
                         + ", ".join(MODEL_FAMILIES))
    generator, discriminator = MODEL_FAMILIES[config.family](config, data_shape, pack)
    if standardize is not None:
        mean, std = standardize
        generator.shift.copy_(mean)
        generator.scale.copy_(std)
        discriminator.shift.copy_(mean.repeat(pack))
        discriminator.scale.copy_(std.repeat(pack))
    if config.spectral_norm:
        spectral_normalised(discriminator)
    return generator, discriminator


def pack_samples(x: Tensor, pack: int) -> Tensor:
    """(B, D) -> (B/m, m·D) or (B, C, H, W) -> (B/m, m·C, H, W): m consecutive samples side by side.

    >>> pack_samples(torch.arange(8.0).reshape(4, 2), 2).tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    """
    if pack == 1:
        return x
    if len(x) % pack:
        raise ValueError(f"a batch of {len(x)} cannot be packed by {pack}; make train.batch_size a multiple of it")
    return x.reshape(len(x) // pack, pack * x.shape[1], *x.shape[2:])


__all__ = ["DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator", "MODEL_FAMILIES",
           "build_models", "generate", "pack_samples", "sample_noise"]
