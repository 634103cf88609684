"""A trained perceptron is measured like any regressor of -1/+1 targets (with its sign accuracy)."""
from __future__ import annotations

from ..supervised.use import Use

__all__ = ["Use"]
