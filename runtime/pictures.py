"""Pictures a trained model's use writes: image grids and 2-D point clouds as PNG files (imports torch)."""
from __future__ import annotations

import math
from pathlib import Path

import torch

from .trained import EvaluationError


def grid_image(images: torch.Tensor, columns: int | None = None, pad: int = 2):
    """(N, C, H, W) images in [0, 1] tiled into one PIL image (``columns`` per row)."""
    from PIL import Image

    n, c, h, w = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    canvas = torch.ones(c, rows * (h + pad) + pad, columns * (w + pad) + pad)
    for i in range(n):
        r, col = divmod(i, columns)
        canvas[:, pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = images[i]
    array = (canvas.clamp(0, 1) * 255).round().to(torch.uint8)
    array = array[0].numpy() if c == 1 else array[:3].permute(1, 2, 0).numpy()
    return Image.fromarray(array, "L" if c == 1 else "RGB")


def points_image(points: torch.Tensor, size: int = 480):
    """2-D samples drawn as dots on a white square (a GAN on a point dataset)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    lo, hi = points.min(0).values, points.max(0).values
    span = float((hi - lo).max()) * 1.1 + 1e-6
    mid = (lo + hi) / 2
    for x, y in points.tolist():
        px = (x - float(mid[0])) / span * size + size / 2
        py = size / 2 - (y - float(mid[1])) / span * size
        draw.ellipse((px - 1.5, py - 1.5, px + 1.5, py + 1.5), fill=(232, 113, 10))
    return img


def write_png(image, path) -> Path:
    """Save a PIL image as PNG; OSError is turned into one sentence."""
    path = Path(path)
    try:
        image.save(path, "PNG")
    except OSError as e:
        raise EvaluationError(f"could not write {path}: {e.strerror or e}") from None
    return path
