"""`--data NAME_OR_PATH`: turn a command-line dataset argument into dataset settings."""
from __future__ import annotations

from pathlib import Path

from projects.trust import confirm

from .data import DatasetError
from .data.catalog import source_params

IDX_NAMES = ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz")
# Kept when --data names another source: how the split is made, so a test split stays a test split.
SPLIT_KEYS = ("val_fraction", "test_fraction", "normalize", "limit", "seed")


def dataset_from_argument(arg: str, current: dict) -> dict:
    """A name keeps the other keys; a path picks the dataset kind from what it holds:
    IDX files -> Fashion-MNIST (or MNIST if the project used it), class folders -> image folder,
    .csv -> CSV features, .txt/.tsv -> labelled text lines."""
    path = Path(arg).expanduser()
    confirm(arg)  # the user typed it: a project file naming the same location does not need asking
    confirm(str(path))
    keep = {k: v for k, v in current.items() if k in SPLIT_KEYS}
    if not path.exists():
        if "/" in arg or arg.startswith("."):
            raise DatasetError(f"the data path {arg} does not exist; check the path")
        return dict(current) if current.get("name") == arg and not current.get("path") else {**keep, "name": arg}
    if _same_path(path, current.get("path")):  # the source the project already uses: keep its split exactly
        return dict(current)
    if path.is_dir():
        if any((path / n).exists() for n in IDX_NAMES):
            name = current.get("name") if current.get("name") in ("mnist", "fashion-mnist") else "fashion-mnist"
            return {**keep, "name": name, "path": str(path)}
        if (path / "cifar-10-batches-bin").is_dir() or (path / "data_batch_1.bin").exists():
            return {**keep, "name": "cifar10", "path": str(path)}
        return {**keep, "name": "image-folder", "path": str(path)}
    if path.suffix.lower() == ".csv":
        kind = current.get("name") if current.get("name") in ("csv", "timeseries-csv") else "csv"
        own = {p.name for p in source_params(kind)}  # the options the project set that this source takes
        extra = {k: v for k, v in current.items() if k in own}
        return {**keep, **extra, "name": kind, "path": str(path)}
    return {**keep, "name": "text-lines", "path": str(path)}


def with_test_file(settings: dict, arg: str) -> dict:
    """``--test-data FILE``: a CSV or time-series source tested on this file instead of a cut of its rows."""
    if settings.get("name") not in ("csv", "timeseries-csv"):
        raise DatasetError(f"--test-data applies to CSV and time-series CSV data, not to '{settings.get('name')}'; "
                           "choose a CSV file with --data first")
    path = Path(arg).expanduser()
    if not path.is_file():
        raise DatasetError(f"the test file {arg} does not exist; check the path")
    confirm(arg)
    confirm(str(path))
    return {**settings, "test_path": str(path)}


def _same_path(path: Path, recorded) -> bool:
    if not isinstance(recorded, str) or not recorded:
        return False
    try:
        return path.resolve() == Path(recorded).expanduser().resolve()
    except (OSError, RuntimeError):
        return False
