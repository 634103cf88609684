"""The dataset types every source returns, and the one error they raise. No torch at import."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import torch

# What a dataset's targets are: class ids, numbers to predict, or the next values of a series.
TARGETS = ("classes", "values", "forecast")


class DatasetError(Exception):
    """A dataset problem the user can fix; the message is one sentence: what and how."""


@dataclass
class Split:
    """One split as CPU tensors; the trainer moves them to the device once. Its named fields are
    what batches hold: ``x`` (the samples), ``y`` (the targets) and any ``extra`` ones a source gives
    (each input block reads the field its ``field`` parameter names)."""

    x: "torch.Tensor"  # (N, *input_shape) float32, or int64 token ids
    y: "torch.Tensor"  # (N,) int64 class ids, or (N, K) float targets
    extra: dict = field(default_factory=dict)  # more named fields, N samples each

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def fields(self) -> dict:
        """Every field by name: x, y and the extra ones."""
        return {"x": self.x, "y": self.y, **self.extra}


@dataclass
class Dataset:
    """A loaded dataset: three splits already fitted to the model's input and normalized.

    ``extras`` carries what prediction needs besides normalization: ``image_shape`` (C, H, W)
    for image data, ``vocabulary``/``level``/``max_length`` for text, ``window``/``horizon``
    for forecasting, ``feature_names`` for CSV features.
    """

    name: str
    title: str
    targets: str  # "classes", "values" or "forecast" (TARGETS)
    input_shape: tuple[int, ...]
    classes: list[str] | None
    train: Split
    val: Split
    test: Split
    normalization: dict | None
    source: str
    extras: dict[str, Any] = field(default_factory=dict)
    # How the three splits were made (JSON, recorded with every run): method, seed, fractions, test file.
    split: dict[str, Any] = field(default_factory=dict)
    # Which of the source's rows (or, for series, target time steps) each split holds, in the
    # source's own numbering; a test split from a separate file or set has None. Not saved.
    rows: dict[str, Any] | None = None

    @property
    def num_classes(self) -> int | None:
        return len(self.classes) if self.classes else None

    @property
    def is_image(self) -> bool:
        return "image_shape" in self.extras

    def sample_images(self, n: int = 16) -> "torch.Tensor":
        """Up to ``n`` training samples for previews, classes taken in turn.

        Image data comes back as (n, C, H, W) in [0, 1] with normalization undone; other data
        as raw (n, *input_shape) samples.
        """
        import torch

        idx = _round_robin(self.train.y, n) if self.classes else torch.arange(min(n, len(self.train)))
        x = self.train.x[idx]
        if not self.is_image:
            return x.clone()
        x = x.reshape(len(idx), *self.extras["image_shape"]).float()
        if self.normalization:
            mean = torch.tensor(self.normalization["mean"]).view(1, -1, 1, 1)
            std = torch.tensor(self.normalization["std"]).view(1, -1, 1, 1)
            x = x * std + mean
        return x.clamp(0, 1)

    def summary(self) -> dict:
        """A JSON-friendly description for events, the CLI and the editor."""
        return {
            "name": self.name, "title": self.title, "targets": self.targets,
            "input_shape": list(self.input_shape), "classes": self.classes,
            "sizes": {"train": len(self.train), "val": len(self.val), "test": len(self.test)},
            "normalization": self.normalization, "source": self.source, "split": self.split,
        }


@dataclass
class DatasetInfo:
    """A catalog entry: what the editor lists before anything is loaded."""

    name: str
    title: str
    targets: str
    input_shape: tuple  # () when it depends on the user's file
    classes: list[str] | None
    available: bool
    note: str
    needs_path: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)


def _round_robin(y, n: int):
    """Indices of up to ``n`` samples taking one of each class in turn."""
    import torch

    if y.dtype.is_floating_point or len(y) == 0:
        return torch.arange(min(n, len(y)))
    per_class = [torch.nonzero(y == c).flatten() for c in torch.unique(y)]
    picks = [ids[k] for k in range(n) for ids in per_class if k < len(ids)]
    return torch.stack(picks[:n]) if picks else torch.arange(0)
