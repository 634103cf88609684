"""The training part of docs/dlproj.schema.json, generated from the settings schema (one owner:
runtime/settings.py, which puts together the common settings, every task's sections and every
data source's options).

    python -m runtime.json_schema        # rewrites $defs.training in docs/dlproj.schema.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .settings import settings_schema

KINDS = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}
DESCRIPTION = ("Training settings. Every key is optional on reading (defaults fill the gaps); extra keys (dataset "
               "paths, options of newer versions) are kept as they are.")


def _entry(p) -> dict:
    entry = {"description": p.help}
    if p.kind == "choice":
        entry["enum"] = list(p.choices)
    else:
        entry["type"] = KINDS[p.kind]
    if p.min is not None:
        entry["minimum"] = p.min
    if p.max is not None:
        entry["maximum"] = p.max
    if p.default is not None:  # None: the default depends on the data source
        entry["default"] = p.default
    return entry


def training_schema() -> dict:
    """JSON Schema of training.json, section by section as the settings schema declares it."""
    props: dict = {}
    for section, p in settings_schema(None, data=True):
        if section is None:
            props[p.name] = _entry(p)
            continue
        sec = props.setdefault(section, {"type": "object", "properties": {}, "additionalProperties": True})
        sec["properties"][p.name] = _entry(p)
    return {"type": "object", "description": DESCRIPTION, "properties": props, "additionalProperties": True}


def main(path: str = "docs/dlproj.schema.json") -> None:
    target = Path(path)
    schema = json.loads(target.read_text(encoding="utf-8"))
    schema["$defs"]["training"] = training_schema()
    target.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
