"""The typed config: presets, overrides, resolution of paper defaults, rejection of bad values."""

from importlib import resources

import numpy as np
import pytest
import yaml
from PIL import Image

from gandojo.config import (
    Config,
    DataConfig,
    ModelConfig,
    ObjectiveConfig,
    apply_overrides,
    dump_yaml,
    from_dict,
    load_preset,
    preset_names,
    requested_config,
    resolve,
    resolve_explained,
    to_dict,
)
from gandojo.data import data_kind


def test_presets_are_complete_and_round_trip():
    """Every bundled preset file writes out every key of every section (never a partial delta that
    silently takes whatever the defaults are today), and loads back to the same config."""
    expected = {section: set(keys) for section, keys in to_dict(Config()).items()}
    for name in preset_names():
        raw = yaml.safe_load((resources.files("gandojo") / "presets" / f"{name}.yaml").read_text())
        assert {section: set(keys) for section, keys in raw.items()} == expected, name
        cfg = load_preset(name)
        assert from_dict(to_dict(cfg)) == cfg
        assert yaml.safe_load(dump_yaml(cfg)) == to_dict(cfg)


def test_paper_constants_are_the_defaults():
    objective = ObjectiveConfig()
    assert objective.clip == 0.01 and objective.warmup_schedule  # WGAN: clip ±0.01, the 100-step warm-up
    assert resolve(Config(data=DataConfig(name="digits"), objective=ObjectiveConfig(name="wgan-gp"),
                          model=ModelConfig(family="dcgan"))).objective.gp_lambda == 10.0


@pytest.mark.parametrize("data, kind, gp_lambda, betas, hidden", [
    ("ring8", "points", 0.1, (0.5, 0.9), 256),
    ("grid25", "points", 0.1, (0.5, 0.9), 256),
    ("points.npy", "points", 0.1, (0.5, 0.9), 256),
    ("points.csv", "points", 0.1, (0.5, 0.9), 256),
    ("digits", "images", 10.0, (0.0, 0.9), 128),
    ("images.npy", "images", 10.0, (0.0, 0.9), 128),
    ("folder", "images", 10.0, (0.0, 0.9), 128),
])
def test_wgan_gp_defaults_follow_the_kind_of_data(tmp_path, data, kind, gp_lambda, betas, hidden):
    np.save(tmp_path / "points.npy", np.zeros((10, 2)))
    np.savetxt(tmp_path / "points.csv", np.zeros((10, 2)), delimiter=",")
    np.save(tmp_path / "images.npy", np.zeros((10, 8, 8)))
    (tmp_path / "folder").mkdir()
    name = data if data in ("ring8", "grid25", "digits") else str(tmp_path / data)
    assert data_kind(name) == kind
    cfg, why = resolve_explained(Config(data=DataConfig(name=name), objective=ObjectiveConfig(name="wgan-gp")))
    assert (cfg.objective.gp_lambda, cfg.optim.betas, cfg.model.hidden) == (gp_lambda, betas, hidden)
    assert any(line.startswith(f"objective.gp_lambda = {gp_lambda}") for line in why)


def test_given_values_win_over_the_data_defaults():
    cfg, why = resolve_explained(apply_overrides(Config(), ["objective.name=wgan-gp", "objective.gp_lambda=10",
                                                            "model.hidden=64"]))
    assert (cfg.objective.gp_lambda, cfg.model.hidden, cfg.optim.betas) == (10.0, 64, (0.5, 0.9))
    assert not any(line.startswith(("objective.gp_lambda", "model.hidden")) for line in why)


@pytest.mark.parametrize("override, key", [("train.seed=-1", "train.seed"), ("train.seed=1e308", "train.seed"),
                                           ("train.steps=99999999999999999999", "train.steps")])
def test_integers_beyond_64_bits_or_negative_seeds_are_refused(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        apply_overrides(Config(), [override])
    with pytest.raises(ValueError, match="train.seed"):
        from_dict({**to_dict(Config()), "train": {**to_dict(Config())["train"], "seed": 1e308}})


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


def test_the_best_recipes_forget_squared_gradients_fast_and_another_objective_does_not_inherit_it():
    recipe, _ = requested_config(data="ring8")
    assert resolve(recipe).optim.betas == (0.5, 0.9)  # the quality_default benchmark's betas
    played, _ = requested_config(objective="gan", data="ring8")
    assert resolve(played).optim.betas == (0.5, 0.999)  # --objective gan plays the paper's
    assert resolve(apply_overrides(recipe, ["optim.betas=0.5,0.99"])).optim.betas == (0.5, 0.99)
    assert resolve(requested_config(data="digits")[0]).optim.betas == (0.0, 0.9)  # images: no momentum
    stacked, recipe = requested_config(data="stacked-digits", overrides=["data.name=stacked-digits"])
    assert recipe == "best-stacked" and resolve(stacked).optim.betas == (0.0, 0.9)  # at 8×8 the images' betas too


def test_the_best_recipe_trains_the_digits_at_their_own_size_and_other_images_at_16(tmp_path):
    """The bundled digits are 8×8: the best recipe does not enlarge them, and gives stacked digits (three digits to an
    image) nets twice as wide (data.image_size and model.width null, each said with its reason); a user's images get
    16×16 and 32; values given win; points keep the schema's defaults without a word."""
    for data, width in (("digits", 32), ("stacked-digits", 64)):
        config, why = resolve_explained(requested_config(data=data, overrides=[f"data.name={data}"])[0])
        assert (config.data.image_size, config.model.width) == (8, width)
        assert any(line.startswith("data.image_size = 8: the digits' own size") for line in why)
        assert any(line.startswith(f"model.width = {width}: ") for line in why)
        given = requested_config(data=data, overrides=[f"data.name={data}", "data.image_size=16", "model.width=48"])
        assert (resolve(given[0]).data.image_size, resolve(given[0]).model.width) == (16, 48)
    folder = tmp_path / "faces"
    folder.mkdir()
    Image.new("RGB", (64, 64)).save(folder / "a.png")
    config, why = resolve_explained(requested_config(data=str(folder), overrides=[f"data.name={folder}"])[0])
    assert (config.data.image_size, config.model.width) == (16, 32)
    assert any(line.startswith("data.image_size = 16") for line in why)
    points, why = resolve_explained(apply_overrides(load_preset("best-images"), ["data.name=ring8",
                                                                                "model.family=mlp"]))
    assert (points.data.image_size, points.model.width) == (16, 32)
    assert not any(line.startswith(("data.image_size", "model.width")) for line in why)


def test_batchnorm_critic_refused_for_wgan_gp():
    with pytest.raises(ValueError, match="per sample"):
        resolve(apply_overrides(Config(), ["objective.name=wgan-gp", "model.critic_norm=batch"]))


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset"):
        load_preset("nope")


@pytest.mark.parametrize("data, expected", [("ring8", 2500), ("digits", 22500), ("stacked-digits", 26000),
                                            ("gaussian1d", 2500)])
def test_the_final_evaluation_uses_the_protocol_sample_count(data, expected):
    """Stacked digits are scored on the Stacked MNIST protocol's 26,000 samples, the digits on 22,500 (50 chunks
    of the floor's 450), the others on 2,500; a value given wins."""
    config = apply_overrides(Config(), [f"data.name={data}"] + (["model.family=dcgan"] if "digits" in data else []))
    assert resolve(config).train.eval_samples == expected
    assert resolve(apply_overrides(config, ["train.eval_samples=300"])).train.eval_samples == 300
