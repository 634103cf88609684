"""`--data NAME_OR_PATH`: turn a command-line dataset argument into dataset settings."""
from __future__ import annotations

from pathlib import Path

IDX_NAMES = ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz")


def dataset_from_argument(arg: str, current: dict) -> dict:
    """A name keeps the other keys; a path picks the dataset kind from what it holds:
    IDX files -> Fashion-MNIST (or MNIST if the project used it), class folders -> image folder,
    .csv -> CSV features, .txt/.tsv -> labelled text lines."""
    path = Path(arg).expanduser()
    keep = {k: v for k, v in current.items() if k in ("val_fraction", "normalize", "limit", "seed")}
    if not path.exists():
        if "/" in arg or arg.startswith("."):
            from .data import DatasetError

            raise DatasetError(f"the data path {arg} does not exist; check the path")
        return {**keep, "name": arg}
    if path.is_dir():
        if any((path / n).exists() for n in IDX_NAMES):
            name = current.get("name") if current.get("name") in ("mnist", "fashion-mnist") else "fashion-mnist"
            return {**keep, "name": name, "path": str(path)}
        if (path / "cifar-10-batches-bin").is_dir() or (path / "data_batch_1.bin").exists():
            return {**keep, "name": "cifar10", "path": str(path)}
        return {**keep, "name": "image-folder", "path": str(path)}
    if path.suffix.lower() == ".csv":
        kind = current.get("name") if current.get("name") in ("csv", "timeseries-csv") else "csv"
        extra = {k: v for k, v in current.items() if k in ("target", "window", "horizon", "column")}
        return {**keep, **extra, "name": kind, "path": str(path)}
    return {**keep, "name": "text-lines", "path": str(path)}
