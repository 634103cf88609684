"""Names of runs a person can tell apart: when it started (local time), how many epochs, its best
validation figure and how it ended, instead of the run's random id."""
from __future__ import annotations

import datetime as _dt

from .taskinfo import spec_of_run


def started_text(run: dict, today: _dt.date | None = None) -> str:
    """'14:05' for a run started today, '3 Dec 14:05' this year, '3 Dec 2025 14:05' before."""
    try:
        when = _dt.datetime.fromisoformat(str(run.get("started"))).astimezone()
    except (TypeError, ValueError):
        return "run " + str(run.get("id", "?"))
    today = today or _dt.date.today()
    clock = when.strftime("%H:%M")
    if when.date() == today:
        return clock
    day = f"{when.day} {when.strftime('%b')}"
    return f"{day} {clock}" if when.year == today.year else f"{day} {when.year} {clock}"


def best_text(run: dict) -> str:
    """'best val acc 89.1%' (the task's main validation metric at its best epoch), or ''."""
    ranked = [m for m in spec_of_run(run).metrics if m.goal in ("max", "min")]  # a GAN's have no goal
    if not ranked:
        return ""
    metric = next((m for m in ranked if m.goal == "max"), ranked[0])
    values = [e.get(f"val_{metric.name}") for e in run.get("epochs") or []]
    values = [v for v in values if isinstance(v, (int, float))]
    if not values:
        return ""
    best = max(values) if metric.goal == "max" else min(values)
    shown = f"{best:.1%}" if metric.percent else metric.text(best)
    return f"best val {metric.short} {shown}"


def run_name(run: dict, today: _dt.date | None = None) -> str:
    """'14:05 · 10 epochs · best val acc 89.1% · stopped'."""
    epochs = len(run.get("epochs") or [])
    parts = [started_text(run, today), f"{epochs} epoch{'s' if epochs != 1 else ''}"]
    best = best_text(run)
    if best:
        parts.append(best)
    status = run.get("status")
    if status and status != "finished":
        parts.append(str(status))
    return " · ".join(parts)
