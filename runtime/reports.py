"""Reports as data: the sections a task's ``describe`` makes of an evaluation report, and their text
for a terminal (no torch, no Qt). The editor's Evaluation tab draws the same sections as widgets,
so neither the command line nor the editor knows which task made a report.

A section is a JSON-ready dict with a ``kind``:

- ``summary``: ``text``, the one line that says how good the model is;
- ``figures``: ``items``, [label, value as text] pairs;
- ``table``: ``title``, ``columns``, ``rows`` (cells as text), ``numeric`` (per column: right-aligned);
- ``matrix``: ``title``, ``labels``, ``values`` (counts; rows: truth, columns: prediction), ``caption``;
- ``text``: ``lines``, sentences;
- ``pictures``: ``title``, ``key`` (a list of images in the report's ``transient`` part), ``captions``;
- ``plot``: ``view`` (a plot the editor knows, e.g. "forecast"), ``key`` (its data in ``transient``).
"""
from __future__ import annotations

from typing import Any


def summary(text: str) -> dict:
    return {"kind": "summary", "text": text}


def figures(*items: tuple[str, str]) -> dict:
    return {"kind": "figures", "items": [[label, value] for label, value in items]}


def table(title: str, columns: list[str], rows: list[list[str]], numeric: list[bool] | None = None) -> dict:
    return {"kind": "table", "title": title, "columns": list(columns), "rows": [list(r) for r in rows],
            "numeric": list(numeric or [False] + [True] * (len(columns) - 1))}


def matrix(title: str, labels: list[str], values: list[list[int]], caption: str = "") -> dict:
    return {"kind": "matrix", "title": title, "labels": list(labels), "values": values, "caption": caption}


def text(*lines: str) -> dict:
    return {"kind": "text", "lines": [line for line in lines if line]}


def pictures(title: str, key: str, captions: list[str]) -> dict:
    return {"kind": "pictures", "title": title, "key": key, "captions": list(captions)}


def plot(view: str, key: str, title: str = "") -> dict:
    return {"kind": "plot", "view": view, "key": key, "title": title}


def headline(sections: list[dict]) -> str:
    """The summary line of a report's sections ("" when there is none)."""
    return next((s["text"] for s in sections if s.get("kind") == "summary"), "")


def report_text(sections: list[dict]) -> str:
    """The sections as plain text for a terminal (pictures and plots are the editor's)."""
    out: list[str] = []
    for s in sections:
        kind = s.get("kind")
        if kind == "summary":
            out.append(s["text"])
        elif kind == "figures":
            out.append("   ".join(f"{label} {value}" for label, value in s["items"]))
        elif kind == "table":
            out += ["", *_table_lines(s)]
        elif kind == "matrix":
            out += ["", *_matrix_lines(s)]
        elif kind == "text":
            out += s["lines"]
    return "\n".join(out)


def _table_lines(s: dict) -> list[str]:
    columns, rows, numeric = s["columns"], s["rows"], s.get("numeric") or []
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(str(c)) for i, c in enumerate(columns)]

    def line(cells: list[Any]) -> str:
        return "  ".join(str(c).rjust(w) if i < len(numeric) and numeric[i] else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    title = [s["title"]] if s.get("title") else []
    return [*title, line(columns), *(line(r) for r in rows)]


def _matrix_lines(s: dict) -> list[str]:
    labels, values = s["labels"], s["values"]
    width = max((len(str(n)) for n in labels), default=1)
    cells = max((len(str(v)) for row in values for v in row), default=1)
    lines = [s.get("caption") or s.get("title") or ""]
    lines += [f"{name:<{width}}  " + " ".join(f"{v:>{cells}}" for v in row) for name, row in zip(labels, values)]
    return lines
