"""Shared preparation: reading settings, seeded splits, normalization, assembling a Dataset."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .base import Dataset, DatasetError, Split
from .fit import convert_channels, fit_images, image_target

def number(settings: dict, key: str, default, *, lo=None, hi=None, integer=False):
    """``settings[key]`` checked to be a number in [lo, hi]; the default when absent."""
    value = settings.get(key, default)
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or (lo is not None and value < lo) or (hi is not None and value > hi):
        kind = "a whole number" if integer else "a number"
        bounds = f" between {lo} and {hi}" if hi is not None else (f" of at least {lo}" if lo is not None else "")
        raise DatasetError(f"Dataset setting '{key}' must be {kind}{bounds}, not {value!r}: "
                           "fix it in the training settings.")
    return int(value) if integer else float(value)


def flag(settings: dict, key: str, default: bool) -> bool:
    """A true/false setting; "auto" (the default), "on" and "off" are accepted too."""
    value = settings.get(key, default)
    value = {"auto": default, "on": True, "off": False}.get(value, value) if isinstance(value, str) else value
    if not isinstance(value, bool):
        raise DatasetError(f"Dataset setting '{key}' must be true or false, not {value!r}: "
                           "fix it in the training settings.")
    return value


def seed_of(settings: dict) -> int:
    return number(settings, "seed", 0, lo=0, integer=True)


def limit_of(settings: dict) -> int | None:
    return number(settings, "limit", None, lo=1, integer=True)


class Splits(tuple):
    """(train, val, test) pairs, with ``plan`` (how they were cut, for the run record) and
    ``rows`` (the source rows in each; test None when it came from elsewhere)."""

    plan: dict
    rows: dict


def make_splits(x: np.ndarray, y: np.ndarray, settings: dict, test: tuple | None = None,
                test_origin: str = "the source's own test set") -> Splits:
    """Seeded (train, val, test) pairs: test cut from ``x`` when not given (``test_fraction``),
    then at most ``limit`` samples in train+val and in test, then val cut from train.
    The three index sets are disjoint by construction: one permutation, cut in three."""
    rng = np.random.default_rng(seed_of(settings))
    val_fraction = number(settings, "val_fraction", 0.1, lo=0.0, hi=0.9)
    limit = limit_of(settings)
    order = rng.permutation(len(x))
    plan = {"method": "random", "seed": seed_of(settings), "val_fraction": val_fraction}
    test_idx = None
    if test is None:
        fraction = number(settings, "test_fraction", 0.2, lo=0.0, hi=0.9)
        n_test = _portion(len(x), fraction)
        test_idx, order = order[:n_test], order[n_test:]
        test = (x[test_idx], y[test_idx])
        plan["test_fraction"] = fraction
    else:
        plan["test"] = test_origin
    if limit is not None and limit < len(test[0]):
        keep = rng.permutation(len(test[0]))[:limit]
        test = (test[0][keep], test[1][keep])
        test_idx = test_idx[keep] if test_idx is not None else None
    if limit is not None:
        order = order[:limit]
        plan["limit"] = limit
    n_val = _portion(len(order), val_fraction)
    val_idx, train_idx = order[:n_val], order[n_val:]
    out = Splits(((x[train_idx], y[train_idx]), (x[val_idx], y[val_idx]), test))
    out.plan = plan
    out.rows = {"train": train_idx, "val": val_idx, "test": test_idx}
    return out


def _portion(n: int, fraction: float) -> int:
    """round(n * fraction), but at least 1 when the fraction is positive and n allows it."""
    k = int(round(n * fraction))
    return max(k, 1) if fraction > 0 and n > 1 else k


def channel_stats(x: torch.Tensor) -> dict:
    """Per-channel mean/std of (N, C, ...) images, or per-feature of (N, F) / (N, T, F) data."""
    flat = x.transpose(0, 1).reshape(x.shape[1], -1) if x.dim() == 4 else x.reshape(-1, x.shape[-1]).T
    if flat.shape[1] == 0:
        raise DatasetError("The training split is empty, so it cannot be normalized: "
                           "use more data or a smaller val_fraction/test_fraction.")
    var, mean = torch.var_mean(flat.float(), dim=1, correction=0)
    std = var.sqrt().clamp_min(1e-6)
    return {"mean": [round(v, 6) for v in mean.tolist()], "std": [round(v, 6) for v in std.tolist()]}


def apply_normalization(x: torch.Tensor, stats: dict, inplace: bool = False) -> torch.Tensor:
    """(x - mean) / std over the channel dim of images (dim 1) or the last dim otherwise."""
    mean = torch.tensor(stats["mean"], dtype=x.dtype, device=x.device)
    std = torch.tensor(stats["std"], dtype=x.dtype, device=x.device)
    if x.dim() == 4:
        mean, std = mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1)
    return x.sub_(mean).div_(std) if inplace else (x - mean) / std


def to_images(a: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) -> float32 (N, C, H, W) in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(a) if a.flags.writeable else a.copy())
    if t.dim() == 3:
        t = t.unsqueeze(1)
    return t.float().div_(255.0)


def image_dataset(meta: dict[str, Any], train, test, settings: dict, input_shape=None,
                  test_origin: str = "the source's own test set") -> Dataset:
    """Build a classification Dataset from uint8 image arrays and integer labels.

    ``meta`` holds name, title, classes and source. Images are fitted to the model's input
    shape, then normalized per channel with train statistics, then reshaped (flattened or
    channel-squeezed) when the input is 1-D or 2-D.
    """
    parts = make_splits(train[0], train[1], settings, test, test_origin)
    tr, va, te = parts
    native = tuple(tr[0].shape[1:]) if tr[0].ndim == 4 else (1, *tr[0].shape[1:])
    target, final = image_target(native, input_shape, meta["name"])
    work = (1, *target[1:]) if native[0] == 1 else target  # gray -> RGB copies last, after stats
    xs = [fit_images(to_images(a), work) for a, _ in (tr, va, te)]
    stats = channel_stats(xs[0]) if flag(settings, "normalize", True) else None
    if stats:
        xs = [apply_normalization(x, stats, inplace=True) for x in xs]
    if work != target:
        xs = [convert_channels(x, target[0]) for x in xs]
        stats = stats and {k: v * target[0] for k, v in stats.items()}
    ys = [torch.from_numpy(np.asarray(b, dtype=np.int64)) for _, b in (tr, va, te)]
    splits = [Split(x.reshape(len(x), *final), y) for x, y in zip(xs, ys)]
    return Dataset(name=meta["name"], title=meta["title"], targets="classes",
                   input_shape=tuple(final), classes=list(meta["classes"]), train=splits[0],
                   val=splits[1], test=splits[2], normalization=stats, source=meta["source"],
                   extras={"image_shape": tuple(target)}, split=parts.plan, rows=parts.rows)
