"""Generative-model quality: Frechet distance against closed forms, the feature classifier and
its cache, class agreement, and mode coverage on 2-D mixtures."""
import json
import math

import pytest
import torch

from runtime import quality
from runtime.quality import (FeatureClassifier, cached_feature_classifier, class_agreement,
                             frechet_distance, frechet_distance_images, gaussian_stats, mode_coverage,
                             train_feature_classifier)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def random_spd(d, seed):
    a = torch.randn(d, d, generator=gen(seed), dtype=torch.float64)
    return a @ a.T / d + 0.1 * torch.eye(d, dtype=torch.float64)


def test_gaussian_stats_match_numpy_cov():
    x = torch.randn(50, 4, generator=gen(), dtype=torch.float64)
    mu, sigma = gaussian_stats(x)
    assert mu.dtype == sigma.dtype == torch.float64 and sigma.shape == (4, 4)
    assert torch.allclose(mu, x.mean(0))
    assert torch.allclose(sigma, torch.cov(x.T))  # unbiased, as numpy.cov
    with pytest.raises(ValueError, match="at least 2 samples"):
        gaussian_stats(x[:1])


def test_identical_statistics_give_zero():
    x = torch.randn(400, 16, generator=gen(), dtype=torch.float64) @ random_spd(16, 1)
    mu, sigma = gaussian_stats(x)
    assert frechet_distance(mu, sigma, mu, sigma) <= 1e-6 * torch.trace(sigma).item()
    assert frechet_distance(mu, sigma, mu + 0.5, sigma) == pytest.approx(16 * 0.25, rel=1e-9)


def test_diagonal_closed_form_on_statistics_and_samples():
    m1, m2 = torch.tensor([0.0, 1.0, -2.0]), torch.tensor([1.0, 1.0, 0.5])
    s1, s2 = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([9.0, 1.0, 0.25])
    closed = ((m1 - m2) ** 2).sum() + (s1 + s2 - 2 * (s1 * s2).sqrt()).sum()
    exact = frechet_distance(m1, torch.diag(s1), m2, torch.diag(s2))
    assert exact == pytest.approx(closed.item(), rel=1e-12)
    assert exact == pytest.approx(12.25)  # means 1 + 0 + 6.25, covariances 4 + 1 + 0
    a = m1 + s1.sqrt() * torch.randn(200_000, 3, generator=gen(1))
    b = m2 + s2.sqrt() * torch.randn(200_000, 3, generator=gen(2))
    assert frechet_distance(*gaussian_stats(a), *gaussian_stats(b)) == pytest.approx(12.25, rel=0.02)


def test_shifted_gaussian_gives_squared_shift():
    x = torch.randn(20_000, 5, generator=gen(), dtype=torch.float64) @ random_spd(5, 3)
    shift = torch.tensor([0.3, -1.0, 2.0, 0.0, 0.5], dtype=torch.float64)
    d = frechet_distance(*gaussian_stats(x), *gaussian_stats(x + shift))
    assert d == pytest.approx(shift.dot(shift).item(), rel=1e-9)  # same covariance exactly


def test_non_diagonal_against_eigenvalues_of_the_product():
    s1, s2 = random_spd(6, 4), random_spd(6, 5)
    mu1 = torch.randn(6, generator=gen(6), dtype=torch.float64)
    mu2 = torch.randn(6, generator=gen(7), dtype=torch.float64)
    tr_covmean = torch.linalg.eigvals(s1 @ s2).sqrt().real.sum()
    expected = ((mu1 - mu2) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * tr_covmean
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected.item(), rel=1e-9)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-12)


def test_singular_covariances_stay_finite():
    a = torch.randn(10, 64, generator=gen(8))  # N < D: rank 9
    b = torch.randn(12, 64, generator=gen(9)) + 1
    d = frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
    assert math.isfinite(d) and d > 64  # the mean shift alone is 64
    zero = torch.zeros(64, 64)
    assert frechet_distance(torch.zeros(64), zero, torch.zeros(64), zero) == 0.0
    with pytest.raises(ValueError, match="NaN or infinite"):
        frechet_distance(torch.full((2,), math.nan), torch.eye(2), torch.zeros(2), torch.eye(2))
    with pytest.raises(ValueError, match="do not match"):
        frechet_distance(torch.zeros(2), torch.eye(2), torch.zeros(3), torch.eye(3))


def halves(n, seed=0):
    """8x8 images in [0, 1]: class 0 has a bright top half, class 1 a bright bottom half."""
    g = gen(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = 0.3 * torch.rand(n, 1, 8, 8, generator=g)
    top = y == 0
    x[top, :, :4] += 0.6
    x[~top, :, 4:] += 0.6
    return x.clamp(0, 1), y


def test_feature_classifier_learns_and_is_deterministic():
    x, y = halves(1024)
    tx, ty = halves(256, seed=1)
    state = torch.get_rng_state()
    model = train_feature_classifier(x, y, 2, epochs=1, batch_size=64, seed=3)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    assert quality.classifier_accuracy(model, tx, ty) > 0.9
    assert model.features(tx, batch_size=100).shape == (256, 128)
    assert model.classify(tx.reshape(256, 64)).shape == (256,)  # flat images are reshaped
    again = train_feature_classifier(x, y, 2, epochs=1, batch_size=64, seed=3)
    assert torch.equal(model.features(tx), again.features(tx))
    assert class_agreement(tx, ty, model) > 0.9
    assert class_agreement(tx[ty == 1], 1, model) > 0.9 and class_agreement(tx[ty == 1], 0, model) < 0.1
    with pytest.raises(ValueError, match="do not fit"):
        model.features(torch.zeros(3, 1, 9, 9))


def test_frechet_distance_images_orders_sets():
    x, y = halves(1024)
    model = train_feature_classifier(x, y, 2, epochs=1, batch_size=64)
    real, other = halves(300, seed=1)[0], halves(300, seed=2)[0]
    top_only = real[halves(300, seed=1)[1] == 0]
    same = frechet_distance_images(real, other, model, batch_size=128)
    assert frechet_distance_images(real, real, model) < 1e-6
    assert same < frechet_distance_images(real, top_only, model)  # one class missing: worse
    assert same < frechet_distance_images(real, torch.rand(300, 1, 8, 8, generator=gen(5)), model)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path))
    return tmp_path / "feature-classifiers"


def test_cache_round_trip(cache, monkeypatch):
    x, y = halves(512)
    tx, ty = halves(128, seed=1)
    model, info = cached_feature_classifier("halves", x, y, 2, tx, ty, epochs=1, batch_size=64)
    assert not info["cached"] and info["test_accuracy"] > 0.9
    assert (cache / "halves.safetensors").is_file()
    side = json.loads((cache / "halves.json").read_text())
    assert side["input_shape"] == [1, 8, 8] and side["classes"] == 2
    assert side["test_accuracy"] == info["test_accuracy"]

    def no_training(*a, **k):
        raise AssertionError("the cached classifier should have been used")

    monkeypatch.setattr(quality, "train_feature_classifier", no_training)
    again, info2 = cached_feature_classifier("halves", x, y, 2, epochs=1, batch_size=64)
    assert info2["cached"] and info2["test_accuracy"] == info["test_accuracy"]
    assert torch.equal(again.features(tx), model.features(tx))


def test_damaged_or_mismatched_cache_is_retrained(cache, monkeypatch):
    x, y = halves(256)
    calls = []
    real_train = quality.train_feature_classifier
    monkeypatch.setattr(quality, "train_feature_classifier", lambda *a, **k: calls.append(1) or real_train(*a, **k))
    cached_feature_classifier("k", x, y, 2, epochs=1)
    (cache / "k.safetensors").write_bytes(b"not a safetensors file")
    _, info = cached_feature_classifier("k", x, y, 2, epochs=1)
    assert not info["cached"] and len(calls) == 2
    assert cached_feature_classifier("k", x, y, 2, epochs=1)[1]["cached"] and len(calls) == 2
    side = json.loads((cache / "k.json").read_text())
    (cache / "k.json").write_text(json.dumps(dict(side, classes=3)))  # weights for another head
    model, info = cached_feature_classifier("k", x, y, 2, epochs=1)
    assert not info["cached"] and len(calls) == 3 and model.head.out_features == 2
    wide, _ = cached_feature_classifier("k", torch.zeros(8, 1, 12, 12), torch.arange(8) % 2, 2, epochs=1)
    assert len(calls) == 4 and wide.input_shape == (1, 12, 12)  # other image size
    with pytest.raises(ValueError, match="plain file name"):
        cached_feature_classifier("../evil", x, y, 2)


def test_feature_classifier_rejects_tiny_images():
    with pytest.raises(ValueError, match="at least 4x4"):
        FeatureClassifier((1, 2, 2), 10)


RING = torch.tensor([[math.cos(a), math.sin(a)] for a in torch.arange(8) * math.pi / 4]) * 2


def test_mode_coverage_counts_modes():
    exact = RING.repeat(30, 1)
    assert mode_coverage(exact, RING, 0.02) == {"modes_covered": 8, "modes": 8, "high_quality": 1.0,
                                                 "per_mode": [30] * 8}
    one = RING[3].repeat(2500, 1) + 0.02 * torch.randn(2500, 2, generator=gen())
    cov = mode_coverage(one, RING, 0.02)
    assert cov["modes_covered"] == 1 and cov["per_mode"][3] > 2450 and cov["high_quality"] > 0.98
    far = torch.full((100, 2), 10.0)
    assert mode_coverage(far, RING, 0.02) == {"modes_covered": 0, "modes": 8, "high_quality": 0.0,
                                               "per_mode": [0] * 8}
    few = RING.repeat(19, 1)  # 19 high-quality samples per mode: every mode lost
    assert mode_coverage(few, RING, 0.02)["modes_covered"] == 0
    assert mode_coverage(few, RING, 0.02, min_count=19)["modes_covered"] == 8
    edge = RING[:1] + torch.tensor([[0.0, 0.061]])  # just over 3 std
    assert mode_coverage(edge, RING, 0.02)["high_quality"] == 0.0
    assert mode_coverage(edge, RING, 0.02, within=3.1)["high_quality"] == 1.0
