"""A Project: the graph plus its view, training settings, history and (optional) trained weights."""
from __future__ import annotations

import copy
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from .graph import Graph
from .training import complete_training

APP_VERSION = "0.1.0"


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Project:
    graph: Graph = field(default_factory=Graph)
    view: dict[str, Any] = field(default_factory=lambda: {"positions": {}, "zoom": 1.0})
    training: dict[str, Any] = field(default_factory=lambda: complete_training(None))
    history: dict[str, Any] = field(default_factory=lambda: {"runs": []})
    weights: bytes | None = None  # safetensors bytes of the last trained model
    checkpoint: bytes | None = None  # safetensors bytes of the best model (early stopping's choice)
    thumbnail: bytes | None = None  # PNG
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.meta.get("title", "")

    def positions(self) -> dict[str, list[float]]:
        return self.view.setdefault("positions", {})

    def copy(self) -> "Project":
        """A frozen-in-time copy (for a training run): the graph is rebuilt, blobs are shared."""
        return Project(self.graph.copy(), copy.deepcopy(self.view), copy.deepcopy(self.training),
                       copy.deepcopy(self.history), self.weights, self.checkpoint, self.thumbnail, dict(self.meta))
