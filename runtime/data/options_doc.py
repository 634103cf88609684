"""The table of every data source's own options in docs/datasets.md: ``python -m
runtime.data.options_doc`` prints it (a test compares the docs with it)."""
from __future__ import annotations

from .catalog import SOURCES


def options_table() -> str:
    """Every source's own options as the Markdown table in docs/datasets.md (a test compares them)."""
    lines = ["| source | option | kind | default | meaning |", "| --- | --- | --- | --- | --- |"]
    for source in SOURCES.values():
        for p in source.options:
            kind = f"{p.kind}: {', '.join(str(c) for c in p.choices)}" if p.choices else p.kind
            if p.kind in ("int", "float") and p.min is not None:
                kind += f" ≥ {p.min:g}" if p.max is None else f", {p.min:g} to {p.max:,}"
            default = "empty" if p.default == "" else f"`{p.default}`"
            lines.append(f"| `{source.name}` | `{p.name}` | {kind} | {default} | {p.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(options_table(), end="")
