"""Forecasting: windows over a series (a CSV column or a synthetic sine/sawtooth wave).

x is (N, window, F), the past ``window`` steps of every feature; y is (N, horizon), the next
``horizon`` values of the target feature. Splits are chronological: a window belongs to the
split whose portion of the series (train, then val, then test) holds all its targets; its
inputs may look back into the portion before (they are the past). Windows whose targets
straddle two portions are dropped, so no target is in two splits.
"""
from __future__ import annotations

import numpy as np
import torch

from .base import Dataset, DatasetError, Split
from .fit import shape_mismatch
from .prep import flag, limit_of, number


def window_sizes(settings: dict, features: int, input_shape, name: str) -> tuple[int, int]:
    """(window, horizon): the window follows the model's (T, F) input unless set explicitly (not 0)."""
    window, horizon = settings["window"] or None, settings["horizon"]
    if input_shape is not None:
        shape = tuple(int(v) for v in input_shape)
        if len(shape) != 2 or shape[1] != features or (window is not None and window != shape[0]):
            have = (window or (shape[0] if len(shape) == 2 else 32), features)
            raise shape_mismatch("sequences", name, have, shape,
                                 f"use a sequence input of {have[0]} steps x {features} features")
        window = shape[0]
    return window or 32, horizon


def make_windows(series: torch.Tensor, target: int, window: int, horizon: int):
    """(x (N, window, F), y (N, horizon)) for every start position, with ``unfold`` (no loop)."""
    n = series.shape[0] - window - horizon + 1
    if n <= 0:
        return series.new_zeros((0, window, series.shape[1])), series.new_zeros((0, horizon))
    x = series.unfold(0, window, 1)[:n].transpose(1, 2).contiguous()
    y = series[window:, target].unfold(0, horizon, 1)[:n].contiguous()
    return x, y


def windowed_dataset(meta: dict, series: np.ndarray, target: int, settings: dict, input_shape=None,
                     normalize: bool = True, test_series: np.ndarray | None = None,
                     test_origin: str = "") -> Dataset:
    """A forecasting Dataset from a (L, F) series; ``target`` indexes the predicted feature.

    With ``test_series`` (the series' continuation, e.g. a separate test file) the test windows
    are those whose targets lie in it, and ``series`` is cut into train and val only."""
    window, horizon = window_sizes(settings, series.shape[1], input_shape, meta["name"])
    if test_series is not None:
        train_end, val_end = _cuts(len(series), {**settings, "test_fraction": 0.0}, window, horizon)
        if len(test_series) < horizon:
            raise DatasetError(f"The test series has {len(test_series)} points, fewer than the horizon of "
                               f"{horizon}: give a longer test file.")
        series = np.concatenate([series, test_series], axis=0)
    else:
        train_end, val_end = _cuts(len(series), settings, window, horizon)
    data = torch.from_numpy(np.ascontiguousarray(series, dtype=np.float32))
    stats = None
    if normalize:
        train = data[:train_end]
        mean, std = train.mean(0), train.std(0, unbiased=False).clamp_min(1e-6)
        data = (data - mean) / std
        stats = {"mean": mean.tolist(), "std": std.tolist(), "target": target}
    x, y = make_windows(data, target, window, horizon)
    first = torch.arange(len(x)) + window  # where each window's targets start
    last = first + horizon  # one past their end
    masks = [last <= train_end, (first >= train_end) & (last <= val_end), first >= val_end]
    limit = limit_of(settings)
    if limit is not None:
        masks[0] &= torch.cumsum(masks[0].long(), 0) <= limit
    splits = [Split(x[m], y[m]) for m in masks]
    steps = [np.unique((first[m][:, None] + torch.arange(horizon)).numpy()) for m in masks]
    plan = {"method": "chronological", "val_fraction": number(settings, "val_fraction", 0.1, lo=0.0, hi=0.9),
            "train_until": int(train_end), "val_until": int(val_end)}
    if test_series is not None:
        plan["test"] = test_origin
    else:
        plan["test_fraction"] = number(settings, "test_fraction", 0.2, lo=0.0, hi=0.9)
    if limit is not None:
        plan["limit"] = limit
    return Dataset(name=meta["name"], title=meta["title"], targets="forecast",
                   input_shape=(window, series.shape[1]), classes=None, train=splits[0],
                   val=splits[1], test=splits[2], normalization=stats, source=meta["source"],
                   extras={"window": window, "horizon": horizon, "target_feature": target},
                   split=plan, rows=dict(zip(("train", "val", "test"), steps)))


def _cuts(length: int, settings: dict, window: int, horizon: int) -> tuple[int, int]:
    """End of train and end of val in a chronological split of ``length`` points."""
    test = int(round(length * number(settings, "test_fraction", 0.2, lo=0.0, hi=0.9)))
    rest = length - test
    val = int(round(rest * number(settings, "val_fraction", 0.1, lo=0.0, hi=0.9)))
    if rest - val < window + horizon or 0 < val < horizon or 0 < test < horizon:
        raise DatasetError(f"The series has {length} points, too few for a window of {window} and a "
                           f"horizon of {horizon} in each split: use a longer series, a smaller window "
                           "or smaller fractions.")
    return rest - val, rest


def load_wave(settings: dict, input_shape=None, progress=None) -> Dataset:
    """A synthetic sine or sawtooth wave with optional Gaussian noise, for forecasting."""
    length, period, noise = settings["length"], settings["period"], settings["noise"]
    t = np.arange(length, dtype=np.float64)
    if settings["name"] == "sine":
        wave = np.sin(2 * np.pi * t / period)
    else:
        wave = 2.0 * ((t / period) % 1.0) - 1.0
    rng = np.random.default_rng(number(settings, "seed", 0, lo=0, integer=True))
    wave = wave + noise * rng.normal(size=length)
    title = {"sine": "Sine wave", "sawtooth": "Sawtooth wave"}[settings["name"]]
    meta = {"name": settings["name"], "title": title,
            "source": f"synthetic {settings['name']} wave: {length} points, period {period:g}, noise {noise:g}"}
    return windowed_dataset(meta, wave[:, None], 0, settings, input_shape,
                            normalize=flag(settings, "normalize", False))
