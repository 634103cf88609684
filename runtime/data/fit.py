"""Fitting images to the model's input shape.

The rule, in order:

1. Channels: 1 -> 3 repeats the gray channel; 3 -> 1 takes luminance (0.299 R + 0.587 G + 0.114 B).
2. Size: when the target is at least as large as the image and at most 25 % larger in each
   dimension (28 -> 32, as LeNet-5 expects), the image is padded with zeros, centered, so no
   pixel is resampled. Otherwise it is resized bilinearly with antialiasing (stretching to
   the target's aspect ratio).
3. Shape: a 2-D input (H, W) of the image's size (or a padding margin larger) takes
   one-channel images without the channel axis (an RNN reading rows); a 1-D input (F,) takes
   the fitted image flattened, with F = C*H*W, or C*s*s for a square side s (an MLP).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import DatasetError

PAD_MARGIN = 1.25  # pad, rather than resize, up to this growth factor
_CHUNK = 8192


def size_rule(src: tuple[int, int], dst: tuple[int, int]) -> str:
    """'same', 'pad' or 'resize': what fitting an (H, W) image to ``dst`` does."""
    (h, w), (th, tw) = src, dst
    if (h, w) == (th, tw):
        return "same"
    if h <= th <= h * PAD_MARGIN and w <= tw <= w * PAD_MARGIN:
        return "pad"
    return "resize"


def convert_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, channels, H, W) for the gray <-> RGB conversions."""
    c = x.shape[1]
    if c == channels:
        return x
    if c == 1 and channels == 3:
        return x.expand(-1, 3, -1, -1).contiguous()
    if c == 3 and channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)
        return (x * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)
    raise DatasetError(f"Images with {c} channels cannot be converted to {channels} channels: "
                       "set the image input to 1 (grayscale) or 3 (RGB) channels.")


def fit_size(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, height, width) by centered zero padding or bilinear resize."""
    rule = size_rule(tuple(x.shape[-2:]), (height, width))
    if rule == "same":
        return x
    if rule == "pad":
        dh, dw = height - x.shape[-2], width - x.shape[-1]
        return F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
    shrink = height < x.shape[-2] or width < x.shape[-1]  # antialiasing only matters then
    parts = [F.interpolate(x[i:i + _CHUNK], size=(height, width), mode="bilinear",
                           align_corners=False, antialias=shrink) for i in range(0, len(x), _CHUNK)]
    return torch.cat(parts) if parts else x.new_zeros((0, x.shape[1], height, width))


def fit_images(x: torch.Tensor, target: tuple[int, int, int]) -> torch.Tensor:
    """Float (N, C, H, W) images -> (N, *target) following the module's rule."""
    c, h, w = target
    return fit_size(convert_channels(x, c), h, w)


def image_target(native: tuple, input_shape, name: str = "dataset"):
    """(C, H, W) to fit images to, and the final per-sample shape the model receives."""
    native = tuple(int(v) for v in native)
    if input_shape is None:
        return native, native
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 3 and shape[0] in (1, 3) and native[0] in (1, 3):
        return shape, shape
    if len(shape) == 2 and size_rule(native[1:], shape) != "resize":
        return (1, *shape), shape
    if len(shape) == 1:
        square = _flat_square(shape[0], native)
        if square:
            return square, shape
    raise DatasetError(f"The dataset '{name}' gives images of shape {native} but the model's input "
                       f"expects {shape}: use an image input of shape {native} (or a feature input "
                       f"of {math.prod(native)}) for this dataset.")


def _flat_square(features: int, native: tuple) -> tuple | None:
    """The (C, s, s) image that flattens to ``features``, preferring the native shape."""
    if features == math.prod(native):
        return native
    for c in dict.fromkeys((native[0], 1, 3)):
        side = math.isqrt(features // c)
        if features % c == 0 and side * side * c == features:
            return (c, side, side)
    return None


def shape_mismatch(kind: str, name: str, have: tuple, want: tuple, hint: str) -> DatasetError:
    """The one-sentence error for data that cannot be fitted to the model's input."""
    return DatasetError(f"The dataset '{name}' gives {kind} of shape {tuple(have)} but the model's "
                        f"input expects {tuple(want)}: {hint}.")
