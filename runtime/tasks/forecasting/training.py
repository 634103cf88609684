"""A forecasting model trains like any regression (its head's loss on the next values)."""
from __future__ import annotations

from ..supervised.training import Training

__all__ = ["Training"]
