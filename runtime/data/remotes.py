"""Where the standard datasets live: bundled folder, Debian's folder, download cache, mirrors.

Torch- and numpy-free, so the editor's catalog can check availability cheaply.
"""
from __future__ import annotations

from pathlib import Path

from .download import Remote, RemoteFile, cache_root

REPO = Path(__file__).resolve().parents[2]
BUNDLE_DIR = REPO / "resources" / "datasets" / "fashion-mnist-small"
GLOSSES_FILE = REPO / "resources" / "datasets" / "wordnet-glosses" / "glosses.tsv"
GLOSSES_CLASSES = ["animal", "artifact", "food", "location", "person", "plant"]
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASSES = [str(d) for d in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck"]
IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

# Published checksums (the datasets' own pages; the same values torchvision uses) and sizes.
MNIST = Remote("mnist", "MNIST", (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
), tuple(RemoteFile(n, m, s) for n, m, s in zip(IDX_NAMES, (
    "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
    "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c",
), (9912422, 28881, 1648877, 4542))))
FASHION = Remote("fashion-mnist", "Fashion-MNIST", (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
), tuple(RemoteFile(n, m, s) for n, m, s in zip(IDX_NAMES, (
    "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
    "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310",
), (26421880, 29515, 4422102, 5148))))
CIFAR10 = Remote("cifar10", "CIFAR-10", ("https://www.cs.toronto.edu/~kriz/",), (
    RemoteFile("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", 170052171),))

REMOTES = {"mnist": MNIST, "fashion-mnist": FASHION, "cifar10": CIFAR10}


def has_idx(folder: Path) -> bool:
    """True when ``folder`` holds the four MNIST-style files, gzipped or unpacked."""
    return all((folder / n).is_file() or (folder / n[:-3]).is_file() for n in IDX_NAMES)


def has_cifar(folder: Path) -> bool:
    """The archive, its unpacked folder, or the folder of batch files itself."""
    return any((folder / n).exists() for n in ("cifar-10-batches-bin", CIFAR10.files[0].name,
                                                "data_batch_1.bin"))


def local_folder(remote: Remote) -> Path | None:
    """Where a standard dataset already is on this computer: the cache, or Debian's package."""
    candidates = [cache_root() / remote.key] + ([DEBIAN_FASHION] if remote is FASHION else [])
    found = has_cifar if remote is CIFAR10 else has_idx
    return next((c for c in candidates if found(c)), None)


def download_size(remote: Remote) -> str:
    return f"{sum(f.size or 0 for f in remote.files) / 1e6:.0f} MB"
