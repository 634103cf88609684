"""Growable numpy buffers for live curves, with an exponential moving average kept incrementally
(O(1) per new point; recomputed only when the smoothing factor changes). No Qt."""
from __future__ import annotations

import math

import numpy as np


class Series:
    def __init__(self, capacity: int = 256):
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.s = np.empty(capacity)  # smoothed y
        self.n = 0
        self.version = 0  # bumped on every change: views redraw only the series that changed
        self.alpha = 0.0  # smoothing: 0 = raw, 0.99 = very smooth
        self._ema = math.nan
        self._debias = 0.0

    def clear(self) -> None:
        self.n = 0
        self.version += 1
        self._ema, self._debias = math.nan, 0.0

    def append(self, x: float, y: float | None) -> None:
        if y is None:
            return
        if self.n == len(self.x):
            for name in ("x", "y", "s"):
                old = getattr(self, name)
                new = np.empty(2 * len(old))
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        self.x[self.n], self.y[self.n] = x, y
        self.s[self.n] = self._smooth(float(y))
        self.n += 1
        self.version += 1

    def _smooth(self, y: float) -> float:
        if not math.isfinite(y):
            return y
        a = self.alpha
        self._ema = y * (1 - a) + (0.0 if math.isnan(self._ema) else self._ema) * a
        self._debias = self._debias * a + (1 - a)  # TensorBoard-style bias correction at the start
        return self._ema / self._debias if self._debias > 0 else y

    def set_smoothing(self, alpha: float) -> None:
        self.alpha = float(alpha)
        self.version += 1
        self._ema, self._debias = math.nan, 0.0
        for i in range(self.n):
            self.s[i] = self._smooth(float(self.y[i]))

    def data(self, smoothed: bool = True) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], (self.s if smoothed else self.y)[: self.n]

    def nearest(self, x: float) -> int | None:
        """Index of the point closest to ``x`` (x is increasing)."""
        if not self.n:
            return None
        i = int(np.searchsorted(self.x[: self.n], x))
        if i >= self.n:
            return self.n - 1
        if i > 0 and abs(self.x[i - 1] - x) < abs(self.x[i] - x):
            return i - 1
        return i
