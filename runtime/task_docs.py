"""The table of tasks in docs/training.md, generated from the tasks' declarations (one owner): what
chooses each task, the data it learns from, the parts it trains, its metrics and own settings, and
what the editor and `netcanvas predict` do with it. ``python -m runtime.task_docs`` prints it (a
test compares it with the docs). No torch."""
from __future__ import annotations

from nodes import resolve

from .tasks.choice import TARGET_WORDS
from .tasks import TaskDeclaration, declarations

GIVES = {"classes": "the class of image files, with probabilities", "images": "a picture of samples (PNG)", "": "—"}


def _heads(decl: TaskDeclaration) -> str:
    titles = [resolve(t).title for t in decl.heads if resolve(t)]
    return " or ".join(titles) + " (auto)" if titles else f"set `task: {decl.name}`"


def _data(decl: TaskDeclaration) -> str:
    if "any" in decl.data.targets:
        return "any dataset"
    return " or ".join(TARGET_WORDS.get(t, t) for t in decl.data.targets)


def _parts(decl: TaskDeclaration) -> str:
    if not decl.optimizers:
        return "none (its own rule)"
    return ", ".join(f"{part} (`{section}`)" for part, section in decl.optimizers)


def _settings(decl: TaskDeclaration) -> str:
    names = []
    for sec in decl.settings:  # a long section (a second optimizer) by its name alone
        names += [f"`{sec.name}.*`"] if len(sec.params) > 5 else [f"`{sec.name}.{p.name}`" for p in sec.params]
    return ", ".join(names) or "—"


def markdown_table() -> str:
    """The tasks as the Markdown table in docs/training.md."""
    lines = ["| task | chosen by | learns from | parts (optimizer settings) | metrics | own settings | editor views | "
             "predict gives |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for decl in declarations().values():
        metrics = ", ".join(m.name for m in decl.metrics)
        views = ", ".join(decl.views) or "—"
        lines.append(f"| `{decl.name}` ({decl.title}) | {_heads(decl)} | {_data(decl)} | {_parts(decl)} | {metrics} | "
                     f"{_settings(decl)} | {views} | {GIVES.get(decl.prediction.gives, decl.prediction.gives)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
