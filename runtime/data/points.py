"""2-D point sets for a classroom GAN (as GAN Lab shows): Gaussian mixtures and two moons.

``gaussian-ring``: ``modes`` Gaussians evenly on a circle of ``radius`` (8, 2.0, std 0.02),
the mode-collapse benchmark of Metz et al. (unrolled GANs), VEEGAN and PacGAN.
``gaussian-grid``: ``side`` x ``side`` Gaussians ``spacing`` apart, centered on the origin
(5 x 5 at -4, -2, 0, 2, 4, std 0.05). ``two-moons``: two interleaving half circles with
Gaussian ``noise`` (0.05), as scikit-learn's make_moons but at random angles.

x is (N, 2) float32 raw coordinates (never normalized, so generated samples compare with the
centers directly); y is the mode (or moon) id. Every mode gets the same number of samples.
``extras["centers"]`` lists the mixture's centers (None for the moons) and ``extras["std"]``
its spread, for ``runtime.quality.mode_coverage``.
"""
from __future__ import annotations

import numpy as np
import torch

from .base import Dataset, DatasetError, Split
from .fit import shape_mismatch
from .prep import flag, make_splits, seed_of


def ring_centers(modes: int, radius: float) -> np.ndarray:
    """(modes, 2) points evenly on a circle, the first at (radius, 0)."""
    angle = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angle), np.sin(angle)], 1)


def grid_centers(side: int, spacing: float) -> np.ndarray:
    """(side * side, 2) points on a square grid centered on the origin, row by row."""
    axis = (np.arange(side) - (side - 1) / 2) * spacing
    gy, gx = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([gx.ravel(), gy.ravel()], 1)


def _mixture(name: str, settings: dict, rng: np.random.Generator, n: int):
    """(x, y, centers, std, description) of a Gaussian mixture."""
    std = settings["std"]
    if name == "gaussian-ring":
        modes, radius = settings["modes"], settings["radius"]
        centers, what = ring_centers(modes, radius), f"{modes} Gaussians on a circle of radius {radius:g}"
    else:
        side, spacing = settings["side"], settings["spacing"]
        centers, what = grid_centers(side, spacing), f"{side}x{side} grid of Gaussians {spacing:g} apart"
    y = np.arange(n) % len(centers)
    x = centers[y] + std * rng.normal(size=(n, 2))
    return x, y, centers, std, f"{what}, std {std:g}"


def _moons(settings: dict, rng: np.random.Generator, n: int):
    """(x, y, None, noise, description): the upper moon (y 0) and the lower, shifted one (y 1)."""
    noise = settings["noise"]
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1)
    x = np.where(y[:, None] == 0, upper, lower) + noise * rng.normal(size=(n, 2))
    return x, y, None, noise, f"two interleaving half circles, noise {noise:g}"


def load_points(settings: dict, input_shape=None, progress=None) -> Dataset:
    """A seeded 2-D point set split into train/val/test (see the module docstring)."""
    name = settings["name"]
    if input_shape is not None and tuple(input_shape) != (2,):
        raise shape_mismatch("2-D points", name, (2,), input_shape, "use a feature input of 2 features")
    if flag(settings, "normalize", False):
        raise DatasetError(f"The '{name}' points are used as raw coordinates and cannot be normalized: "
                           "remove 'normalize' from the dataset settings.")
    n = settings["samples"]
    rng = np.random.default_rng(seed_of(settings))
    if name == "two-moons":
        x, y, centers, std, what = _moons(settings, rng, n)
        classes, title = ["moon 1", "moon 2"], "Two moons"
    else:
        x, y, centers, std, what = _mixture(name, settings, rng, n)
        classes = [f"mode {i + 1}" for i in range(len(centers))]
        title = f"Ring of {len(centers)} Gaussians" if name == "gaussian-ring" else f"Grid of {len(centers)} Gaussians"
    parts = make_splits(x.astype(np.float32), y.astype(np.int64), settings)
    train, val, test = (Split(torch.from_numpy(a), torch.from_numpy(b)) for a, b in parts)
    extras = {"points": True, "centers": None if centers is None else (centers.round(12) + 0.0).tolist(), "std": std}
    return Dataset(name=name, title=title, targets="classes", input_shape=(2,), classes=classes,
                   train=train, val=val, test=test, normalization=None,
                   source=f"synthetic 2-D points: {what}, {n} samples, seed {seed_of(settings)}",
                   extras=extras, split=parts.plan, rows=parts.rows)
