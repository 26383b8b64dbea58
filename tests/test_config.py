"""The typed config: presets, overrides, resolution of paper defaults, rejection of bad values."""

import pytest

from gandojo.config import (
    Config,
    ObjectiveConfig,
    apply_overrides,
    dump_yaml,
    from_dict,
    load_preset,
    preset_names,
    resolve,
    to_dict,
)


def test_presets_are_complete_and_round_trip():
    for name in preset_names():
        cfg = load_preset(name)
        assert from_dict(to_dict(cfg)) == cfg
        assert dump_yaml(cfg).count(":") >= 30  # every key written out


def test_overrides_and_types():
    cfg = apply_overrides(Config(), ["train.steps=7", "optim.betas=0.5,0.99", "objective.warmup_schedule=false"])
    assert cfg.train.steps == 7 and cfg.optim.betas == (0.5, 0.99) and cfg.objective.warmup_schedule is False


@pytest.mark.parametrize("override, key", [
    ("train.steps=-1", "train.steps"),
    ("train.steps=abc", "train.steps"),
    ("train.nope=1", "train.nope"),
    ("objective.name=vae", "objective.name"),
    ("optim.lr=0", "optim.lr"),
    ("optim.betas=0.5", "optim.betas"),
    ("model.noise=cauchy", "model.noise"),
    ("data.weights=1,-1", "data.weights"),
])
def test_bad_values_name_their_key(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        apply_overrides(Config(), [override])


def test_bad_override_syntax():
    with pytest.raises(ValueError, match="section.key=value"):
        apply_overrides(Config(), ["steps"])
    with pytest.raises(ValueError, match="unknown section"):
        apply_overrides(Config(), ["nope.steps=3"])


@pytest.mark.parametrize("name, optimizer, lr, n_critic", [
    ("gan", "adam", 2e-4, 1), ("gan-minimax", "adam", 2e-4, 1),
    ("wgan", "rmsprop", 5e-5, 5), ("wgan-gp", "adam", 1e-4, 5)])
def test_resolve_fills_paper_defaults(name, optimizer, lr, n_critic):
    cfg = resolve(Config(objective=ObjectiveConfig(name=name)))
    assert (cfg.optim.name, cfg.optim.lr, cfg.objective.n_critic) == (optimizer, lr, n_critic)


def test_user_values_win_over_defaults():
    cfg = resolve(apply_overrides(Config(), ["optim.lr=0.001", "objective.n_critic=3"]))
    assert cfg.optim.lr == 0.001 and cfg.objective.n_critic == 3 and cfg.optim.betas == (0.5, 0.999)


def test_batchnorm_critic_refused_for_wgan_gp():
    with pytest.raises(ValueError, match="per sample"):
        resolve(apply_overrides(Config(), ["objective.name=wgan-gp", "model.critic_norm=batch"]))


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset"):
        load_preset("nope")
