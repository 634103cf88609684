"""Batched augmentations on image tensors already on the device (no per-sample Python).

The spec is a plain dict from the project's training settings, applied in this order:

    {"random_crop": 4}                 pad 4 px with zeros, crop back at a random offset
    {"hflip": true} or {"hflip": 0.3}  mirror left-right with probability 0.5 (or the number)
    {"affine": {"degrees": 10, "translate": 0.1, "scale": [0.9, 1.1]}}
                                       small random rotation (degrees), shift (fraction of the
                                       size) and zoom, bilinear, zeros outside

``random_crop`` also takes {"padding": 4}. Padding and the affine fill use 0, which after
normalization is the dataset's mean colour.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import DatasetError

AUGMENTATIONS = {
    "random_crop": "Pad by N pixels and crop back at a random offset (e.g. 4)",
    "hflip": "Mirror left-right with this probability (true = 0.5)",
    "affine": "Random rotation 'degrees', shift 'translate' (fraction) and zoom 'scale' [lo, hi]",
}
_AFFINE_KEYS = {"degrees", "translate", "scale"}


def check_augmentation(spec: dict | None) -> dict:
    """The spec in canonical form; a DatasetError for unknown keys or bad values."""
    if not spec:
        return {}
    if not isinstance(spec, dict):
        raise DatasetError(f"Augmentation settings must be a dictionary, not {spec!r}: for example "
                           '{"hflip": true}.')
    unknown = sorted(set(spec) - set(AUGMENTATIONS))
    if unknown:
        raise DatasetError(f"Unknown augmentation '{unknown[0]}': use {', '.join(AUGMENTATIONS)}.")
    out = {}
    try:
        crop = spec.get("random_crop")
        padding = int(crop.get("padding", 0) if isinstance(crop, dict) else (crop or 0))
        if padding < 0:
            raise ValueError
        if padding:
            out["random_crop"] = padding
        flip = spec.get("hflip", False)
        p = 0.5 if flip is True else float(flip or 0)
        if not 0.0 <= p <= 1.0:
            raise ValueError
        if p:
            out["hflip"] = p
        if spec.get("affine"):
            out["affine"] = _check_affine(spec["affine"])
    except (TypeError, ValueError, AttributeError):
        raise DatasetError(f"Augmentation settings {spec!r} are not valid: see the examples in "
                           "docs/datasets.md.") from None
    return out


def _check_affine(affine: dict) -> dict:
    if not isinstance(affine, dict) or set(affine) - _AFFINE_KEYS:
        raise ValueError
    lo, hi = affine.get("scale", (1.0, 1.0))
    degrees, translate = float(affine.get("degrees", 0.0)), float(affine.get("translate", 0.0))
    if not (0 < float(lo) <= float(hi)) or degrees < 0 or not 0 <= translate < 1:
        raise ValueError
    return {"degrees": degrees, "translate": translate, "scale": (float(lo), float(hi))}


def apply_augmentation(x: torch.Tensor, spec: dict | None, generator: torch.Generator | None = None):
    """Augment a batch (N, C, H, W); ``generator`` (on x's device) makes it reproducible."""
    spec = check_augmentation(spec)
    if not spec:
        return x
    if x.dim() != 4:
        raise DatasetError(f"Augmentation works on image batches (N, C, H, W) but got {tuple(x.shape)}: "
                           "remove the augmentation settings or use an image input.")
    if "random_crop" in spec:
        x = random_crop(x, spec["random_crop"], generator)
    if "hflip" in spec:
        x = random_hflip(x, spec["hflip"], generator)
    if "affine" in spec:
        x = random_affine(x, **spec["affine"], generator=generator)
    return x


def _uniform(n: int, lo: float, hi: float, like: torch.Tensor, generator) -> torch.Tensor:
    r = torch.rand(n, generator=generator, device=like.device, dtype=torch.float32)
    return r * (hi - lo) + lo


def random_crop(x: torch.Tensor, padding: int, generator=None) -> torch.Tensor:
    """Zero-pad every image by ``padding`` and cut an (H, W) window at a random offset each."""
    n, _, h, w = x.shape
    padded = F.pad(x, (padding,) * 4)
    span = 2 * padding + 1
    oy = torch.randint(0, span, (n, 1), generator=generator, device=x.device)
    ox = torch.randint(0, span, (n, 1), generator=generator, device=x.device)
    rows = oy + torch.arange(h, device=x.device)  # (n, h)
    cols = ox + torch.arange(w, device=x.device)  # (n, w)
    batch = torch.arange(n, device=x.device)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2)  # channels-last strides, as convolutions on CUDA like


def random_hflip(x: torch.Tensor, p: float = 0.5, generator=None) -> torch.Tensor:
    flip = torch.rand(x.shape[0], generator=generator, device=x.device) < p
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def random_affine(x: torch.Tensor, degrees: float = 0.0, translate: float = 0.0,
                  scale=(1.0, 1.0), generator=None) -> torch.Tensor:
    """Rotate, shift and zoom each image by its own random amounts (one grid_sample call)."""
    n = x.shape[0]
    angle = _uniform(n, -degrees, degrees, x, generator) * (math.pi / 180)
    tx = _uniform(n, -translate, translate, x, generator) * 2
    ty = _uniform(n, -translate, translate, x, generator) * 2
    zoom = _uniform(n, scale[0], scale[1], x, generator)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
