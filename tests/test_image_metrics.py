"""Image metrics: the digits classifier (trained cold into a temporary cache), Fréchet, PRDC, and the scores
of real versus collapsed sample sets."""

import numpy as np
import pytest
import scipy.linalg
import torch

from gandojo.config import Config, DataConfig, ModelConfig, TrainConfig, resolve
from gandojo.data.images import digits, stacked_digits
from gandojo.metrics.classifier import (
    ClassifierSettings,
    classifier_path,
    digits_split,
    load_digits_classifier,
    train_digits_classifier,
)
from gandojo.metrics.frechet import chunked_frechet, frechet_distance, frechet_from_features, gaussian_stats
from gandojo.metrics.images import DigitsScorer, StackedDigitsScorer
from gandojo.metrics.inception import inception_fid
from gandojo.metrics.prdc import prdc
from gandojo.metrics.report import format_image_metrics
from gandojo.metrics.scoring import make_evaluator
from gandojo.train import fit
from run_helpers import trainer_for

DIGITS_KEYS = {"classes_covered", "class_kl", "frechet", "frechet_floor", "precision", "recall", "density",
               "coverage"}


@pytest.fixture(scope="module")
def classifier(gandojo_cache):
    return load_digits_classifier(16, cache_dir=gandojo_cache)


@pytest.fixture(scope="module")
def scorer(classifier):
    return DigitsScorer(16, classifier=classifier)


# --- classifier ---------------------------------------------------------------------------------------

def test_classifier_is_accurate_on_held_out_digits(classifier):
    assert classifier.accuracy >= 0.97
    data = digits(16)
    _, held = digits_split(data.labels.numpy())
    _, probs = classifier.predict(data.values[held])
    assert np.mean(probs.argmax(axis=1) == data.labels[held].numpy()) == pytest.approx(classifier.accuracy)


def test_classifier_is_cached_by_a_hash_of_its_settings(classifier, gandojo_cache):
    again = load_digits_classifier(16, cache_dir=gandojo_cache)
    assert again.cached and again.path == classifier.path and again.path.parent == gandojo_cache
    for a, b in zip(classifier.model.parameters(), again.model.parameters(), strict=True):
        assert torch.equal(a, b)
    other = classifier_path(ClassifierSettings(image_size=16, epochs=3), gandojo_cache)
    assert other != classifier.path and classifier_path(ClassifierSettings(image_size=32), gandojo_cache) != other


def test_training_is_deterministic_and_a_corrupt_cache_is_retrained(tmp_path):
    quick = ClassifierSettings(image_size=8, epochs=1)
    (a, acc_a), (b, acc_b) = train_digits_classifier(quick), train_digits_classifier(quick)
    assert acc_a == acc_b and all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    path = classifier_path(quick, tmp_path)
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match="training it again"):
        fresh = load_digits_classifier(8, cache_dir=tmp_path, settings=quick)
    assert not fresh.cached and fresh.accuracy == acc_a
    assert load_digits_classifier(8, cache_dir=tmp_path, settings=quick).cached


# --- Fréchet and PRDC against references ----------------------------------------------------------------

def test_frechet_matches_the_scipy_sqrtm_formula():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T + 0.1 * np.eye(6), b @ b.T
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    reference = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-8)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0, abs=1e-8)
    singular = np.outer(np.ones(6), np.ones(6))  # rank one
    assert np.isfinite(frechet_distance(mu1, singular, mu2, s2))
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance(mu1, s1, mu2[:3], s2)


def test_chunked_frechet_averages_equal_chunks():
    rng = np.random.default_rng(1)
    x, ref = rng.normal(size=(1000, 3)), rng.normal(size=(5000, 3))
    stats = gaussian_stats(ref)
    chunks = [frechet_distance(*gaussian_stats(x[i * 300:(i + 1) * 300]), *stats) for i in range(3)]
    assert chunked_frechet(x, stats, 300) == pytest.approx(np.mean(chunks))
    assert chunked_frechet(x[:100], stats, 300) == pytest.approx(frechet_from_features(x[:100], ref), rel=0.05)


def brute_force_prdc(real, fake, k):
    def radii(x):
        d = np.linalg.norm(x[:, None] - x[None], axis=2)
        return np.sort(d, axis=1)[:, k]  # index 0 is the point itself

    r_real, r_fake = radii(real), radii(fake)
    d = np.linalg.norm(real[:, None] - fake[None], axis=2)
    precision = np.mean([any(d[i, j] < r_real[i] for i in range(len(real))) for j in range(len(fake))])
    recall = np.mean([any(d[i, j] < r_fake[j] for j in range(len(fake))) for i in range(len(real))])
    density = np.mean([sum(d[i, j] < r_real[i] for i in range(len(real))) for j in range(len(fake))]) / k
    coverage = np.mean([d[i].min() < r_real[i] for i in range(len(real))])
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


def test_prdc_matches_the_definitions():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) * 1.5 + 0.5
    ours, reference = prdc(real, fake, k=3), brute_force_prdc(real, fake, 3)
    assert ours == pytest.approx(reference)
    assert 0 < ours["precision"] < 1 and 0 < ours["coverage"] < 1  # a case where every branch matters
    with pytest.raises(ValueError, match="k = 5"):
        prdc(real[:5], fake)


# --- scores of real and collapsed sample sets ---------------------------------------------------------

def test_held_out_digits_score_like_real_data(scorer):
    """The held-out split (450 digits the classifier and the references never saw) is what a perfect
    generator's samples look like; thresholds sit below what it scores (measured: KL 0.003, confident 0.91,
    precision 0.97, recall 0.98, density 0.94, coverage 0.76: coverage of 1,347 references by 450 samples)."""
    data = digits(16)
    _, held = digits_split(data.labels.numpy())
    result = scorer.score(data.values[held])
    assert DIGITS_KEYS <= set(result)
    assert result["classes_covered"] == 10 and result["class_kl"] < 0.01 and result["confident"] > 0.85
    assert result["frechet"] == pytest.approx(result["frechet_floor"])  # the floor is this very distance
    assert min(result["precision"], result["recall"]) > 0.9 and result["density"] > 0.8
    assert result["coverage"] > 0.65


def test_classifier_does_not_depend_on_the_thread_count():
    """The README's metric values must reproduce under OMP_NUM_THREADS=1: same weights, accuracy and floor."""
    before = torch.get_num_threads()
    trained = {}
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            trained[threads] = train_digits_classifier(ClassifierSettings(image_size=16, epochs=2))
    finally:
        torch.set_num_threads(before)
    (a, acc_a), (b, acc_b) = trained[1], trained[2]
    assert acc_a == acc_b
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert torch.get_num_threads() == before


def test_one_class_only_is_collapse(scorer):
    data = digits(16)
    threes = data.values[data.labels == 3]
    result = scorer.score(threes)
    assert result["classes_covered"] == 1 and result["per_class"]["3"]["generated"] == 1.0
    assert result["class_kl"] == pytest.approx(np.log(1 / (183 / 1797)), abs=1e-6)  # KL(one-hot ‖ data shares)
    assert result["recall"] < 0.3 and result["coverage"] < 0.3 and result["precision"] > 0.8
    assert result["frechet"] > 20 * result["frechet_floor"]


def test_noise_is_far_from_digits(scorer):
    noise = torch.rand(600, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    result = scorer.score(noise)
    assert result["precision"] < 0.15 and result["coverage"] < 0.05 and result["recall"] < 0.05
    assert result["frechet"] > 50 * result["frechet_floor"]


def test_stacked_digits_real_versus_collapsed(classifier):
    data = stacked_digits(16)
    stacked = StackedDigitsScorer(data, classifier=classifier, seed=3)
    real, modes = data.sample_with_modes(3000, torch.Generator().manual_seed(7))
    result = stacked.score(real)
    true_covered = len(torch.unique(modes))
    assert result["modes_total"] == 1000 and abs(result["modes_covered"] - true_covered) < 40
    assert abs(result["modes_covered"] - result["real_modes_covered"]) < 40
    assert result["kl"] < 0.4 and abs(result["kl"] - result["real_kl"]) < 0.1
    collapsed = stacked.score(real[:1].repeat(500, 1, 1, 1))
    assert collapsed["modes_covered"] == 1 and collapsed["kl"] == pytest.approx(np.log(1000))
    # the split: one digit per channel is log 10 in each channel and no dependence left
    assert collapsed["kl_channels"] == pytest.approx([np.log(10)] * 3) and collapsed["kl_dependence"] < 1e-9
    assert sorted(collapsed["per_channel"][1].values())[-1] == 1.0


def test_stacked_digits_kl_split_names_the_channel_that_misses_a_digit(classifier):
    """Real stacked digits without the 7s of the middle channel: that channel alone carries KL log(10/9)."""
    data = stacked_digits(16)
    stacked = StackedDigitsScorer(data, classifier=classifier, seed=3)
    real, modes = data.sample_with_modes(3000, torch.Generator().manual_seed(7))
    result = stacked.score(real[(modes // 10 % 10) != 7])
    first, middle, last = result["kl_channels"]
    assert middle == pytest.approx(np.log(10 / 9), abs=0.01) and first < 0.01 and last < 0.01
    assert result["per_channel"][1]["7"] < 0.005 and 0.1 < result["per_channel"][1]["3"] < 0.125
    assert sum(result["kl_channels"]) + result["kl_dependence"] == pytest.approx(result["kl"])
    table = format_image_metrics(result)
    assert table.startswith("digit  channel 1  channel 2  channel 3") and "KL " + f"{result['kl']:.3f} = " in table


def evaluate_samples(samples, data, *, cache_dir):
    return make_evaluator(data, cache_dir=cache_dir)(samples)


def test_evaluate_samples_dispatches_on_the_data(gandojo_cache):
    data = digits(16)
    result = evaluate_samples(data.values[:300], data, cache_dir=gandojo_cache)
    assert DIGITS_KEYS <= set(result)
    stacked = stacked_digits(16)
    result = evaluate_samples(stacked.sample(200, torch.Generator().manual_seed(0)), stacked, cache_dir=gandojo_cache)
    assert {"modes_covered", "modes_total", "kl"} <= set(result) and result["modes_total"] == 1000
    with pytest.raises(ValueError, match=r"\(N, 1, 16, 16\)"):
        evaluate_samples(torch.zeros(10, 3, 16, 16), data, cache_dir=gandojo_cache)


def test_inception_fid_needs_the_file_and_the_package(tmp_path):
    images = torch.zeros(4, 3, 16, 16)
    with pytest.raises(FileNotFoundError, match="never downloads"):
        inception_fid(images, images, tmp_path / "missing.pth")
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"x")
    try:
        import torchmetrics  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match=r"pip install 'torchmetrics\[image\]'"):
            inception_fid(images, images, weights)


# --- a short run whose class coverage improves ----------------------------------------------------------

def test_short_dcgan_run_improves_class_coverage(scorer):
    """500 steps take an untrained DCGAN (no digit recognised, Fréchet about 1,890) to recognisable digits of
    every class (measured over seeds 0-3: 10/10 classes, 42-45% confident, Fréchet 95-138)."""
    cfg = resolve(Config(data=DataConfig(name="digits", image_size=16),
                         model=ModelConfig(family="dcgan", latent_dim=32, width=16, extra_layers=1),
                         train=TrainConfig(steps=500, batch_size=64, seed=0)))
    trainer = trainer_for(cfg)
    before = scorer.score(trainer.generate(1000))
    fit(trainer, cfg.train.steps)
    after = scorer.score(trainer.generate(1000))
    assert before["classes_covered"] <= 2 and after["classes_covered"] >= 8, (before["classes_covered"],
                                                                             after["classes_covered"])
    assert after["confident"] > 0.3 > before["confident"] and after["frechet"] < 0.2 * before["frechet"]
