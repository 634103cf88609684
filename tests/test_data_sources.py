"""Every dataset source: bundled, full Fashion-MNIST, CIFAR-10 files, image folder, CSV, series,
text lines and the synthetic sets; plus the catalog and the settings errors."""
import gzip
import io
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from runtime.data import DatasetError, list_datasets, load_dataset
from runtime.data.remotes import BUNDLE_DIR, DEBIAN_FASHION, has_idx

FULL = pytest.mark.skipif(not has_idx(DEBIAN_FASHION), reason=f"full Fashion-MNIST is not in {DEBIAN_FASHION} "
                          "(install Debian's dataset-fashion-mnist package)")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NETCANVAS_DATA_MIRROR", "http://127.0.0.1:9/")  # never the internet


def test_catalog_is_cheap_and_complete():
    code = ("import sys, runtime.data as d; infos = d.list_datasets(); "
            "print(len(infos), 'torch' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["17", "False", "False"]
    names = {i.name: i for i in list_datasets()}
    assert names["fashion-mnist-small"].available
    assert names["image-folder"].needs_path and "path" in names["csv"].defaults
    assert names["and"].input_shape == (2,) and names["sine"].targets == "forecast"


def test_bundled_default_dataset():
    size = sum(f.stat().st_size for f in BUNDLE_DIR.glob("*.gz"))
    assert size < 6_000_000
    assert (BUNDLE_DIR / "LICENSE").is_file() and (BUNDLE_DIR / "README.md").is_file()
    data = load_dataset(None)  # the default
    assert data.name == "fashion-mnist-small" and data.targets == "classes"
    assert (len(data.train), len(data.val), len(data.test)) == (9000, 1000, 2000)
    assert data.train.x.shape[1:] == (1, 28, 28) and data.train.x.dtype == torch.float32
    assert data.train.y.dtype == torch.int64
    counts = torch.bincount(torch.cat([data.train.y, data.val.y]), minlength=10)
    assert counts.tolist() == [1000] * 10
    assert torch.bincount(data.test.y).tolist() == [200] * 10
    assert abs(data.train.x.mean().item()) < 1e-3 and abs(data.train.x.std().item() - 1) < 1e-3
    previews = data.sample_images(12)
    assert previews.shape == (12, 1, 28, 28) and 0 <= previews.min() and previews.max() <= 1
    assert len(data.summary()["classes"]) == 10


def test_lenet_shape_pads_the_bundle_to_32():
    data = load_dataset({"name": "fashion-mnist-small", "limit": 100}, (1, 32, 32))
    assert data.train.x.shape == (90, 1, 32, 32) and len(data.test) == 100
    raw = data.sample_images(4)
    assert raw[:, :, :2].abs().max() == 0 and raw[:, :, :, -2:].abs().max() == 0  # zero border


@FULL
def test_full_fashion_mnist_from_debian_folder():
    t = time.perf_counter()
    data = load_dataset({"name": "fashion-mnist"})
    elapsed = time.perf_counter() - t
    assert (len(data.train), len(data.val), len(data.test)) == (54000, 6000, 10000)
    assert data.train.x.shape[1:] == (1, 28, 28)
    assert str(DEBIAN_FASHION) in data.source
    assert elapsed < 10  # about 1 s; per-sample Python would take far longer
    small = load_dataset({"name": "fashion-mnist", "path": str(DEBIAN_FASHION), "limit": 300}, (784,))
    assert small.train.x.shape == (270, 784) and len(small.test) == 300


def test_user_path_without_files(tmp_path):
    with pytest.raises(DatasetError, match="lacks the Fashion-MNIST files"):
        load_dataset({"name": "fashion-mnist", "path": str(tmp_path)})


def test_cifar10_binary_archive_from_a_folder(tmp_path):
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
            labels = rng.integers(0, 10, 4, dtype=np.uint8)
            pixels = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
            data = np.concatenate([labels[:, None], pixels], 1).tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(buf.getvalue())
    data = load_dataset({"name": "cifar10", "path": str(tmp_path), "val_fraction": 0.1})
    assert (len(data.train), len(data.val), len(data.test)) == (18, 2, 4)
    assert data.train.x.shape[1:] == (3, 32, 32) and len(data.normalization["mean"]) == 3
    assert (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").is_file()
    gray = load_dataset({"name": "cifar10", "path": str(tmp_path / "cifar-10-batches-bin")}, (1, 28, 28))
    assert gray.train.x.shape[1:] == (1, 28, 28)


def make_image_folder(root: Path):
    """Three classes, mixed sizes and modes: red squares, blue squares, gray noise."""
    rng = np.random.default_rng(0)
    for i in range(6):
        (root / "red").mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (40, 30), (200 + i, 10, 10)).save(root / "red" / f"{i}.png")
        (root / "blue").mkdir(exist_ok=True)
        Image.new("RGBA", (28, 28), (10, 10, 220, 255)).save(root / "blue" / f"{i}.png")
        (root / "noise").mkdir(exist_ok=True)
        noise = rng.integers(0, 256, (28, 28), dtype=np.uint8)
        Image.fromarray(noise, "L").save(root / "noise" / f"{i}.jpg")
    (root / "noise" / "notes.txt").write_text("not an image")


def test_image_folder(tmp_path):
    make_image_folder(tmp_path / "pics")
    data = load_dataset({"name": "image-folder", "path": str(tmp_path / "pics"), "val_fraction": 0.2,
                         "test_fraction": 0.25, "normalize": False})
    assert data.classes == ["blue", "noise", "red"]
    assert data.input_shape == (3, 28, 28)  # RGB present; most common size
    assert len(data.train) + len(data.val) + len(data.test) == 18
    x = torch.cat([data.train.x, data.val.x, data.test.x])
    y = torch.cat([data.train.y, data.val.y, data.test.y])
    red = x[y == 2]
    assert red[:, 0].mean() > 0.75 and red[:, 2].mean() < 0.1
    gray = load_dataset({"name": "image-folder", "path": str(tmp_path / "pics")}, (1, 32, 32))
    assert gray.train.x.shape[1:] == (1, 32, 32) and len(gray.normalization["mean"]) == 1


def test_image_folder_with_train_and_test(tmp_path):
    make_image_folder(tmp_path / "d" / "train")
    make_image_folder(tmp_path / "d" / "test")
    data = load_dataset({"name": "image-folder", "path": str(tmp_path / "d")}, (3, 16, 16))
    assert len(data.test) == 18 and len(data.train) + len(data.val) == 18
    with pytest.raises(DatasetError, match="one subfolder per class"):
        load_dataset({"name": "image-folder", "path": str(tmp_path / "d" / "train" / "red")})


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_csv_classification_with_text_columns(tmp_path):
    rows = ["height,colour,weight,kind"]
    rng = np.random.default_rng(0)
    for i in range(40):
        kind = ["cat", "dog"][i % 2]
        rows.append(f"{rng.normal(30 + 30 * (i % 2)):.2f},{['black', 'white', 'red'][i % 3]},{i},{kind}")
    path = write(tmp_path / "pets.csv", "\n".join(rows) + "\n")
    data = load_dataset({"name": "csv", "path": path})
    assert data.targets == "classes" and data.classes == ["cat", "dog"]
    assert data.input_shape == (5,)  # height, 3 one-hot colours, weight
    assert data.extras["feature_names"][1:4] == ["colour=black", "colour=red", "colour=white"]
    assert (len(data.train), len(data.val), len(data.test)) == (29, 3, 8)
    assert abs(data.train.x.mean(0)).max() < 1e-5 and len(data.normalization["std"]) == 5
    by_name = load_dataset({"name": "csv", "path": path, "target": "weight"})
    assert by_name.targets == "values" and by_name.train.y.shape[1:] == (1,)
    with pytest.raises(DatasetError, match=r"gives feature vectors of shape \(5,\).*expects \(4,\)"):
        load_dataset({"name": "csv", "path": path}, (4,))
    with pytest.raises(DatasetError, match="has no column 'age'"):
        load_dataset({"name": "csv", "path": path, "target": "age"})


def test_csv_task_detection_and_errors(tmp_path):
    ints = write(tmp_path / "a.csv", "".join(f"{i * 0.5},{i % 3}\n" for i in range(30)))
    data = load_dataset({"name": "csv", "path": ints})
    assert data.targets == "classes" and data.classes == ["0", "1", "2"]
    forced = load_dataset({"name": "csv", "path": ints, "targets": "values"})
    assert forced.targets == "values" and forced.train.y.dtype == torch.float32
    former = load_dataset({"name": "csv", "path": ints, "task": "regression"})  # the setting's name before 0.2
    assert former.targets == "values"
    floats = write(tmp_path / "b.csv", "x,y\n" + "".join(f"{i},{i * 1.5 + 0.1}\n" for i in range(30)))
    assert load_dataset({"name": "csv", "path": floats}).targets == "values"
    holes = write(tmp_path / "c.csv", "x,y\n1,2\n3,\n5,6\n")
    with pytest.raises(DatasetError, match="Row 2 of c.csv has no value in column 'y'"):
        load_dataset({"name": "csv", "path": holes})


def test_timeseries_csv_windows(tmp_path):
    values = np.arange(200, dtype=float)
    path = write(tmp_path / "s.csv", "t,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    data = load_dataset({"name": "timeseries-csv", "path": path, "column": "value", "window": 16,
                         "horizon": 2, "normalize": False})
    assert data.targets == "forecast" and data.input_shape == (16, 1)
    x, y = data.train.x, data.train.y
    assert x.shape[1:] == (16, 1) and y.shape[1:] == (2,)
    assert torch.equal(y[:, 0], x[:, -1, 0] + 1) and torch.equal(y[:, 1], x[:, -1, 0] + 2)
    assert data.train.y.max() < data.val.y.min() and data.val.y.max() < data.test.y.min()
    assert data.test.y[-1, -1] == 199 and len(data.val) == 16 - 1
    fitted = load_dataset({"name": "timeseries-csv", "path": path, "column": "value"}, (24, 1))
    assert fitted.train.x.shape[1:] == (24, 1) and fitted.normalization["target"] == 0
    with pytest.raises(DatasetError, match=r"sequences of shape \(24, 1\).*expects \(1, 28, 28\)"):
        load_dataset({"name": "timeseries-csv", "path": path, "column": "value", "window": 24}, (1, 28, 28))


def test_text_lines(tmp_path):
    lines = [f"pos\tI love this film {i}" for i in range(20)] + [f"neg\tawful, boring film {i}" for i in range(20)]
    path = write(tmp_path / "reviews.txt", "\n".join(lines) + "\n\n")
    data = load_dataset({"name": "text-lines", "path": path, "max_length": 8, "val_fraction": 0.1})
    assert data.targets == "classes" and data.classes == ["neg", "pos"]
    assert data.train.x.dtype == torch.int64 and data.train.x.shape[1:] == (8,)
    vocab = data.extras["vocabulary"]
    assert vocab[:2] == ["<pad>", "<unk>"] and "film" in vocab
    assert (data.train.x[:, -1] == 0).any()  # padded
    chars = load_dataset({"name": "text-lines", "path": path, "level": "char"}, (12,))
    assert chars.train.x.shape[1:] == (12,) and "," in chars.extras["vocabulary"]
    from runtime.data import encode_text
    ids = encode_text(["love zebra"], vocab, 4)
    assert ids[0, 0] == vocab.index("love") and ids[0, 1] == 1 and ids[0, 2:].tolist() == [0, 0]
    bad = write(tmp_path / "bad.txt", "pos\tok\nno tab here\n")
    with pytest.raises(DatasetError, match="Line 2 of bad.txt"):
        load_dataset({"name": "text-lines", "path": bad})


def test_synthetic_waves():
    sine = load_dataset({"name": "sine", "window": 20, "noise": 0.0, "length": 500})
    assert sine.input_shape == (20, 1) and sine.train.y.shape[1:] == (1,)
    t = 20  # the first target is the 21st point of sin(2 pi t / 50)
    assert sine.train.y[0, 0].item() == pytest.approx(np.sin(2 * np.pi * t / 50), abs=1e-6)
    again = load_dataset({"name": "sine", "window": 20, "length": 500})
    assert torch.equal(again.train.x, load_dataset({"name": "sine", "window": 20, "length": 500}).train.x)
    saw = load_dataset({"name": "sawtooth", "noise": 0.0}, (32, 1))
    assert saw.train.x.shape[1:] == (32, 1) and saw.train.x.min() >= -1 and saw.train.x.max() < 1


def test_course_and_table_and_xor():
    data = load_dataset({"name": "and"})
    assert data.train.x.tolist() == [[1, 1], [-1, 1], [-1, -1], [1, -1]]
    assert data.classes == ["-1", "1"] and data.train.y.tolist() == [1, 0, 0, 0]
    values = load_dataset({"name": "and", "targets": "values"})
    assert values.targets == "values" and values.train.y.flatten().tolist() == [1, -1, -1, -1]
    xor = load_dataset({"name": "xor", "encoding": "binary"}, (2,))
    assert xor.train.x.tolist() == [[1, 1], [0, 1], [0, 0], [1, 0]] and xor.train.y.tolist() == [0, 1, 0, 1]
    assert len(xor.val) == len(xor.test) == 4
    with pytest.raises(DatasetError, match=r"\(2,\).*expects \(1, 28, 28\)"):
        load_dataset({"name": "xor"}, (1, 28, 28))


def test_settings_errors_and_seeds():
    with pytest.raises(DatasetError, match="Unknown dataset 'nope'"):
        load_dataset({"name": "nope"})
    with pytest.raises(DatasetError, match="Unknown dataset setting 'val_fractoin'"):
        load_dataset({"name": "fashion-mnist-small", "val_fractoin": 0.2})
    with pytest.raises(DatasetError, match="'val_fraction' must be a number between 0.0 and 0.9"):
        load_dataset({"name": "fashion-mnist-small", "val_fraction": 2})
    with pytest.raises(DatasetError, match=r"images of shape \(1, 28, 28\).*expects \(32, 1\)"):
        load_dataset({"name": "fashion-mnist-small", "limit": 10}, (32, 1))
    rows = load_dataset({"name": "fashion-mnist-small", "limit": 10}, (28, 28))  # an RNN over rows
    assert rows.train.x.shape[1:] == (28, 28)
    a = load_dataset({"name": "fashion-mnist-small", "limit": 50, "seed": 1})
    b = load_dataset({"name": "fashion-mnist-small", "limit": 50, "seed": 1})
    c = load_dataset({"name": "fashion-mnist-small", "limit": 50, "seed": 2})
    assert torch.equal(a.train.y, b.train.y) and not torch.equal(a.train.y, c.train.y)


def test_bundle_is_reproducible(tmp_path):
    if not has_idx(DEBIAN_FASHION):
        pytest.skip(f"full Fashion-MNIST is not in {DEBIAN_FASHION} (install dataset-fashion-mnist)")
    from runtime.data.make_bundle import make_bundle

    make_bundle(out=tmp_path)
    for f in BUNDLE_DIR.glob("*.gz"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name
    assert gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())[:4] == b"\0\0\x08\x01"
