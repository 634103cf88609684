"""IDX files (MNIST's format), gzipped or not: read with numpy, cached per process."""
from __future__ import annotations

import functools
import gzip
import struct
from pathlib import Path

import numpy as np

from .base import DatasetError

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).type: k for k, v in _DTYPES.items()}


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes: magic (0, 0, type, ndim), ndim big-endian sizes, then the values."""
    if len(data) < 4 or data[0] or data[1] or data[2] not in _DTYPES or not data[3]:
        raise DatasetError(f"{name} is not an IDX file (bad header): replace it with the original "
                           "download.")
    ndim = data[3]
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    dtype = np.dtype(_DTYPES[data[2]])
    count = int(np.prod(dims))
    offset = 4 + 4 * ndim
    if len(data) - offset != count * dtype.itemsize:
        raise DatasetError(f"{name} is truncated or damaged (expected {count} values of shape "
                           f"{dims}): replace it with the original download.")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(dims)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of an array (uint8 for MNIST-style images and labels)."""
    code = _CODES.get(array.dtype.type)
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    big = array.astype(np.dtype(_DTYPES[code]), copy=False)
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + big.tobytes()


def read_idx(path: str | Path) -> np.ndarray:
    """A read-only array from an IDX file (``.gz`` or raw), decoded once per process."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise DatasetError(f"Cannot read {path} ({exc.strerror}): check that the file exists.") from None
    return _read_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_cached(path: str, mtime_ns: int, size: int) -> np.ndarray:
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path} is not a valid gzip file ({exc}): replace it with the "
                               "original download.") from None
    array = parse_idx(raw, path)
    array.flags.writeable = False
    return array


def find_idx(folder: Path, stem: str) -> Path | None:
    """``folder/stem.gz`` or ``folder/stem`` (already unpacked), whichever exists."""
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def read_pair(folder: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one MNIST-style split (``prefix`` 'train' or 't10k')."""
    paths = [find_idx(folder, f"{prefix}-{kind}-ubyte") for kind in ("images-idx3", "labels-idx1")]
    if None in paths:
        raise DatasetError(f"{folder} lacks {prefix}-images-idx3-ubyte.gz or "
                           f"{prefix}-labels-idx1-ubyte.gz: put both files there.")
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DatasetError(f"{paths[0].name} and {paths[1].name} in {folder} do not match "
                           f"({images.shape} images, {labels.shape} labels): replace them.")
    return images, labels
