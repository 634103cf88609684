"""The structure of safetensors weights, read without torch: an 8-byte little-endian header
length, a JSON header naming each tensor's dtype, shape and byte range, then the bytes. Checked
before anything reads a tensor: the header's size, the dtype names, byte ranges that tile the
data exactly (no gap, overlap, overflow or trailing byte). ``runtime.weights`` compares the
result with what the graph builds."""
from __future__ import annotations

import math
import struct
from typing import Any

from .strict_json import JsonError, loads_strict

# bytes per element of the dtypes safetensors names
DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
               "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' own limit
MAX_TENSORS = 100_000
MAX_RANK = 8

TensorSpec = tuple[str, tuple[int, ...]]  # (dtype name, shape)


class WeightsFormatError(ValueError):
    """Bytes that are not well-formed safetensors; the message completes "the weights are ..."."""


def _shown(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")[:80]


def tensor_specs(blob: bytes) -> dict[str, TensorSpec]:
    """Every tensor's (dtype, shape) from a checked safetensors header; raises WeightsFormatError."""
    if len(blob) < 8:
        raise WeightsFormatError("too short to be safetensors (no header length)")
    (n,) = struct.unpack_from("<Q", blob)
    if n < 2 or n > MAX_HEADER_BYTES:
        raise WeightsFormatError(f"not safetensors (the header length {n:,} is outside 2 to {MAX_HEADER_BYTES:,} "
                                 "bytes)")
    if 8 + n > len(blob):
        raise WeightsFormatError(f"cut short (the header claims {n:,} bytes but the data has {len(blob) - 8:,})")
    try:
        header = loads_strict(bytes(blob[8:8 + n]), MAX_HEADER_BYTES, max_depth=4)
    except JsonError as e:
        raise WeightsFormatError(f"not safetensors (the header is {e})") from None
    if not isinstance(header, dict):
        raise WeightsFormatError("not safetensors (the header is not a JSON object)")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise WeightsFormatError("not safetensors (its __metadata__ is not a table of texts)")
    if len(header) > MAX_TENSORS:
        raise WeightsFormatError(f"not usable (the header lists {len(header):,} tensors)")
    specs, ranges = {}, []
    for name, info in header.items():
        dtype, shape, (begin, end) = _tensor(name, info)
        if end - begin != math.prod(shape) * DTYPE_BYTES[dtype]:
            raise WeightsFormatError(f"damaged (tensor '{_shown(name)}' of shape {list(shape)} as {dtype} needs "
                                     f"{math.prod(shape) * DTYPE_BYTES[dtype]:,} bytes but is given {end - begin:,})")
        specs[name] = (dtype, shape)
        ranges.append((begin, end, name))
    data_len, at = len(blob) - 8 - n, 0
    for begin, end, name in sorted(ranges):
        if begin != at:
            what = "overlaps the one before it" if begin < at else f"leaves a gap of {begin - at:,} bytes before it"
            raise WeightsFormatError(f"damaged (tensor '{_shown(name)}' {what})")
        at = end
    if at > data_len:
        raise WeightsFormatError(f"damaged (the tensors need {at:,} bytes of data but only {data_len:,} follow the "
                                 "header)")
    if at < data_len:
        raise WeightsFormatError(f"damaged ({data_len - at:,} bytes follow the last tensor)")
    return specs


def _tensor(name: str, info: Any) -> tuple[str, tuple[int, ...], tuple[int, int]]:
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise WeightsFormatError(f"not safetensors (the entry of tensor '{_shown(name)}' is not "
                                 "{dtype, shape, data_offsets})")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPE_BYTES:
        raise WeightsFormatError(f"not usable (tensor '{_shown(name)}' has the unknown dtype {_shown(str(dtype))!r})")
    if (not isinstance(shape, list) or len(shape) > MAX_RANK
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**40 for d in shape)):
        raise WeightsFormatError(f"not safetensors (tensor '{_shown(name)}' has no valid shape)")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] < 2**63):
        raise WeightsFormatError(f"not safetensors (tensor '{_shown(name)}' has no valid byte range)")
    return dtype, tuple(shape), (offsets[0], offsets[1])
