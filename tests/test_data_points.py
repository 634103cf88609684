"""2-D point datasets for the classroom GAN: ring and grid of Gaussians, two moons."""
import math

import pytest
import torch

from runtime.data import DatasetError, list_datasets, load_dataset
from runtime.quality import mode_coverage

POINTS = ("gaussian-ring", "gaussian-grid", "two-moons")


def all_points(data):
    return torch.cat([data.train.x, data.val.x, data.test.x]), torch.cat([data.train.y, data.val.y, data.test.y])


@pytest.mark.parametrize("name", POINTS)
def test_shapes_splits_and_determinism(name):
    data = load_dataset({"name": name, "samples": 1000}, (2,))
    assert (len(data.train), len(data.val), len(data.test)) == (720, 80, 200)
    assert data.train.x.shape == (720, 2) and data.train.x.dtype == torch.float32
    assert data.train.y.dtype == torch.int64 and data.input_shape == (2,)
    assert data.normalization is None and data.extras["points"] is True
    assert not data.is_image and data.sample_images(4).shape == (4, 2)
    x, y = all_points(data)
    assert torch.bincount(y).tolist() == [1000 // len(data.classes)] * len(data.classes)  # balanced modes
    again = load_dataset({"name": name, "samples": 1000})
    assert torch.equal(again.train.x, data.train.x) and torch.equal(again.test.y, data.test.y)
    other = load_dataset({"name": name, "samples": 1000, "seed": 1})
    assert not torch.equal(other.train.x, data.train.x)
    small = load_dataset({"name": name, "samples": 1000, "limit": 50, "val_fraction": 0.2, "test_fraction": 0.5})
    assert (len(small.train), len(small.val), len(small.test)) == (40, 10, 50)


def test_ring_samples_lie_near_their_centers():
    data = load_dataset({"name": "gaussian-ring"})
    centers = torch.tensor(data.extras["centers"])
    assert len(data.classes) == 8 and data.extras["std"] == 0.02
    assert torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(centers[2], torch.tensor([0.0, 2.0]), atol=1e-9)
    x, y = all_points(data)
    assert len(x) == 20000
    near = (x - centers[y]).norm(dim=1) < 4 * 0.02
    assert near.double().mean() > 0.99
    cov = mode_coverage(data.test.x, centers, 0.02)
    assert cov["modes_covered"] == 8 and cov["high_quality"] > 0.98


def test_grid_centers_and_settings():
    data = load_dataset({"name": "gaussian-grid", "samples": 5000})
    centers = torch.tensor(data.extras["centers"])
    assert len(centers) == 25 and sorted(set(centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    x, y = all_points(data)
    assert ((x - centers[y]).norm(dim=1) < 4 * 0.05).double().mean() > 0.99
    custom = load_dataset({"name": "gaussian-grid", "side": 3, "spacing": 1.0, "std": 0.0, "samples": 90})
    xs = torch.cat([custom.train.x, custom.val.x, custom.test.x])
    assert set(map(tuple, xs.tolist())) == {(a, b) for a in (-1.0, 0.0, 1.0) for b in (-1.0, 0.0, 1.0)}
    ring = load_dataset({"name": "gaussian-ring", "modes": 5, "radius": 1.0, "samples": 100})
    assert ring.classes[-1] == "mode 5" and len(ring.extras["centers"]) == 5


def test_two_moons_lie_on_their_half_circles():
    data = load_dataset({"name": "two-moons", "noise": 0.0, "samples": 2000})
    assert data.extras["centers"] is None and data.classes == ["moon 1", "moon 2"]
    x, y = all_points(data)
    upper, lower = x[y == 0], x[y == 1]
    assert torch.allclose(upper.norm(dim=1), torch.ones(len(upper)), atol=1e-5) and (upper[:, 1] >= 0).all()
    shifted = lower - torch.tensor([1.0, 0.5])
    assert torch.allclose(shifted.norm(dim=1), torch.ones(len(lower)), atol=1e-5) and (shifted[:, 1] <= 0).all()
    noisy = load_dataset({"name": "two-moons", "samples": 2000})
    assert 0.03 < (noisy.train.x[noisy.train.y == 0].norm(dim=1) - 1).std() < 0.07


def test_wrong_settings_and_shapes_are_one_sentence():
    with pytest.raises(DatasetError) as err:
        load_dataset({"name": "gaussian-ring"}, (1, 28, 28))
    message = str(err.value)
    assert "(2,)" in message and "(1, 28, 28)" in message and "feature input of 2 features" in message
    assert message.count(". ") == 0 and message.endswith(".")
    with pytest.raises(DatasetError, match="Unknown dataset setting 'radius'"):
        load_dataset({"name": "two-moons", "radius": 1.0})
    with pytest.raises(DatasetError, match="dataset's 'std' is -1.0 but must be at least 0; set it to 0 or more"):
        load_dataset({"name": "gaussian-grid", "std": -1})
    with pytest.raises(DatasetError, match="cannot be normalized"):
        load_dataset({"name": "two-moons", "normalize": True})


def test_listed_in_the_catalog():
    infos = {i.name: i for i in list_datasets()}
    for name in POINTS:
        info = infos[name]
        assert info.available and info.input_shape == (2,) and not info.needs_path
        assert info.defaults["samples"] == 20000 and "2-D points" in info.note
    assert infos["gaussian-ring"].defaults["std"] == 0.02 and len(infos["gaussian-grid"].classes) == 25
    ring = load_dataset(dict(infos["gaussian-ring"].defaults, name="gaussian-ring"))  # the defaults load
    assert math.isclose(ring.extras["std"], 0.02)
