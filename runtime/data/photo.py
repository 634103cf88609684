"""Prediction on real photos: the polarity and framing of light-on-dark grayscale datasets.

Fashion-MNIST and MNIST images are a bright object on a black background, centred and scaled to
a fixed share of 28 x 28 pixels. A photo is usually the reverse (a dark garment on a white
table) and small in a large frame, so before the ordinary fit (folder.py) it is:

1. inverted when its background (the median of a 2-pixel border) is light (``polarity="auto"``);
2. levelled: the background becomes 0 and the object's bright end 1, as in the training images;
3. cropped to the object (pixels far from the background), padded to the dataset's frame with the
   background colour and scaled so the object fills the same share (Fashion-MNIST: its longest
   side all 28 pixels, centred by its box; MNIST: 20 of 28, centred by its mass).

Colour datasets (CIFAR-10) and light ones get the ordinary fit only. See docs/training.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .base import DatasetError
from .fit import fit_images
from .folder import input_image_shape, open_image
from .prep import apply_normalization

POLARITIES = ("auto", "invert", "keep")
DARK_MEAN = 0.35  # training pixels darker than this on average (before normalization): light-on-dark
BORDER = 2  # pixels of the frame whose median is the background


@dataclass(frozen=True)
class Framing:
    """How the training images frame their object: the frame's (H, W) (None: the model's input
    size), the share of it the object's longest side fills, and "box" or "mass" centring."""

    size: tuple[int, int] | None
    fill: float
    centre: str = "box"


FASHION_FRAMING = Framing((28, 28), 1.0, "box")
MNIST_FRAMING = Framing((28, 28), 20 / 28, "mass")
DARK_FRAMING = Framing(None, 20 / 28, "box")  # another dark grayscale dataset (an image folder)


@dataclass
class Photo:
    """One image prepared for the model, and what was done to it."""

    x: torch.Tensor  # (1, *input_shape), normalized: what the model receives
    image: torch.Tensor  # (C, H, W) in [0, 1]: what it sees, for display
    polarity: str  # "inverted" or "kept"
    centred: bool
    note: str | None


def dataset_framing(run: dict) -> Framing | None:
    """The framing of a run's training images when they are light-on-dark grayscale, else None:
    by the dataset's name (fashion-mnist*, mnist*; cifar* never), else by its normalization
    (one gray channel, or equal channels, with a mean under DARK_MEAN)."""
    name = str(run.get("dataset") or (run.get("data") or {}).get("name") or "").lower()
    if name.startswith("fashion-mnist"):
        return FASHION_FRAMING
    if name.startswith("mnist"):
        return MNIST_FRAMING
    if name.startswith("cifar"):
        return None
    mean = (run.get("normalization") or {}).get("mean") or []
    if mean and max(mean) - min(mean) < 1e-6 and mean[0] < DARK_MEAN:
        return DARK_FRAMING
    return None


def prepare_photo(path, input_shape, normalization: dict | None = None, polarity: str = "auto",
                  framing: Framing | None = None) -> Photo:
    """One image file as the model's input after polarity and framing (when ``framing`` is given)
    and the ordinary fit and normalization; ``polarity`` is auto, invert or keep."""
    if polarity not in POLARITIES:
        raise DatasetError(f"Polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}.")
    shape = tuple(int(v) for v in input_shape)
    target = input_image_shape(shape, normalization)
    img = torch.from_numpy(open_image(Path(path), 1 if framing else target[0])).float().div_(255)
    light = border_level(img) > 0.5
    invert = polarity == "invert" or (polarity == "auto" and framing is not None and light)
    if invert:
        img = 1 - img
    centred = False
    if framing is not None:
        img, centred = frame_object(img, framing.size or target[1:], framing)
    background = border_level(img)
    image = fit_images(img.unsqueeze(0), target)[0]
    x = apply_normalization(image.unsqueeze(0), normalization) if normalization else image.unsqueeze(0)
    note = photo_note(image, background, normalization, framing, invert and polarity == "auto", centred)
    return Photo(x.reshape(1, *shape), image, "inverted" if invert else "kept", centred, note)


def border_level(img) -> float:
    """The median of the image's outer BORDER pixels over all channels: its background."""
    a = np.asarray(img)
    b = min(BORDER, (min(a.shape[-2:]) + 1) // 2)
    frame = np.concatenate([a[..., :b, :].ravel(), a[..., -b:, :].ravel(), a[..., :, :b].ravel(),
                            a[..., :, -b:].ravel()])
    return float(np.median(frame))


def frame_object(img: torch.Tensor, size, framing: Framing) -> tuple[torch.Tensor, bool]:
    """(1, H, W) -> (1, *size): levelled when the background is dark, cropped to the object,
    padded with the background and scaled to ``framing.fill``; False when no object stands out."""
    a = img[0].numpy()
    bg = border_level(a)
    diff = np.abs(a - bg)
    mask = diff > max(0.08, 0.1 * float(diff.max()))
    if int(mask.sum()) < 4:
        return fit_images(img.unsqueeze(0), (1, *size))[0], False
    if bg < 0.5:  # background to 0, the object's bright end to 1, as in the training images
        top = float(np.quantile(a[mask], 0.995))
        a = np.clip((a - bg) / max(top - bg, 1e-3), 0, 1)
        bg = 0.0
    (r0, r1), (c0, c1) = _extent(mask.sum(1)), _extent(mask.sum(0))
    crop = torch.from_numpy(np.ascontiguousarray(a[r0:r1, c0:c1], dtype=np.float32))
    h, w = crop.shape
    th, tw = (int(v) for v in size)
    scale = framing.fill * min(th / h, tw / w)
    nh, nw = max(1, min(th, round(h * scale))), max(1, min(tw, round(w * scale)))
    small = F.interpolate(crop[None, None], size=(nh, nw), mode="bilinear", align_corners=False,
                          antialias=scale < 1)[0].clamp_(0, 1)
    top, left = _offsets(small[0].numpy(), bg, (th, tw), framing.centre)
    out = torch.full((1, th, tw), bg)
    out[:, top:top + nh, left:left + nw] = small
    return out, True


def _extent(counts: np.ndarray, tail: float = 0.002) -> tuple[int, int]:
    """[start, stop) holding all but ``tail`` of the object's pixels at each end (specks of noise
    far from the object do not stretch its box)."""
    cum = np.cumsum(counts, dtype=np.float64)
    start = int(np.searchsorted(cum, tail * cum[-1], side="right"))
    stop = int(np.searchsorted(cum, (1 - tail) * cum[-1], side="left")) + 1
    return start, max(stop, start + 1)


def _offsets(small: np.ndarray, bg: float, size: tuple[int, int], centre: str) -> tuple[int, int]:
    """Where the scaled object goes: its box, or its centre of mass, at the frame's centre."""
    (nh, nw), (th, tw) = small.shape, size
    top, left = (th - nh) / 2, (tw - nw) / 2
    weight = np.abs(small - bg)
    total = float(weight.sum())
    if centre == "mass" and total > 0:
        cy = float(weight.sum(1) @ np.arange(nh)) / total
        cx = float(weight.sum(0) @ np.arange(nw)) / total
        top, left = (th - 1) / 2 - cy, (tw - 1) / 2 - cx
    return min(max(round(top), 0), th - nh), min(max(round(left), 0), tw - nw)


def photo_note(image: torch.Tensor, background: float, normalization: dict | None, framing: Framing | None,
               auto_inverted: bool, centred: bool) -> str | None:
    """One sentence when the prepared image (its background level before the fit) looks unlike the
    training images, else None."""
    notes = []
    if auto_inverted:
        notes.append("inverted: the photo has a light background, the training images a dark one")
    light = framing is not None and background > 0.25
    if light:
        notes.append("its background is light and the training images' is dark: change the polarity")
    if framing is not None and not centred:
        notes.append("no object stands out from its background, so it was not centred")
    if normalization and not light:
        mean, std = float(np.mean(normalization["mean"])), float(np.mean(normalization["std"]))
        seen = float(image.mean())
        if abs(seen - mean) > std:
            notes.append(f"its mean brightness ({seen:.2f}) is far from the training images' ({mean:.2f})")
    return "; ".join(notes) or None
