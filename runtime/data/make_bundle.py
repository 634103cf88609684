"""Regenerate the bundled Fashion-MNIST subset in resources/datasets/fashion-mnist-small.

    python -m runtime.data.make_bundle [--source DIR] [--out DIR] [--train-per-class 1000]
                                       [--test-per-class 200] [--seed 0]

Takes a balanced random subset (fixed seed) of each split of the full dataset (Debian's
``dataset-fashion-mnist`` package by default) and writes it as gzipped IDX files with a fixed
gzip header, so the same inputs always give byte-identical files.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

from .idx import encode_idx, read_pair
from .remotes import BUNDLE_DIR, DEBIAN_FASHION


def balanced_subset(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` random samples of every class, in a shuffled order."""
    picks = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)]
    short = [c for c, p in zip(np.unique(labels), picks) if len(p) < per_class]
    if short:
        raise ValueError(f"class {short[0]} has fewer than {per_class} samples")
    return rng.permutation(np.concatenate(picks))


def write_gz(path: Path, array: np.ndarray) -> str:
    """Write IDX gzipped deterministically (mtime 0, no file name); its MD5."""
    data = gzip.compress(encode_idx(array), compresslevel=9, mtime=0)
    path.write_bytes(data)
    return hashlib.md5(data).hexdigest()


def make_bundle(source: Path = DEBIAN_FASHION, out: Path = BUNDLE_DIR, train_per_class: int = 1000,
                test_per_class: int = 200, seed: int = 0) -> dict[str, str]:
    """Write the four subset files into ``out``; {file name: MD5}."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    sums = {}
    for prefix, per_class in (("train", train_per_class), ("t10k", test_per_class)):
        images, labels = read_pair(source, prefix)
        keep = balanced_subset(labels, per_class, rng)
        sums[f"{prefix}-images-idx3-ubyte.gz"] = write_gz(out / f"{prefix}-images-idx3-ubyte.gz", images[keep])
        sums[f"{prefix}-labels-idx1-ubyte.gz"] = write_gz(out / f"{prefix}-labels-idx1-ubyte.gz", labels[keep])
    return sums


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEBIAN_FASHION, help="folder of the full IDX files")
    parser.add_argument("--out", type=Path, default=BUNDLE_DIR)
    parser.add_argument("--train-per-class", type=int, default=1000)
    parser.add_argument("--test-per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sums = make_bundle(args.source, args.out, args.train_per_class, args.test_per_class, args.seed)
    for name, md5 in sums.items():
        print(f"{md5}  {name}  {(args.out / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
