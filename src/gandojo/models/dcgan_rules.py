"""The DCGAN architecture rules (Radford et al. 2015), checked by walking the layers a forward pass runs:
used by the tests at every size and by ``gandojo tour``, which prints them for the model it trains.

>>> from gandojo.models.dcgan import DCGANDiscriminator, DCGANGenerator
>>> g = DCGANGenerator(image_size=16, channels=1, latent_dim=8, width=8)
>>> d = DCGANDiscriminator(image_size=16, channels=1, width=8)
>>> generator_violations(g, torch.randn(2, 8)), discriminator_violations(d, torch.randn(2, 1, 16, 16))
([], [])
"""

from __future__ import annotations

import torch
from torch import nn

from gandojo.i18n import N_
from gandojo.models.dcgan import GlobalAvgPool

__all__ = ["CONVS", "RULES", "discriminator_violations", "generator_violations"]

RULES = (  # marked for the catalog: the tour shows them in the reader's language
    N_("G: z is projected to a 4×4 map, then only stride-2 transposed convolutions double it (no pooling, "
       "no upsampling layer, no fully connected layer)"),
    N_("G: batch normalisation and ReLU after every layer except the output, which has tanh"),
    N_("D: stride-2 convolutions halve the map down to 4×4 (no pooling, no fully connected layer)"),
    N_("D: batch normalisation on every layer except the input; LeakyReLU(0.2) after every layer"),
    N_("D: one raw score per image (a logit or critic value; the loss applies the link function)"),
)

POOLING = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
           nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d,
           nn.LPPool1d, nn.LPPool2d, nn.FractionalMaxPool2d)
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)
CONVS = (nn.Conv2d, nn.ConvTranspose2d)
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.GELU, nn.SiLU, nn.PReLU, nn.Softplus)


def executed(model, x):
    """Leaf modules in the order the forward pass runs them, with their output shapes."""
    order = []
    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(lambda mod, _, out: order.append((mod, tuple(out.shape)))) for m in leaves]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    return order, out


def blocks(order):
    """Split the executed layers into blocks, each starting at a convolution."""
    result = []
    for module, shape in order:
        if isinstance(module, CONVS):
            result.append([(module, shape)])
        elif result:
            result[-1].append((module, shape))
        else:
            result.append([(module, shape)])
    return result


def discriminator_violations(d, x, norm_type=nn.BatchNorm2d):
    """Every broken DCGAN discriminator rule, as readable strings (empty when all rules hold)."""
    order, out = executed(d, x)
    found = []
    for m in d.modules():
        if isinstance(m, POOLING):
            found.append(f"pooling layer {type(m).__name__}")
        if isinstance(m, nn.Linear):
            found.append("fully connected layer")
        if isinstance(m, ACTIVATIONS) and not isinstance(m, nn.LeakyReLU):
            found.append(f"activation {type(m).__name__} (not LeakyReLU)")
        if isinstance(m, nn.LeakyReLU) and m.negative_slope != 0.2:
            found.append(f"LeakyReLU slope {m.negative_slope}")
    if out.shape != (len(x),):
        found.append(f"output shape {tuple(out.shape)}")
    parts = blocks(order)
    if not isinstance(parts[0][0][0], nn.Conv2d):
        found.append(f"input layer is {type(parts[0][0][0]).__name__}")
    *layers, head = parts
    for i, block in enumerate(layers):
        conv, _ = block[0]
        rest = [type(m) for m, _ in block[1:]]
        if not isinstance(conv, nn.Conv2d):
            found.append(f"layer {i}: {type(conv).__name__}")
        if conv.kernel_size == (4, 4) and conv.stride != (2, 2):
            found.append(f"layer {i}: a 4x4 convolution with stride {conv.stride}")
        expected = [nn.LeakyReLU] if i == 0 or norm_type is None else [norm_type, nn.LeakyReLU]
        if rest != expected:
            found.append(f"layer {i}: {[t.__name__ for t in rest]} after the convolution, expected "
                         f"{[t.__name__ for t in expected]}")
    conv, _ = head[0]
    head_rest = [type(m) for m, _ in head[1:]]
    if not isinstance(conv, nn.Conv2d) or conv.out_channels != 1 or head_rest not in ([], [GlobalAvgPool]):
        found.append(f"score layer {type(conv).__name__} followed by {[t.__name__ for t in head_rest]}")
    if any(isinstance(m, NORMS) for m, _ in head):
        found.append("normalisation in the score layer")
    # downsampling: each stride-2 layer halves the map, ending at 4x4 before the score layer
    sizes = [shape[-1] for block in layers for m, shape in block[:1]]
    if sizes and sizes[-1] != 4:
        found.append(f"last feature map is {sizes[-1]}x{sizes[-1]}, expected 4x4")
    return found


def generator_violations(g, z):
    order, out = executed(g, z)
    found = []
    for m in g.modules():
        if isinstance(m, POOLING) or isinstance(m, nn.Upsample | nn.Linear):
            found.append(f"{type(m).__name__} in the generator")
        if isinstance(m, ACTIVATIONS) and not isinstance(m, nn.ReLU | nn.Tanh):
            found.append(f"activation {type(m).__name__}")
    *layers, last = blocks(order)
    for i, block in enumerate(layers):
        conv, shape = block[0]
        rest = [type(m) for m, _ in block[1:]]
        if rest != [nn.BatchNorm2d, nn.ReLU]:
            found.append(f"layer {i}: {[t.__name__ for t in rest]}, expected BatchNorm2d, ReLU")
        if isinstance(conv, nn.ConvTranspose2d) and i > 0 and conv.stride != (2, 2):
            found.append(f"layer {i}: transposed convolution with stride {conv.stride}")
        if i == 0 and shape[-2:] != (4, 4):
            found.append(f"z projected to {shape[-2:]}, expected 4x4")
    conv, shape = last[0]
    rest = [type(m) for m, _ in last[1:]]
    if not isinstance(conv, nn.ConvTranspose2d) or conv.stride != (2, 2):
        found.append(f"output layer is {type(conv).__name__} with stride {getattr(conv, 'stride', None)}")
    if rest != [nn.Tanh]:
        found.append(f"output layer followed by {[t.__name__ for t in rest]}, expected Tanh only")
    # upsampling only by stride-2 transposed convolutions: sizes double from 4 to the image size
    sizes = [shape[-1] for block in layers + [last] for m, shape in block[:1] if isinstance(m, nn.ConvTranspose2d)]
    if sizes != [4 * 2 ** i for i in range(len(sizes))]:
        found.append(f"feature map sizes {sizes}")
    return found
