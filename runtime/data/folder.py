"""A user's image folder (one subfolder per class) and single images for prediction."""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from .base import Dataset, DatasetError
from .fit import fit_images, image_target
from .prep import apply_normalization, image_dataset

_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "P;L"}


def image_suffixes() -> set[str]:
    from PIL import Image

    return {ext.lower() for ext in Image.registered_extensions()}


def scan_classes(root: Path) -> tuple[list[str], list[tuple[Path, str]]]:
    """Sorted class names and (file, class) pairs under ``root/<class>/``."""
    suffixes = image_suffixes()
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    files = [(f, c) for c in classes for f in sorted((root / c).rglob("*"))
             if f.is_file() and f.suffix.lower() in suffixes]
    return classes, files


MAX_PIXELS = 50_000_000  # an 8000 x 6000 photo; larger headers are refused before decoding


def read_image(path: Path):
    """The opened Pillow image after checking its header: a file, readable, at most MAX_PIXELS
    (a decompression bomb is refused before a single pixel is decoded). Close it when done."""
    from PIL import Image, UnidentifiedImageError

    if not Path(path).is_file():
        raise DatasetError(f"The image {path} does not exist: check the path.")
    try:
        img = Image.open(path)
    except Image.DecompressionBombError:
        raise DatasetError(f"The image {path} claims more pixels than NetCanvas reads ({MAX_PIXELS:,}): scale it "
                           "down first.") from None
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise DatasetError(f"Cannot read the image {path} ({exc}): remove it or convert it to PNG.") from None
    w, h = img.size
    if w * h > MAX_PIXELS:
        img.close()
        raise DatasetError(f"The image {path} is {w}x{h} pixels, more than NetCanvas reads ({MAX_PIXELS:,}): scale "
                           "it down first.")
    return img


def open_image(path: Path, channels: int) -> np.ndarray:
    """(channels, h, w) uint8 from any image Pillow reads; 1 -> gray, otherwise RGB. 16-bit and
    32-bit gray images are scaled from their full range (not clipped at 255), palette images go
    through their palette."""
    from PIL import Image

    img = read_image(path)
    try:
        with img:
            if img.mode.startswith("I") or img.mode == "F":
                array = _wide_gray(img)
                if channels != 1:
                    array = np.repeat(array[..., None], 3, axis=2)
            else:
                img = img.convert("L" if channels == 1 else "RGB")
                array = np.asarray(img, dtype=np.uint8).copy()  # writable: torch refuses read-only arrays
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DatasetError(f"Cannot read the image {path} ({exc}): remove it or convert it to PNG.") from None
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _wide_gray(img) -> np.ndarray:
    """uint8 (h, w) from a gray image of 16-bit ("I;16"), 32-bit integer ("I") or float ("F")
    pixels: integers scaled from 0..65535 (0..255 when no value exceeds it), floats from 0..1."""
    values = np.asarray(img).astype(np.float64)
    if img.mode == "F":
        scaled = values * 255.0
    elif img.mode.startswith("I;16") or values.max(initial=0) > 255:
        scaled = values / 257.0  # 65535 -> 255
    else:
        scaled = values
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _probe(files: list[Path]) -> tuple[int, tuple[int, int]]:
    """Channels (1 if every image is gray, else 3) and the most common (H, W), from the headers."""
    modes, sizes = set(), Counter()
    for f in files:
        with read_image(f) as img:
            modes.add(img.mode)
            sizes[(img.height, img.width)] += 1
    return (1 if modes <= _GRAY_MODES else 3), sizes.most_common(1)[0][0]


def load_stack(files: list[Path], shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 (N, C, H, W): decode each file, then fit same-sized groups in one batched call."""
    arrays = [open_image(f, shape[0]) for f in files]
    out = np.zeros((len(arrays), *shape), dtype=np.uint8)
    groups: dict[tuple, list[int]] = {}
    for i, a in enumerate(arrays):
        groups.setdefault(a.shape, []).append(i)
    for idx in groups.values():
        batch = torch.from_numpy(np.stack([arrays[i] for i in idx])).float().div_(255)
        fitted = fit_images(batch, shape)
        out[idx] = fitted.mul_(255).round_().clamp_(0, 255).to(torch.uint8).numpy()
    return out


def load_image_folder(settings: dict, input_shape=None, progress=None) -> Dataset:
    """``path/<class>/*.png``, or ``path/train/<class>/`` and ``path/test/<class>/``."""
    root = _root(settings)
    split_dirs = [root / "train", root / "test"]
    if all(d.is_dir() for d in split_dirs):
        (classes, train), (test_classes, test) = scan_classes(split_dirs[0]), scan_classes(split_dirs[1])
        unknown = sorted(set(test_classes) - set(classes))
        if unknown:
            raise DatasetError(f"The test folder has class '{unknown[0]}' that train lacks: give "
                               f"{split_dirs[0]} the same class subfolders.")
    else:
        (classes, train), test = scan_classes(root), None
    if len(classes) < 2 or not train:
        raise DatasetError(f"{root} needs one subfolder per class (at least two) with images in them: "
                           "for example cats/001.png and dogs/001.png.")
    files = [f for f, _ in train] + [f for f, _ in test or []]
    channels, size = _probe(files)
    native = (channels, *size)
    target, _ = image_target(native, input_shape, "image-folder")
    code = {c: i for i, c in enumerate(classes)}
    train_xy = (load_stack([f for f, _ in train], target), np.array([code[c] for _, c in train], dtype=np.int64))
    test_xy = None if test is None else (load_stack([f for f, _ in test], target),
                                         np.array([code[c] for _, c in test], dtype=np.int64))
    meta = {"name": "image-folder", "title": f"Images in {root.name}", "classes": classes,
            "source": f"image folder {root} ({len(files)} images)"}
    return image_dataset(meta, train_xy, test_xy, settings, input_shape,
                         test_origin=f"the images in {split_dirs[1]}")


def _root(settings: dict) -> Path:
    if not settings.get("path"):
        raise DatasetError("The image-folder dataset needs a 'path': choose the folder that holds "
                           "one subfolder per class.")
    root = Path(settings["path"]).expanduser()
    if not root.is_dir():
        raise DatasetError(f"The image folder {root} does not exist: choose an existing folder.")
    return root


def prepare_image(path, input_shape, normalization: dict | None = None) -> torch.Tensor:
    """One image file of any size as a (1, *input_shape) tensor, exactly as the model sees it."""
    shape = tuple(int(v) for v in input_shape)
    target = input_image_shape(shape, normalization)
    x = torch.from_numpy(open_image(Path(path), target[0])).float().div_(255).unsqueeze(0)
    x = fit_images(x, target)
    if normalization:
        x = apply_normalization(x, normalization)
    return x.reshape(1, *shape)


def input_image_shape(shape: tuple, normalization: dict | None = None) -> tuple[int, int, int]:
    """The (C, H, W) image an input of ``shape`` takes (before it is flattened or squeezed)."""
    channels = len(normalization["mean"]) if normalization else (shape[0] if len(shape) == 3 else None)
    if len(shape) == 3:
        return shape
    if len(shape) == 2:
        return (1, *shape)
    return _flat_target(shape, channels)


def _flat_target(shape: tuple, channels: int | None) -> tuple[int, int, int]:
    features = shape[0] if len(shape) == 1 else -1
    for c in (channels,) if channels else (1, 3):
        side = math.isqrt(max(features, 0) // c)
        if side * side * c == features:
            return (c, side, side)
    raise DatasetError(f"An image cannot be fed to an input of shape {shape}: use an image input "
                       "(C, H, W) or a feature input of C*H*W with a square image.")
