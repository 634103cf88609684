"""Strict JSON for documents from a file: UTF-8, bounded size and nesting, no NaN or Infinity, no
duplicate keys, no numbers too long to be a setting. Failures are a :class:`JsonError` whose
message completes "NAME is ..." (``dlproj`` puts the member's and the file's name in front)."""
from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
# longer than any setting needs, but what a float's whole value takes (1e308 read as an int
# setting becomes 309 digits), so whatever was opened and saved opens again
MAX_NUMBER_CHARS = 400

_KEEP = b'[]{}"'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_STRING = re.compile(rb'"[^"]*"?')  # once escapes are gone; an unterminated string runs to the end
_PAIR = re.compile(rb"\[\]|\{\}")


class JsonError(ValueError):
    """Not strict JSON; the message says why."""


def nesting_ok(raw: bytes, max_depth: int = MAX_DEPTH) -> bool:
    """Whether the brackets outside strings of UTF-8 JSON are balanced and nested at most
    ``max_depth`` deep, checked without recursion, in C-speed passes: escapes are removed (an
    escaped backslash first), then everything but brackets and quotes, then strings; each last
    pass removes the innermost pairs, so the passes count the depth."""
    bare = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _DROP)
    # quotes now alternate open/close: dropping any adjacent pair keeps that (and loses no bracket
    # outside a string), so most strings go in one fast replace before the regex
    brackets = _STRING.sub(b"", bare.replace(b'""', b""))
    for _ in range(max_depth):
        if not brackets:
            return True
        shorter = _PAIR.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return False
        brackets = shorter
    return not brackets


def _constant(name: str):
    raise JsonError(f"not valid JSON (it holds {name}, which JSON does not allow)")


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonError(f"not valid for NetCanvas (it holds a number {len(text):,} characters long)")
    value = float(text)
    if not math.isfinite(value):
        raise JsonError("not valid for NetCanvas (it holds a number too large to represent)")
    return value


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonError(f"not valid for NetCanvas (it holds a number {len(text):,} characters long)")
    return int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        shown = dup.encode("unicode_escape").decode("ascii")[:60]
        raise JsonError(f"ambiguous (the key '{shown}' appears twice in one object)")
    return out


def loads_strict(raw: bytes, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw`` as strict JSON; raises JsonError with the reason."""
    if len(raw) > max_bytes:
        raise JsonError(f"larger than the {max_bytes // 2**20} MB a project document may have")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonError("not valid JSON text (it is not UTF-8)") from None
    if not nesting_ok(raw, max_depth):
        raise JsonError(f"not valid JSON or nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int,
                          object_pairs_hook=_pairs)
    except JsonError:
        raise
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        what = f"{e.msg}, line {e.lineno} column {e.colno}" if isinstance(e, json.JSONDecodeError) else \
            type(e).__name__
        raise JsonError(f"not valid JSON ({what})") from None
