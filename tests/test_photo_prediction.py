"""Prediction that survives real photos: automatic polarity, centring to the dataset's framing and a
note when the image looks unlike the training images (runtime/data/photo.py), in predict_images, the
`predict` command and the prediction panel."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from projects.dlproj import read_project, write_project
from projects.examples.build import lenet5
from runtime.cli import main as cli
from runtime.data import prepare_image, prepare_photo
from runtime.data.idx import read_pair
from runtime.data.photo import DARK_FRAMING, FASHION_FRAMING, MNIST_FRAMING, dataset_framing
from runtime.data.remotes import BUNDLE_DIR

FASHION_RUN = {"dataset": "fashion-mnist-small", "normalization": {"mean": [0.287], "std": [0.354]}}
DARK = (30, 30, 40)


def trousers(path, size=(200, 300), dx=-45, dy=-60, ink=DARK, paper="white"):
    """A dark pair of trousers (waistband and two legs, 50 x 140 pixels) on a white canvas, well
    off-centre (up and left)."""
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    cx, cy = size[0] // 2 + dx, size[1] // 2 + dy
    draw.rectangle([cx - 25, cy - 70, cx + 25, cy - 50], fill=ink)
    draw.polygon([(cx - 25, cy - 50), (cx - 3, cy - 50), (cx - 6, cy + 70), (cx - 22, cy + 70)], fill=ink)
    draw.polygon([(cx + 3, cy - 50), (cx + 25, cy - 50), (cx + 22, cy + 70), (cx + 6, cy + 70)], fill=ink)
    img.save(path)
    return path


def centre_of_mass(image: torch.Tensor) -> tuple[float, float]:
    a = image[0].double()
    ys, xs = torch.meshgrid(torch.arange(a.shape[0]), torch.arange(a.shape[1]), indexing="ij")
    return float((a * ys).sum() / a.sum()), float((a * xs).sum() / a.sum())


def border(image: torch.Tensor) -> float:
    a = image[0]
    return float(torch.cat([a[:2].flatten(), a[-2:].flatten(), a[:, :2].flatten(), a[:, -2:].flatten()]).median())


# ---- the preprocessing ---------------------------------------------------------------------------
def test_a_dark_garment_on_white_is_inverted_and_centred(tmp_path):
    photo = prepare_photo(trousers(tmp_path / "trousers.png"), (1, 28, 28), FASHION_RUN)
    assert photo.polarity == "inverted" and photo.centred
    assert photo.note.startswith("inverted: the photo has a light background")
    assert border(photo.image) < 0.02  # light-on-dark, as the training images
    cy, cx = centre_of_mass(photo.image)
    assert abs(cy - 13.5) < 2 and abs(cx - 13.5) < 2
    plain = 1 - prepare_image(tmp_path / "trousers.png", (1, 28, 28))[0]  # the ordinary fit, inverted
    py, px = centre_of_mass(plain)
    assert abs(py - 13.5) > 4 and abs(px - 13.5) > 4  # the drawing is off-centre
    rows = (photo.image[0] > 0.3).any(1).nonzero().flatten()
    assert rows.max() - rows.min() + 1 >= 26  # the longest side fills the frame, as Fashion-MNIST's
    assert photo.image.max() > 0.95
    norm = FASHION_RUN["normalization"]
    assert torch.allclose(photo.x, (photo.image - norm["mean"][0]) / norm["std"][0])


def test_polarity_keep_and_invert(tmp_path):
    path = trousers(tmp_path / "trousers.png")
    kept = prepare_photo(path, (1, 28, 28), FASHION_RUN, "keep")
    assert kept.polarity == "kept" and kept.centred and border(kept.image) > 0.9
    assert "background is light" in kept.note and "polarity" in kept.note
    forced = prepare_photo(path, (1, 28, 28), FASHION_RUN, "invert")
    auto = prepare_photo(path, (1, 28, 28), FASHION_RUN, "auto")
    assert forced.polarity == "inverted" and torch.equal(forced.image, auto.image)
    assert forced.note is None  # asked for, so nothing to say
    with pytest.raises(Exception, match="Polarity must be one of"):
        prepare_photo(path, (1, 28, 28), FASHION_RUN, "upside-down")


def test_a_light_on_dark_image_is_kept_and_a_training_image_barely_changes(tmp_path):
    light = trousers(tmp_path / "light.png", ink="white", paper="black")
    photo = prepare_photo(light, (1, 28, 28), FASHION_RUN)
    assert photo.polarity == "kept" and photo.centred and photo.note is None
    images, _ = read_pair(BUNDLE_DIR, "t10k")
    Image.fromarray(np.asarray(images[3]), "L").save(tmp_path / "item.png")
    same = prepare_photo(tmp_path / "item.png", (1, 28, 28), FASHION_RUN)
    original = torch.from_numpy(images[3] / 255.0).float()
    shifts = [(same.image[0].roll((dy, dx), (0, 1)) - original).abs().mean() for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    assert same.polarity == "kept" and min(shifts) < 0.02


def test_the_lenet5_classic_input_pads_the_28_pixel_frame_to_32(tmp_path):
    photo = prepare_photo(trousers(tmp_path / "t.png"), (1, 32, 32), FASHION_RUN)
    assert photo.image.shape == (1, 32, 32) and photo.image[0, :2].abs().max() == 0
    cy, cx = centre_of_mass(photo.image)
    assert abs(cy - 15.5) < 2 and abs(cx - 15.5) < 2
    flat = prepare_photo(trousers(tmp_path / "t.png"), (784,), FASHION_RUN)
    assert flat.x.shape == (1, 784) and flat.polarity == "inverted"


def test_mnist_digits_fill_20_of_28_pixels_centred_by_mass(tmp_path):
    img = Image.new("L", (240, 160), 255)
    ImageDraw.Draw(img).ellipse([20, 20, 120, 140], outline=0, width=14)  # a zero, left of centre
    img.save(tmp_path / "zero.png")
    photo = prepare_photo(tmp_path / "zero.png", (1, 28, 28), {"dataset": "mnist"})
    assert photo.polarity == "inverted" and photo.centred
    rows = (photo.image[0] > 0.3).any(1).nonzero().flatten()
    assert 18 <= rows.max() - rows.min() + 1 <= 21
    cy, cx = centre_of_mass(photo.image)
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1


def test_which_datasets_are_light_on_dark():
    assert dataset_framing(FASHION_RUN) is FASHION_FRAMING
    assert dataset_framing({"data": {"name": "fashion-mnist"}}) is FASHION_FRAMING
    assert dataset_framing({"dataset": "mnist"}) is MNIST_FRAMING
    assert dataset_framing({"dataset": "cifar10", "normalization": {"mean": [0.1], "std": [0.2]}}) is None
    folder = {"dataset": "image-folder"}
    assert dataset_framing({**folder, "normalization": {"mean": [0.2], "std": [0.3]}}) is DARK_FRAMING
    assert dataset_framing({**folder, "normalization": {"mean": [0.2] * 3, "std": [0.3] * 3}}) is DARK_FRAMING
    assert dataset_framing({**folder, "normalization": {"mean": [0.6], "std": [0.3]}}) is None
    assert dataset_framing({**folder, "normalization": {"mean": [0.2, 0.3, 0.1], "std": [0.3] * 3}}) is None
    assert dataset_framing({**folder}) is None and dataset_framing({}) is None


def test_colour_datasets_get_the_ordinary_fit_and_a_brightness_note(tmp_path):
    run = {"dataset": "cifar10", "normalization": {"mean": [0.49, 0.48, 0.45], "std": [0.25, 0.24, 0.26]}}
    path = trousers(tmp_path / "t.png")
    photo = prepare_photo(path, (3, 32, 32), run)
    assert photo.polarity == "kept" and not photo.centred
    assert torch.allclose(photo.x, prepare_image(path, (3, 32, 32), run["normalization"]))
    assert "mean brightness" in photo.note and "0.47" in photo.note  # mostly white paper
    assert prepare_photo(path, (3, 32, 32), run, "invert").polarity == "inverted"


def test_a_blank_photo_is_not_centred_and_says_so(tmp_path):
    Image.new("RGB", (120, 90), "white").save(tmp_path / "blank.png")
    photo = prepare_photo(tmp_path / "blank.png", (1, 28, 28), FASHION_RUN)
    assert photo.polarity == "inverted" and not photo.centred and "not centred" in photo.note


# ---- with a trained LeNet-5: predict_images, the CLI and the panel --------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("photo") / "lenet5.dlproj"
    write_project(lenet5(), path)
    code = cli(["train", str(path), "--epochs", "2", "--batch-size", "64", "--limit", "1000", "--seed", "0",
                "--device", "cpu", "--quiet"])
    assert code == 0
    return path


def pasted(tmp_path, images, n):
    """Fashion-MNIST test images dark-on-white, 6x larger, at seeded places on a 300x400 white canvas."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        canvas = Image.new("L", (300, 400), 255)
        obj = Image.fromarray(255 - images[i]).resize((168, 168), Image.BILINEAR)
        canvas.paste(obj, (int(rng.integers(10, 120)), int(rng.integers(10, 220))))
        paths.append(tmp_path / f"photo{i}.png")
        canvas.convert("RGB").save(paths[-1])
    return paths


def test_pasted_test_images_are_recognised_only_with_the_preprocessing(trained, tmp_path):
    from runtime.tasks.supervised.use import predict_images

    project, _ = read_project(trained)
    classes = project.history["runs"][-1]["classes"]
    images, labels = read_pair(BUNDLE_DIR, "t10k")
    n = 40
    paths = pasted(tmp_path, images, n)
    truth = [classes[int(y)] for y in labels[:n]]

    def accuracy(results):
        return sum(r["class"] == t for r, t in zip(results, truth)) / n

    auto = predict_images(project, paths)
    assert all(r["polarity"] == "inverted" and r["centred"] and r["note"] for r in auto)
    assert accuracy(auto) >= 0.5
    assert accuracy(predict_images(project, paths, polarity="keep")) <= 0.25
    from runtime.weights import trained_model

    model = trained_model(project, False)
    norm = project.history["runs"][-1]["normalization"]
    with torch.no_grad():
        plain = [classes[int(model.module(prepare_image(p, (1, 28, 28), norm)).argmax())] for p in paths]
    assert sum(c == t for c, t in zip(plain, truth)) / n <= 0.25  # the ordinary fit alone


def test_predict_cli_polarity_and_note(trained, tmp_path, capsys):
    photo = trousers(tmp_path / "trousers.png")
    assert cli(["predict", str(trained), str(photo), "--json"]) == 0
    (auto,) = json.loads(capsys.readouterr().out)["results"]
    assert auto["polarity"] == "inverted" and auto["centred"] is True
    assert auto["note"].startswith("inverted:")
    assert cli(["predict", str(trained), str(photo), "--polarity", "keep"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith(str(photo)) and text[1].startswith("  note: its background is light")
    with pytest.raises(SystemExit):
        cli(["predict", str(trained), str(photo), "--polarity", "sideways"])
    assert "invalid choice" in capsys.readouterr().err


def test_panel_switch_changes_the_seen_image_and_shows_the_note(trained, tmp_path, qtbot):
    from app.training.prediction import PredictionView

    view = PredictionView()
    qtbot.addWidget(view)
    view.set_project(read_project(trained)[0])
    view.show()
    photo = trousers(tmp_path / "trousers.png")
    result = view.predict(photo)
    assert result["polarity"] == "inverted" and view.note.isVisible()
    assert "inverted" in view.note.text() and not view.picture.pixmap().isNull()
    assert border(torch.from_numpy(view.seen)) < 0.02
    dark_seen = view.seen
    view.polarity.setCurrentIndex(view.polarity.findData("keep"))  # "as is": predicts again
    assert view.result["polarity"] == "kept" and border(torch.from_numpy(view.seen)) > 0.9
    assert not np.allclose(view.seen, dark_seen) and "background is light" in view.note.text()
    view.polarity.setCurrentIndex(view.polarity.findData("auto"))
    assert np.allclose(view.seen, dark_seen)
    light = trousers(tmp_path / "light.png", ink="white", paper="black")
    view.predict(light)
    assert view.result["note"] is None and not view.note.isVisible()
