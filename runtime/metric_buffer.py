"""Step metrics kept on the device: no work per step beyond keeping a reference, one read every
``log_every`` steps.

A task's ``train_step`` returns a dict of 0-d tensors (still on the device, possibly not computed
yet on a GPU). ``MetricBuffer.add`` only remembers them; ``read`` stacks the steps since the last
read into one (steps, metrics) tensor, moves it to the host in one transfer, and there weights
the rows by their batch sizes and finds the first non-finite step.
"""
from __future__ import annotations

import math
from typing import Any

import torch


class StepHits:
    """A classifier step's accuracy, left uncomputed until the buffer is read: then the outputs of
    all the steps since the last read are compared with their targets in one batched operation
    (four kernels per read instead of four per step). ``logit``: one logit per sample, right when
    its sign matches the 0/1 target."""

    __slots__ = ("out", "y", "logit")

    def __init__(self, out: torch.Tensor, y: torch.Tensor, logit: bool = False):
        self.out, self.y, self.logit = out, y, logit

    def _hits(self, out: torch.Tensor, y: torch.Tensor, steps: int) -> torch.Tensor:
        if self.logit:
            return ((out.reshape(steps, -1) > 0) == (y.reshape(steps, -1) > 0.5)).float().mean(1)
        return (out.argmax(-1) == y).float().reshape(steps, -1).mean(1)

    @staticmethod
    def means(items: list["StepHits"]) -> torch.Tensor:
        """(steps,) float32: each step's share of right answers."""
        first = items[0]
        if all(i.out.shape == first.out.shape and i.y.shape == first.y.shape for i in items):
            return first._hits(torch.stack([i.out for i in items]), torch.stack([i.y for i in items]), len(items))
        return torch.cat([i._hits(i.out[None], i.y[None], 1) for i in items])


class MetricBuffer:
    def __init__(self, device: torch.device):
        self.device = device
        self.names: list[str] | None = None  # fixed by the first step's metrics
        self._steps: list[dict[str, torch.Tensor]] = []
        self.counts: list[int] = []
        self.first_step = 0

    def add(self, metrics: dict[str, torch.Tensor], n: int, step: int) -> None:
        """Record one step's metrics for ``n`` samples (``step``: the 0-based global step)."""
        if self.names is None:
            self.names = list(metrics)
        if not self.counts:
            self.first_step = step
        self._steps.append(metrics)
        self.counts.append(n)

    def read(self) -> dict[str, Any]:
        """Sample-weighted means since the last read, ``count``, and ``first_bad_step`` (1-based)
        when a value was NaN or infinite; resets the buffer."""
        k = len(self.counts)
        if not k or self.names is None:
            return {"count": 0}
        columns = []
        for name in self.names:
            values = [m[name] for m in self._steps]
            columns.append(StepHits.means(values) if isinstance(values[0], StepHits)
                           else torch.stack(values).float())
        # the one read: a (steps, metrics) table of a few hundred numbers, weighted and checked here
        # on the host (fewer kernels than doing it on the device, and the same single transfer)
        table = torch.stack(columns, 1).tolist()
        total = sum(self.counts)
        sums = [0.0] * len(self.names)
        first_bad = None
        for i, (row, n) in enumerate(zip(table, self.counts)):
            for j, v in enumerate(row):
                sums[j] += v * n
            if first_bad is None and not all(map(math.isfinite, row)):
                first_bad = i
        out: dict[str, Any] = {name: v / total for name, v in zip(self.names, sums)}
        out["count"] = total
        if first_bad is not None:
            out["first_bad_step"] = self.first_step + first_bad + 1
        self.counts, self._steps = [], []
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
