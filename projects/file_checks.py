"""The documents of a .dlproj made safe to use: every value the editor and the runtime read is of
the type they expect, or it is dropped with one sentence (the rest of the project still opens).
The graph's own checks are in ``dlproj.graph_from_json``; shape inference reports values out of
a block's bounds as problems on that block."""
from __future__ import annotations

import math
from typing import Any

from .names import shown
from .problems import human_bytes, machine_memory_bytes
from .training import TRAINING_SCHEMA

BYTES_PER_WEIGHT = 4  # float32: what holding the model's weights takes, before any training


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def clean_view(view: Any) -> tuple[dict[str, Any], list[str]]:
    """view.json with only well-formed block positions ([x, y] numbers) and zoom."""
    if view is None:
        return {"positions": {}}, []
    if not isinstance(view, dict):
        return {"positions": {}}, ["view.json is not a table of view settings and was reset (blocks are laid out anew)"]
    out, problems = dict(view), []
    positions = out.get("positions", {})
    if not isinstance(positions, dict):
        positions, bad = {}, 1
    else:
        good = {k: v for k, v in positions.items()
                if isinstance(v, list) and len(v) == 2 and all(_is_number(c) and abs(c) < 1e9 for c in v)}
        bad, positions = len(positions) - len(good), good
    if bad:
        problems.append(f"view.json holds {bad:,} block position{'s' if bad > 1 else ''} that are not [x, y] "
                        "coordinates; those blocks were placed anew")
    out["positions"] = positions
    if "zoom" in out and not (_is_number(out["zoom"]) and 0.01 <= out["zoom"] <= 100):
        del out["zoom"]
        problems.append("view.json has a zoom that is not a number between 0.01 and 100; it was reset")
    return out, problems


def clean_training(training: Any) -> tuple[dict[str, Any], list[str]]:
    """training.json with every section the schema knows being a table (a section of another type
    is dropped, so its defaults apply); values out of bounds stay and are reported by validation."""
    if training is None:
        return {}, []
    if not isinstance(training, dict):
        return {}, ["training.json is not a table of settings and was replaced by the defaults"]
    out, problems = dict(training), []
    for section in dict.fromkeys(s for s, _ in TRAINING_SCHEMA if s):
        if section in out and not isinstance(out[section], dict):
            del out[section]
            problems.append(f"the '{section}' training settings are not a table and were replaced by the defaults")
    return out, problems


def clean_history(history: Any) -> tuple[dict[str, Any], list[str]]:
    """history.json whose ``runs`` is a list of run records (tables)."""
    if history is None:
        return {"runs": []}, []
    if not isinstance(history, dict):
        return {"runs": []}, ["history.json is not a table of runs and was emptied"]
    out, runs = dict(history), history.get("runs", [])
    if not isinstance(runs, list):
        out["runs"] = []
        return out, ["history.json has no list of runs; its runs were dropped"]
    kept = [r for r in runs if isinstance(r, dict)]
    out["runs"] = kept
    dropped = len(runs) - len(kept)
    return out, [f"{dropped:,} run record{'s' if dropped > 1 else ''} in history.json "
                 f"{'are' if dropped > 1 else 'is'} not a table and {'were' if dropped > 1 else 'was'} dropped"
                 ] if dropped else []


def clean_meta(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest fields a project keeps, texts only, control characters escaped (a description
    keeps its line breaks)."""
    meta = {}
    for key in ("title", "description", "created", "modified", "app_version"):
        value = manifest.get(key)
        if isinstance(value, str):
            meta[key] = shown(value, keep="\n" if key == "description" else "")[:10_000]
    return meta


def weights_memory_refusal(graph) -> str | None:
    """Why the graph cannot be opened on this machine: its declared parameters (counted by shape
    inference, nothing allocated) would not even fit in memory as float32 weights."""
    total = sum(state.params for state in graph.states.values())
    need, memory = total * BYTES_PER_WEIGHT, machine_memory_bytes()
    if need <= memory:
        return None
    return (f"its model declares {total:,} parameters, whose weights alone need {human_bytes(need)} of memory but "
            f"this machine has {human_bytes(memory)}; make the model smaller in a copy saved on a larger machine")
