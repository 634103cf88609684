"""The standard image datasets: bundled Fashion-MNIST subset, full Fashion-MNIST, MNIST, CIFAR-10."""
from __future__ import annotations

from pathlib import Path

from .base import Dataset, DatasetError
from .download import Remote, cache_root, ensure
from .idx import read_pair
from .prep import image_dataset
from .remotes import (BUNDLE_DIR, CIFAR10, CIFAR10_CLASSES, FASHION_CLASSES, MNIST_CLASSES, REMOTES,
                      has_cifar, has_idx, local_folder)


def _folder(settings: dict, remote: Remote, progress) -> Path:
    """The user's ``path``, else a local copy, else a download into the cache."""
    found = has_cifar if remote is CIFAR10 else has_idx
    if settings.get("path"):
        folder = Path(settings["path"]).expanduser()
        if found(folder):
            return folder
        names = ", ".join(f.name for f in remote.files)
        raise DatasetError(f"{folder} lacks the {remote.title} files: put {names} there, or remove "
                           "'path' to use the download cache.")
    return local_folder(remote) or ensure(
        remote, cache_root() / remote.key, download=settings["download"],
        mirror=settings["mirror"] or None, progress=progress)


def load_bundled(settings: dict, input_shape=None, progress=None) -> Dataset:
    """The Fashion-MNIST subset shipped in resources/ (10,000 train, 2,000 test images)."""
    if not has_idx(BUNDLE_DIR):
        raise DatasetError(f"The bundled dataset is missing from {BUNDLE_DIR}: reinstall NetCanvas or "
                           "run 'python -m runtime.data.make_bundle'.")
    meta = {"name": "fashion-mnist-small", "title": "Fashion-MNIST (small, bundled)",
            "classes": FASHION_CLASSES,
            "source": "Fashion-MNIST subset bundled with NetCanvas (Zalando SE, MIT licence)"}
    return image_dataset(meta, read_pair(BUNDLE_DIR, "train"), read_pair(BUNDLE_DIR, "t10k"),
                         settings, input_shape)


def load_mnist_like(settings: dict, input_shape=None, progress=None) -> Dataset:
    """MNIST or full Fashion-MNIST from a folder of the four IDX files, downloading if needed."""
    name = settings["name"]
    remote = REMOTES[name]
    folder = _folder(settings, remote, progress)
    meta = {"name": name, "title": remote.title,
            "classes": FASHION_CLASSES if name == "fashion-mnist" else MNIST_CLASSES,
            "source": f"{remote.title} IDX files in {folder}"}
    return image_dataset(meta, read_pair(folder, "train"), read_pair(folder, "t10k"), settings,
                         input_shape)


def load_cifar10(settings: dict, input_shape=None, progress=None) -> Dataset:
    """CIFAR-10 from the binary version (raw bytes; the Python-object version is never read), downloading if needed."""
    from .cifar import read_cifar

    folder = _folder(settings, CIFAR10, progress)
    train, test = read_cifar(folder)
    meta = {"name": "cifar10", "title": "CIFAR-10", "classes": CIFAR10_CLASSES,
            "source": f"CIFAR-10 binary version in {folder} (Krizhevsky, 2009)"}
    return image_dataset(meta, train, test, settings, input_shape)
