"""CIFAR-10, binary version: fixed 3,073-byte records (label, then 3x32x32 pixels); no Python objects are unpacked."""
from __future__ import annotations

import functools
import os
import tarfile
from pathlib import Path

import numpy as np

from .base import DatasetError

ARCHIVE = "cifar-10-binary.tar.gz"
INNER = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
RECORD = 1 + 3 * 32 * 32


def parse_records(data: bytes, name: str = "CIFAR-10 batch") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) from raw record bytes."""
    if not data or len(data) % RECORD:
        raise DatasetError(f"{name} is not a CIFAR-10 binary batch ({len(data)} bytes): replace it "
                           "with the original download.")
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD)
    return rows[:, 1:].reshape(-1, 3, 32, 32), rows[:, 0]


def read_cifar(folder: Path):
    """((train images, labels), (test images, labels)) from ``folder``, unpacking the archive once.

    ``folder`` holds cifar-10-binary.tar.gz or cifar-10-batches-bin/, or is that folder itself.
    """
    batches = folder if (folder / TRAIN_FILES[0]).is_file() else folder / INNER
    if not all((batches / n).is_file() for n in TRAIN_FILES + TEST_FILES):
        _unpack(folder / ARCHIVE, batches)
    return _join(batches, TRAIN_FILES), _join(batches, TEST_FILES)


def _join(batches: Path, names) -> tuple[np.ndarray, np.ndarray]:
    parts = [_read_batch(str(batches / n), (batches / n).stat().st_mtime_ns) for n in names]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


@functools.lru_cache(maxsize=8)
def _read_batch(path: str, mtime_ns: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = parse_records(Path(path).read_bytes(), path)
    if labels.max(initial=0) > 9:
        raise DatasetError(f"{path} has labels above 9, so it is not CIFAR-10: replace it with the "
                           "original download.")
    return images, labels


def _unpack(archive: Path, batches: Path) -> None:
    """Copy the six batch files out of the archive by name (never ``extractall``)."""
    if not archive.is_file():
        raise DatasetError(f"Neither {batches} nor {archive} exists: put {ARCHIVE} in {archive.parent}.")
    batches.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for name in TRAIN_FILES + TEST_FILES:
                member = tar.getmember(f"{INNER}/{name}")
                data = tar.extractfile(member).read() if member.isfile() else b""
                tmp = batches / (name + ".part")
                tmp.write_bytes(data)
                os.replace(tmp, batches / name)
    except (tarfile.TarError, KeyError, EOFError, OSError) as exc:
        raise DatasetError(f"{archive} could not be unpacked ({exc}): delete it and download it "
                           "again.") from None
