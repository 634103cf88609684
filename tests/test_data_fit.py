"""Fitting images to the model's input, augmentations, normalization reapplied by prepare_image."""
import numpy as np
import pytest
import torch
from PIL import Image

from runtime.data import DatasetError, apply_augmentation, check_augmentation, load_dataset, prepare_image
from runtime.data.fit import convert_channels, fit_images, image_target, size_rule
from runtime.data.idx import read_pair
from runtime.data.remotes import BUNDLE_DIR


def test_size_rule():
    assert size_rule((28, 28), (32, 32)) == "pad"  # LeNet-5
    assert size_rule((28, 28), (28, 28)) == "same"
    assert size_rule((28, 28), (64, 64)) == "resize"
    assert size_rule((32, 32), (28, 28)) == "resize"
    assert size_rule((28, 28), (32, 40)) == "resize"


def test_pad_28_to_32_is_centered_zeros():
    x = torch.rand(5, 1, 28, 28) + 0.1
    out = fit_images(x, (1, 32, 32))
    assert out.shape == (5, 1, 32, 32)
    assert torch.equal(out[:, :, 2:30, 2:30], x)
    assert out[:, :, :2].abs().sum() == 0 and out[:, :, 30:].abs().sum() == 0
    assert out[:, :, :, :2].abs().sum() == 0 and out[:, :, :, 30:].abs().sum() == 0


def test_resize_and_channels():
    x = torch.full((3, 1, 28, 28), 0.25)
    up = fit_images(x, (3, 64, 48))
    assert up.shape == (3, 3, 64, 48) and torch.allclose(up, torch.full_like(up, 0.25))
    down = fit_images(torch.rand(2, 3, 100, 80), (1, 20, 20))
    assert down.shape == (2, 1, 20, 20)
    rgb = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    assert torch.allclose(convert_channels(rgb, 1), torch.full((1, 1, 4, 4), 0.299))
    with pytest.raises(DatasetError, match="4 channels"):
        convert_channels(torch.zeros(1, 4, 2, 2), 3)


def test_image_targets_for_mlp_and_rnn_inputs():
    assert image_target((1, 28, 28), (784,)) == ((1, 28, 28), (784,))
    assert image_target((1, 28, 28), (1024,)) == ((1, 32, 32), (1024,))
    assert image_target((3, 32, 32), (3, 28, 28)) == ((3, 28, 28), (3, 28, 28))
    assert image_target((1, 28, 28), (28, 28)) == ((1, 28, 28), (28, 28))
    with pytest.raises(DatasetError, match=r"images of shape \(1, 28, 28\) but the model's input expects \(10,\)"):
        image_target((1, 28, 28), (10,), "fashion-mnist-small")


def test_augmentation_shapes_and_determinism():
    x = torch.rand(16, 3, 32, 32)
    spec = {"random_crop": 4, "hflip": True, "affine": {"degrees": 10, "translate": 0.1, "scale": [0.9, 1.1]}}
    a = apply_augmentation(x, spec, torch.Generator().manual_seed(7))
    b = apply_augmentation(x, spec, torch.Generator().manual_seed(7))
    c = apply_augmentation(x, spec, torch.Generator().manual_seed(8))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, c)
    assert apply_augmentation(x, {}, None) is x
    assert check_augmentation({"hflip": False, "random_crop": {"padding": 0}}) == {}


def test_flip_crop_and_identity_affine():
    x = torch.rand(8, 1, 10, 10)
    assert torch.equal(apply_augmentation(x, {"hflip": 1.0}), x.flip(-1))
    dot = torch.zeros(64, 1, 10, 10)
    dot[:, :, 5, 5] = 1
    out = apply_augmentation(dot, {"random_crop": 2}, torch.Generator().manual_seed(0))
    pos = out.flatten(1).argmax(1)
    rows, cols = pos // 10, pos % 10
    assert out.sum(dim=(1, 2, 3)).eq(1).all()  # the dot stays inside with padding 2
    assert rows.min() >= 3 and rows.max() <= 7 and cols.min() >= 3 and cols.max() <= 7
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 5
    same = apply_augmentation(x, {"affine": {"degrees": 0, "translate": 0, "scale": [1, 1]}})
    assert torch.allclose(same, x, atol=1e-5)


def test_augmentation_errors():
    with pytest.raises(DatasetError, match="Unknown augmentation 'blur'"):
        check_augmentation({"blur": 2})
    with pytest.raises(DatasetError, match="not valid"):
        check_augmentation({"affine": {"degrees": -5}})
    with pytest.raises(DatasetError, match=r"image batches \(N, C, H, W\) but got \(4, 784\)"):
        apply_augmentation(torch.zeros(4, 784), {"hflip": True})


def test_prepare_image_reapplies_the_stored_normalization(tmp_path):
    data = load_dataset({"name": "fashion-mnist-small"}, (1, 32, 32))
    images, _ = read_pair(BUNDLE_DIR, "t10k")
    Image.fromarray(np.asarray(images[3]), "L").save(tmp_path / "item.png")
    x = prepare_image(tmp_path / "item.png", (1, 32, 32), data.normalization)
    assert x.shape == (1, 1, 32, 32)
    assert torch.allclose(x[0], data.test.x[3], atol=1e-5)
    flat = load_dataset({"name": "fashion-mnist-small", "limit": 20}, (784,))
    xf = prepare_image(tmp_path / "item.png", (784,), flat.normalization)
    assert xf.shape == (1, 784)


def test_prepare_image_of_any_size_and_mode(tmp_path):
    photo = np.random.default_rng(0).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    Image.fromarray(photo, "RGB").save(tmp_path / "photo.jpg")
    norm = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
    x = prepare_image(tmp_path / "photo.jpg", (3, 32, 32), norm)
    assert x.shape == (1, 3, 32, 32) and x.abs().max() <= 2.0 + 1e-6
    gray = prepare_image(tmp_path / "photo.jpg", (1, 28, 28), None)
    assert gray.shape == (1, 1, 28, 28) and 0 <= gray.min() and gray.max() <= 1
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match="Cannot read the image"):
        prepare_image(tmp_path / "broken.png", (1, 28, 28), None)
