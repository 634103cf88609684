"""Reading and writing .dlproj files (a zip of JSON documents, like Keras' .keras).

Members: manifest.json, graph.json, view.json, training.json, and optionally history.json,
weights.safetensors, checkpoint.safetensors, thumbnail.png. Loading goes in stages: parse ->
migrate (one function per old format version) -> resolve renamed block types -> build; every
failure is one clear sentence (ProjectFileError), and nothing in a file is ever executed.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any, Callable

from nodes import resolve

from .graph import Graph, GraphEditError, Node, Wire
from .project import APP_VERSION, Project, now_iso
from .saving import ProjectSaveError, save_bytes
from .training import complete_training

FORMAT = "netcanvas.dlproj"
FORMAT_VERSION = 1
MAX_MEMBER_BYTES = 2 * 2**30  # a member larger than this is refused rather than unpacked
JSON_MEMBERS = ("manifest.json", "graph.json", "view.json", "training.json", "history.json")
BLOB_MEMBERS = {"weights.safetensors": "weights", "checkpoint.safetensors": "checkpoint",
                "thumbnail.png": "thumbnail"}


class ProjectFileError(Exception):
    """A .dlproj that cannot be opened; the message is one sentence naming the file and the fix."""


# ---- graph <-> JSON -------------------------------------------------------------------------
def graph_to_json(graph: Graph) -> dict[str, Any]:
    return {
        "nodes": [{"id": n.id, "type": n.type_id, "type_version": n.type_version, "name": n.name,
                   "params": n.params} for n in graph.nodes.values()],
        "wires": [{"from": {"node": w.src, "port": w.src_port}, "to": {"node": w.dst, "port": w.dst_port}}
                  for w in graph.wires],
    }


def graph_from_json(data: Any) -> tuple[Graph, list[str]]:
    """Build a graph, collecting one message per part that could not be built (never raising on
    a bad node or wire: the rest of the model still opens) and per block an older version of
    which was upgraded with a note (``Block.upgrade``)."""
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise ProjectFileError("graph.json has no list of nodes")
    graph = Graph()
    with graph.batch():
        for i, raw in enumerate(data["nodes"]):
            err = _add_node(graph, raw, i)
            if err:
                errors.append(err)
        for raw in data.get("wires") or []:
            err = _add_wire(graph, raw)
            if err:
                errors.append(err)
    return graph, errors


def _add_node(graph: Graph, raw: Any, i: int) -> str | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return f"node #{i + 1} in graph.json is not a block description and was skipped"
    block = resolve(raw["type"])
    name = str(raw.get("name") or "")
    if block is None:
        return f"block '{name or i + 1}' has the unknown type '{raw['type']}' and was skipped"
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    saved = raw.get("type_version", 1)
    note = None
    if isinstance(saved, int) and not isinstance(saved, bool) and saved < block.version:
        params, note = block.upgrade(dict(params), saved)  # the same function under today's rules
    node_id = str(raw.get("id") or "") or None
    if name and graph.node_by_name(name):
        name = graph.unique_name(name)
    try:
        node = graph.add_node(block.type_id, name or None, params, node_id)
    except GraphEditError as e:
        return f"block '{name}' could not be added: {e}"
    node.type_version = block.version
    return f"{block.title} '{node.name}' {note}" if note else None


def _add_wire(graph: Graph, raw: Any) -> str | None:
    try:
        src, dst = raw["from"], raw["to"]
        args = (str(src["node"]), str(src["port"]), str(dst["node"]), str(dst["port"]))
    except (TypeError, KeyError):
        return "a wire in graph.json is missing its 'from' or 'to' end and was skipped"
    a, b = graph.nodes.get(args[0]), graph.nodes.get(args[2])
    if a is None or b is None:
        return "a wire in graph.json points at a block that does not exist and was skipped"
    if (args[2], args[3]) in {(w.dst, w.dst_port) for w in graph.inputs_of(args[2])}:
        return f"a second wire into '{b.name}' input '{args[3]}' was skipped"
    if not any(p.name == args[1] for p in a.block.outputs) or not any(p.name == args[3] for p in b.block.inputs):
        return f"a wire from '{a.name}' to '{b.name}' names a port they do not have and was skipped"
    graph.connect(*args, check=False)  # loops and type mismatches are kept and reported by validation
    return None


# ---- migrations --------------------------------------------------------------------------------
# MIGRATIONS[v] turns the members of a version-v file into version v+1 (none yet: v1 is the first).
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(docs: dict[str, Any], version: int) -> dict[str, Any]:
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectFileError(f"format version {version} is not supported by this NetCanvas")
        docs = step(docs)
        version += 1
    return docs


# ---- reading ---------------------------------------------------------------------------------
def read_project(path: str | os.PathLike) -> tuple[Project, list[str]]:
    """Open a .dlproj; returns the project and the non-fatal problems met while building it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{path.name}: no such file; check the path") from None
    except OSError as e:
        raise ProjectFileError(f"{path.name} cannot be read ({e.strerror}); check its permissions") from None
    try:
        return loads_project(data)
    except ProjectFileError as e:
        raise ProjectFileError(f"{path.name}: {e}") from None


def loads_project(data: bytes) -> tuple[Project, list[str]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ProjectFileError("this is not a NetCanvas project (not a .dlproj zip archive); "
                               "open a file saved by NetCanvas") from None
    with zf:
        docs = {name: _read_json(zf, name) for name in JSON_MEMBERS if name in zf.namelist()}
        blobs = {attr: _read_member(zf, name) for name, attr in BLOB_MEMBERS.items() if name in zf.namelist()}
    manifest = docs.get("manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectFileError("this zip is not a NetCanvas project (manifest.json missing or of another format); "
                               "open a file saved by NetCanvas")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError("manifest.json has no valid format_version; the file is damaged")
    min_reader = manifest.get("min_reader_version", version)
    if isinstance(min_reader, int) and min_reader > FORMAT_VERSION:
        raise ProjectFileError(f"it was saved in format {version} by a newer NetCanvas "
                               f"({manifest.get('app_version', '?')}); update NetCanvas to open it")
    if "graph.json" not in docs:
        raise ProjectFileError("graph.json is missing; the file is damaged")
    docs = migrate(docs, version)
    graph, errors = graph_from_json(docs["graph.json"])
    view = docs.get("view.json") if isinstance(docs.get("view.json"), dict) else {}
    history = docs.get("history.json") if isinstance(docs.get("history.json"), dict) else {"runs": []}
    training = docs.get("training.json") if isinstance(docs.get("training.json"), dict) else {}
    meta = {k: manifest[k] for k in ("title", "description", "created", "modified", "app_version")
            if k in manifest}
    view.setdefault("positions", {})
    project = Project(graph, view, complete_training(training), history, meta=meta, **blobs)
    return project, errors


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise ProjectFileError(f"{name} is larger than {MAX_MEMBER_BYTES // 2**30} GB; the file is damaged")
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ProjectFileError(f"{name} is damaged ({e}); restore the file from a backup") from None


def _read_json(zf: zipfile.ZipFile, name: str) -> Any:
    raw = _read_member(zf, name)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProjectFileError(f"{name} is not valid JSON ({e}); the file is damaged") from None


# ---- writing ---------------------------------------------------------------------------------
def dumps_project(project: Project) -> bytes:
    meta = project.meta
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "min_reader_version": 1,
                "app_version": APP_VERSION, "created": meta.get("created") or now_iso(), "modified": now_iso()}
    manifest.update({k: meta[k] for k in ("title", "description") if k in meta})
    docs = {"manifest.json": manifest, "graph.json": graph_to_json(project.graph), "view.json": project.view,
            "training.json": project.training, "history.json": project.history}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, doc in docs.items():
            zf.writestr(name, json.dumps(doc, indent=1, sort_keys=False))
        for name, attr in BLOB_MEMBERS.items():
            blob = getattr(project, attr)
            if blob:
                zf.writestr(name, blob, compress_type=zipfile.ZIP_STORED if attr != "thumbnail" else None)
    return buf.getvalue()


def write_project(project: Project, path: str | os.PathLike, backup: bool = True, expect=None) -> Path:
    """Save atomically, keeping the previous version as NAME.bak (projects/saving.py); raises
    ProjectSaveError with the reason, the old file untouched. Returns the file written."""
    written = save_bytes(dumps_project(project), path, backup=backup, expect=expect)
    project.meta["created"] = project.meta.get("created") or now_iso()
    return written


__all__ = ["ProjectFileError", "ProjectSaveError", "read_project", "write_project", "loads_project", "dumps_project",
           "graph_to_json", "graph_from_json", "Node", "Wire"]
