"""Text from a file shown safely: control and format characters (ANSI escapes, newlines, bidi
overrides, zero-width characters, line separators) as visible escapes, so that a block name
cannot repaint a terminal, fake a line of output or reorder what is shown around it."""
from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 200
UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _safe(c: str, keep: str) -> str:
    if c in keep or unicodedata.category(c) not in UNSAFE_CATEGORIES:
        return c
    return c.encode("unicode_escape").decode("ascii")


def shown(text: object, keep: str = "") -> str:
    """``text`` with every control or format character (except those in ``keep``) written as an escape."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    return "".join(_safe(c, keep) for c in text)


def shown_lines(text: str) -> str:
    """A multi-line text (a table, a report) with each of its lines made safe."""
    return "\n".join(shown(line, keep="\t") for line in text.split("\n"))


def clean_name(name: str) -> str:
    """A block name from a file: escaped when it holds control characters, at most MAX_NAME_CHARS."""
    return shown(name)[:MAX_NAME_CHARS]
