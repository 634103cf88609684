"""Step metrics kept on the device: one write per step, one read every ``log_every`` steps.

A task's ``train_step`` returns a dict of 0-d tensors; ``MetricBuffer.add`` stacks them into the
next row of a preallocated (rows, metrics) tensor (one small kernel, no host sync). ``read``
weights the rows by their batch sizes and finds the first non-finite step in one transfer.
"""
from __future__ import annotations

from typing import Any

import torch


class MetricBuffer:
    def __init__(self, device: torch.device, rows: int):
        self.device, self.rows = device, max(1, rows)
        self.names: list[str] | None = None  # fixed by the first step's metrics
        self.buf: torch.Tensor | None = None
        self._views: list[torch.Tensor] = []
        self.counts: list[int] = []
        self.first_step = 0

    def add(self, metrics: dict[str, torch.Tensor], n: int, step: int) -> None:
        """Record one step's metrics for ``n`` samples (``step``: the 0-based global step)."""
        if self.names is None:
            self.names = list(metrics)
            self.buf = torch.zeros(self.rows, len(self.names), device=self.device)
            self._views = list(self.buf)
        if not self.counts:
            self.first_step = step
        if len(self.counts) == self.rows:  # more steps than rows between reads (step-by-step use): grow
            self.buf = torch.cat([self.buf, torch.zeros_like(self.buf)])
            self.rows *= 2
            self._views = list(self.buf)
        torch.stack([metrics[k].float() for k in self.names], out=self._views[len(self.counts)])
        self.counts.append(n)

    def read(self) -> dict[str, Any]:
        """Sample-weighted means since the last read, ``count``, and ``first_bad_step`` (1-based)
        when a value was NaN or infinite; resets the buffer."""
        k = len(self.counts)
        if not k or self.names is None:
            return {"count": 0}
        rows = self.buf[:k]
        dtype = torch.float32 if self.device.type == "mps" else torch.float64
        weights = torch.tensor(self.counts, dtype=dtype, device=self.device)
        sums = (rows.to(dtype) * weights[:, None]).sum(0)
        bad = ~torch.isfinite(rows).all(1)
        first_bad = torch.where(bad.any(), bad.to(torch.int64).argmax(), torch.tensor(-1, device=self.device))
        values = torch.cat([sums, first_bad.to(dtype).reshape(1)]).tolist()  # the one read
        total = sum(self.counts)
        out: dict[str, Any] = {name: v / total for name, v in zip(self.names, values)}
        out["count"] = total
        if values[-1] >= 0:
            out["first_bad_step"] = self.first_step + int(values[-1]) + 1
        self.counts = []
        return out


class EpochTotals:
    """Sample-weighted sums of the reads of one epoch (plain floats on the host)."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, stats: dict[str, Any]) -> None:
        n = stats.get("count", 0)
        for k, v in stats.items():
            if k not in ("count", "first_bad_step"):
                self.sums[k] = self.sums.get(k, 0.0) + v * n
        self.count += n

    def means(self) -> dict[str, float]:
        return {k: v / max(self.count, 1) for k, v in self.sums.items()}
