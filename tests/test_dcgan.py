"""DCGAN models: the seed's architecture rules (gandojo.models.dcgan_rules) hold at every size, and the checker
catches each rule broken on purpose."""

import inspect

import pytest
import torch
from torch import nn

import gandojo
from gandojo.config import Config, DataConfig, ModelConfig, ObjectiveConfig, TrainConfig, resolve
from gandojo.models import build_models
from gandojo.models.dcgan import SUPPORTED_SIZES, DCGANDiscriminator, DCGANGenerator, GlobalAvgPool
from gandojo.models.dcgan_rules import CONVS, discriminator_violations, generator_violations
from run_helpers import trainer_for


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("classic_head", [False, True])
def test_rules_hold_at_every_size_and_channel_count(size, channels, classic_head):
    g = DCGANGenerator(image_size=size, channels=channels, latent_dim=16, width=4)
    d = DCGANDiscriminator(image_size=size, channels=channels, width=4, classic_head=classic_head)
    z = torch.randn(3, 16)
    assert generator_violations(g, z) == []
    x = g(z)
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1
    assert discriminator_violations(d, x) == []
    head = [type(m) for m in d.head]
    assert head == ([nn.Conv2d] if classic_head else [nn.Conv2d, GlobalAvgPool])


@pytest.mark.parametrize("norm, norm_type", [("batch", nn.BatchNorm2d), ("layer", nn.GroupNorm), ("none", None)])
def test_critic_norm_options_and_extra_layers_keep_the_rules(norm, norm_type):
    g = DCGANGenerator(image_size=32, channels=3, latent_dim=8, width=4, extra_layers=2)
    d = DCGANDiscriminator(image_size=32, channels=3, width=4, norm=norm, extra_layers=2)
    assert generator_violations(g, torch.randn(2, 8)) == []
    assert discriminator_violations(d, torch.randn(2, 3, 32, 32), norm_type) == []
    if norm == "layer":
        assert all(m.num_groups == 1 for m in d.modules() if isinstance(m, nn.GroupNorm))  # per sample, (C, H, W)
    if norm != "batch":
        assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())


def _insert(seq, index, *modules):
    items = list(seq)
    return nn.Sequential(*items[:index], *modules, *items[index:])


def test_the_rule_walk_catches_broken_models():
    x = torch.randn(2, 1, 16, 16)
    d = DCGANDiscriminator(image_size=16, channels=1, width=4)
    assert discriminator_violations(d, x) == []
    broken = DCGANDiscriminator(image_size=16, channels=1, width=4)
    broken.features = _insert(broken.features, 1, nn.BatchNorm2d(4))  # BN on the input layer
    assert any("layer 0" in v for v in discriminator_violations(broken, x))
    pooled = DCGANDiscriminator(image_size=16, channels=1, width=4)
    pooled.features = _insert(pooled.features, 2, nn.MaxPool2d(1))
    assert any("pooling" in v for v in discriminator_violations(pooled, x))
    relu = DCGANDiscriminator(image_size=16, channels=1, width=4)
    relu.features[1] = nn.ReLU()
    assert any("ReLU" in v for v in discriminator_violations(relu, x))
    fc = DCGANDiscriminator(image_size=16, channels=1, width=4)
    fc.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 1))
    assert any("fully connected" in v for v in discriminator_violations(fc, x))

    z = torch.randn(2, 8)
    g = DCGANGenerator(image_size=16, channels=1, latent_dim=8, width=4)
    assert generator_violations(g, z) == []
    bn_out = DCGANGenerator(image_size=16, channels=1, latent_dim=8, width=4)
    bn_out.net = _insert(bn_out.net, len(bn_out.net) - 1, nn.BatchNorm2d(1))
    assert any("Tanh only" in v for v in generator_violations(bn_out, z))
    sigmoid = DCGANGenerator(image_size=16, channels=1, latent_dim=8, width=4)
    sigmoid.net[-1] = nn.Sigmoid()
    assert any("Sigmoid" in v for v in generator_violations(sigmoid, z))


def test_global_average_pooling_gives_the_score():
    d = DCGANDiscriminator(image_size=16, channels=1, width=8).eval()
    x = torch.randn(5, 1, 16, 16)
    with torch.no_grad():
        features = d.features(x)  # (5, 16, 4, 4)
        conv = d.head[0]
        per_position = conv(features)  # (5, 1, 4, 4)
        pooled_first = conv(features.mean(dim=(2, 3), keepdim=True))  # the other order
        score = d(x)
    assert features.shape == (5, 16, 4, 4)
    assert torch.allclose(score, per_position.mean(dim=(1, 2, 3)), atol=1e-6)
    assert torch.allclose(score, pooled_first.flatten(), atol=1e-6)


def test_initialisation_follows_the_paper():
    torch.manual_seed(0)
    g = DCGANGenerator(image_size=64, channels=3, latent_dim=100, width=64)
    d = DCGANDiscriminator(image_size=64, channels=3, width=64)
    for model in (g, d):
        for m in model.modules():
            if isinstance(m, CONVS) and m.weight.numel() > 10000:
                assert abs(m.weight.std().item() - 0.02) < 0.002 and abs(m.weight.mean().item()) < 0.002
            if isinstance(m, nn.BatchNorm2d) and m.num_features >= 128:
                assert abs(m.weight.mean().item() - 1) < 0.01 and abs(m.weight.std().item() - 0.02) < 0.006
                assert torch.all(m.bias == 0)
    # conv + BN: no bias; layers with no normalisation after them keep one
    assert d.features[0].bias is not None and d.features[2].bias is None


def test_pytorch_examples_widths_at_64():
    g = DCGANGenerator(image_size=64, channels=3, latent_dim=100, width=64)
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels) for m in convs] == [(100, 512), (512, 256), (256, 128), (128, 64),
                                                                 (64, 3)]
    d = DCGANDiscriminator(image_size=64, channels=3, width=64, classic_head=True)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in convs] == [(3, 64), (64, 128), (128, 256), (256, 512), (512, 1)]


@pytest.mark.parametrize("norm, independent", [("batch", False), ("layer", True), ("none", True)])
def test_layer_norm_critic_scores_each_sample_on_its_own(norm, independent):
    torch.manual_seed(0)
    d = DCGANDiscriminator(image_size=16, channels=1, width=8, norm=norm).train()
    x = torch.randn(4, 1, 16, 16)
    y = x.clone()
    y[1:] = torch.randn(3, 1, 16, 16)
    same = torch.allclose(d(x)[0], d(y)[0], atol=1e-6)
    assert same == independent


def test_public_api_keyword_arguments():
    assert gandojo.DCGANGenerator is DCGANGenerator and gandojo.DCGANDiscriminator is DCGANDiscriminator
    params = inspect.signature(DCGANGenerator).parameters
    assert params["latent_dim"].default == 100 and params["width"].default == 64
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    g = gandojo.DCGANGenerator(image_size=32, channels=1, latent_dim=100, width=8)
    d = gandojo.DCGANDiscriminator(image_size=32, channels=1, width=8)
    assert d(g(torch.randn(2, 100))).shape == (2,)


@pytest.mark.parametrize("kwargs, word", [({"image_size": 24}, "24"), ({"image_size": 4}, "4"),
                                          ({"image_size": 256}, "256"), ({"channels": 0}, "channels"),
                                          ({"width": 0}, "width"), ({"extra_layers": -1}, "extra_layers")])
def test_bad_arguments_are_rejected_by_name(kwargs, word):
    with pytest.raises(ValueError, match=word):
        DCGANGenerator(**{"image_size": 16, "channels": 1, **kwargs})
    with pytest.raises(ValueError, match=word):
        DCGANDiscriminator(**{"image_size": 16, "channels": 1, **kwargs})


def test_wrong_input_shapes_are_rejected():
    g = DCGANGenerator(image_size=16, channels=1, latent_dim=8, width=4)
    with pytest.raises(ValueError, match="z must have shape"):
        g(torch.randn(2, 9))
    d = DCGANDiscriminator(image_size=16, channels=1, width=4)
    with pytest.raises(ValueError, match="images must have shape"):
        d(torch.randn(2, 3, 16, 16))
    with pytest.raises(ValueError, match="norm"):
        DCGANDiscriminator(image_size=16, channels=1, norm="spectral")


def test_build_models_takes_size_and_channels_from_the_data():
    g, d = build_models(ModelConfig(family="dcgan", latent_dim=12, width=4, critic_norm="layer"), (3, 32, 32))
    assert (g.image_size, g.channels, g.latent_dim) == (32, 3, 12)
    assert any(isinstance(m, nn.GroupNorm) for m in d.modules())
    with pytest.raises(ValueError, match="mlp"):
        build_models(ModelConfig(family="dcgan"), (2,))
    with pytest.raises(ValueError, match="dcgan"):
        build_models(ModelConfig(family="mlp"), (1, 16, 16))


@pytest.mark.parametrize("objective, norm_type", [("gan", nn.BatchNorm2d), ("wgan", nn.BatchNorm2d),
                                                  ("wgan-gp", nn.GroupNorm)])
def test_every_objective_trains_a_dcgan_step(objective, norm_type):
    cfg = resolve(Config(data=DataConfig(name="digits", image_size=16),
                         model=ModelConfig(family="dcgan", latent_dim=8, width=4),
                         objective=ObjectiveConfig(name=objective, warmup_schedule=False),
                         train=TrainConfig(steps=2, batch_size=16)))
    trainer = trainer_for(cfg)
    before = [p.detach().clone() for p in (*trainer.generator.parameters(), *trainer.discriminator.parameters())]
    stats = trainer.step(diagnostics=True)
    after = [*trainer.generator.parameters(), *trainer.discriminator.parameters()]
    assert trainer.g_step == 1 and trainer.d_step == cfg.objective.n_critic
    changed = [not torch.equal(a, b) for a, b in zip(before, after, strict=True)]
    n_g = len(list(trainer.generator.parameters()))
    assert any(changed[:n_g]) and any(changed[n_g:])  # both players took a step
    assert {"critic_grad_norm_real", "critic_grad_norm_fake"} <= set(stats)
    d = trainer.discriminator
    assert any(isinstance(m, norm_type) for m in d.modules())
    if objective == "wgan":
        assert all(p.abs().max() <= cfg.objective.clip for p in d.parameters())
    if objective == "wgan-gp":
        assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
        assert cfg.objective.gp_lambda == 10.0  # images take the paper's λ
        assert stats["loss_d"] == pytest.approx(10.0 * stats["gradient_penalty"] - stats["w_estimate"], abs=1e-5)
