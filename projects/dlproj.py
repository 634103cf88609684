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
import stat
import zipfile
from pathlib import Path
from typing import Any, Callable

from nodes import resolve

from . import trust
from .archive import MAX_JSON_BYTES, MAX_TOTAL_BYTES, Archive, ArchiveError
from .file_checks import clean_history, clean_meta, clean_training, clean_view, weights_memory_refusal
from .graph import Graph, GraphEditError, Node, Wire
from .names import clean_name, shown
from .problems import machine_memory_bytes
from .project import APP_VERSION, Project, now_iso
from .strict_json import JsonError, loads_strict
from .weights_check import WeightsFormatError, tensor_specs
from .saving import ProjectSaveError, save_bytes
from .training import complete_training

FORMAT = "netcanvas.dlproj"
FORMAT_VERSION = 1
MAX_FILE_BYTES = MAX_TOTAL_BYTES  # a file larger than this is refused before it is read
MAX_BLOCKS = 100_000
MAX_WIRES = 400_000
JSON_MEMBERS = ("manifest.json", "graph.json", "view.json", "training.json", "history.json")
# The keys this version reads; any other key (a newer minor version's) is kept and written back.
MANIFEST_KEYS = ("format", "format_version", "min_reader_version", "app_version", "created", "modified",
                 "title", "description")
GRAPH_KEYS = ("nodes", "wires")
NODE_KEYS = ("id", "type", "type_version", "name", "params", "trainable")
UNKNOWN = "unknown_fields"  # project.meta[UNKNOWN]: {"manifest.json": {...}, "graph.json": {...}}
BLOB_MEMBERS = {"weights.safetensors": "weights", "checkpoint.safetensors": "checkpoint",
                "thumbnail.png": "thumbnail"}


class ProjectFileError(Exception):
    """A .dlproj that cannot be opened; the message is one sentence naming the file and the fix."""


# ---- graph <-> JSON -------------------------------------------------------------------------
def graph_to_json(graph: Graph) -> dict[str, Any]:
    return {
        "nodes": [{**n.extra, "id": n.id, "type": n.type_id, "type_version": n.type_version, "name": n.name,
                   "params": n.params, **({} if n.trainable else {"trainable": False})} for n in graph.nodes.values()],
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
    wires = data.get("wires") or []
    if not isinstance(wires, list):
        raise ProjectFileError("graph.json has 'wires' that are not a list of wires; the file is damaged")
    if len(data["nodes"]) > MAX_BLOCKS or len(wires) > MAX_WIRES:
        raise ProjectFileError(f"graph.json has {len(data['nodes']):,} blocks and {len(wires):,} wires, more than "
                               f"the {MAX_BLOCKS:,} blocks and {MAX_WIRES:,} wires NetCanvas opens")
    graph = Graph()
    with graph.batch():
        for i, raw in enumerate(data["nodes"]):
            try:
                err = _add_node(graph, raw, i)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError):
                err = f"node #{i + 1} in graph.json has settings of the wrong kind and was skipped"
            if err:
                errors.append(err)
        for raw in wires:
            err = _add_wire(graph, raw)
            if err:
                errors.append(err)
    return graph, errors


def _add_node(graph: Graph, raw: Any, i: int) -> str | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return f"node #{i + 1} in graph.json is not a block description and was skipped"
    block = resolve(raw["type"])
    name = raw.get("name") if isinstance(raw.get("name"), str) else ""
    if block is None:
        return f"block '{shown(name) or i + 1}' has the unknown type '{shown(raw['type'])[:80]}' and was skipped"
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    saved = raw.get("type_version", 1)
    note = None
    if isinstance(saved, int) and not isinstance(saved, bool) and saved < block.version:
        params, note = block.upgrade(dict(params), saved)  # the same function under today's rules
    node_id = raw.get("id") if isinstance(raw.get("id"), str) and 0 < len(raw.get("id")) <= 64 else None
    renamed = None  # (the name in the file, shown escaped; why it changed)
    if clean_name(name) != name:
        renamed, name = (clean_name(name), "it held control characters or was too long"), clean_name(name)
    if name and graph.node_by_name(name):
        renamed, name = (name, "another block already has that name"), graph.unique_name(name)
    try:
        node = graph.add_node(block.type_id, name or None, params, node_id)
    except GraphEditError as e:
        return f"block '{name}' could not be added: {e}"
    node.type_version = block.version
    node.extra = {k: v for k, v in raw.items() if k not in NODE_KEYS}
    frozen = raw.get("trainable") is False  # anything but false (absent, damaged) trains, as before
    node.trainable = not frozen
    if renamed:
        return (f"{block.title} '{renamed[0]}' was renamed '{node.name}' because {renamed[1]}"
                + (f"; it {note}" if note else ""))
    return f"{block.title} '{node.name}' {note}" if note else None


def _add_wire(graph: Graph, raw: Any) -> str | None:
    try:
        src, dst = raw["from"], raw["to"]
        args = (src["node"], src["port"], dst["node"], dst["port"])
    except (TypeError, KeyError, IndexError):
        return "a wire in graph.json is missing its 'from' or 'to' end and was skipped"
    if not all(isinstance(a, str) for a in args):
        return "a wire in graph.json names its blocks or ports with something other than text and was skipped"
    a, b = graph.nodes.get(args[0]), graph.nodes.get(args[2])
    if a is None or b is None:
        return "a wire in graph.json points at a block that does not exist and was skipped"
    if graph.wire_into(args[2], args[3]) is not None:
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
    """Open a .dlproj; returns the project and the non-fatal problems met while building it.
    Any refusal is a ProjectFileError naming the file (docs/file-safety.md lists the checks)."""
    path = Path(path)
    data = _read_file(path)
    try:
        project, errors = loads_project(data)
        trust.note_file_settings([project.training, project.history], path.name, path.parent)
    except ProjectFileError as e:
        raise ProjectFileError(f"{shown(path.name)}: {e}") from None
    return project, errors


def _read_file(path: Path) -> bytes:
    """The file's bytes: only a regular file (a FIFO, a device or a folder is refused before a byte is
    read; opened non-blocking so that a FIFO cannot hang), at most MAX_FILE_BYTES."""
    name = shown(path.name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ProjectFileError(f"{name}: no such file; check the path") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{name} cannot be read (it is a folder); choose a .dlproj file") from None
    except OSError as e:
        raise ProjectFileError(f"{name} cannot be read ({e.strerror}); check its permissions") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ProjectFileError(f"{name} cannot be read (it is a folder); choose a .dlproj file")
        if not stat.S_ISREG(info.st_mode):
            raise ProjectFileError(f"{name} cannot be read (it is not a regular file but a device, pipe or socket); "
                                   "choose a .dlproj file")
        if info.st_size > MAX_FILE_BYTES:
            raise ProjectFileError(f"{name} is {info.st_size / 2**30:.1f} GB, larger than the "
                                   f"{MAX_FILE_BYTES // 2**30} GB a project may be; it is not a NetCanvas project")
        if info.st_size > machine_memory_bytes() // 2:
            raise ProjectFileError(f"{name} is {info.st_size / 2**30:.1f} GB, more than half of this machine's "
                                   "memory; open it on a larger machine")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ProjectFileError(f"{name} cannot be read ({e.strerror}); check its permissions") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ProjectFileError(f"{name} grew past {MAX_FILE_BYTES // 2**30} GB while being read; it is not a "
                               "NetCanvas project")
    return data


def loads_project(data: bytes) -> tuple[Project, list[str]]:
    """Open a .dlproj held in memory (parse -> migrate -> resolve -> build); ProjectFileError otherwise."""
    try:
        archive = Archive(data, JSON_MEMBERS, tuple(BLOB_MEMBERS))
        docs = {name: _read_json(archive, name) for name in JSON_MEMBERS if name in archive.entries}
        manifest = docs.get("manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ProjectFileError("this zip is not a NetCanvas project (manifest.json missing or of another "
                                   "format); open a file saved by NetCanvas")
        version = _check_versions(manifest)
        blobs, dropped = {}, []
        for name, attr in BLOB_MEMBERS.items():
            if name in archive.entries:
                blobs[attr], problem = _read_blob(archive, name)
                dropped += [problem] if problem else []
    except ArchiveError as e:
        raise ProjectFileError(str(e)) from None
    if "graph.json" not in docs:
        raise ProjectFileError("graph.json is missing; the file is damaged")
    docs = migrate(docs, version)
    graph, errors = graph_from_json(docs["graph.json"])
    refusal = weights_memory_refusal(graph)
    if refusal:
        raise ProjectFileError(refusal)
    view, e1 = clean_view(docs.get("view.json"))
    training, e2 = clean_training(docs.get("training.json"))
    history, e3 = clean_history(docs.get("history.json"))
    meta = clean_meta(manifest)
    unknown = {name: {k: v for k, v in doc.items() if k not in known}
               for name, doc, known in (("manifest.json", manifest, MANIFEST_KEYS),
                                        ("graph.json", docs["graph.json"], GRAPH_KEYS))}
    if any(unknown.values()):
        meta[UNKNOWN] = {name: fields for name, fields in unknown.items() if fields}
    project = Project(graph, view, complete_training(training), history, meta=meta, **blobs)
    return project, [*errors, *e1, *e2, *e3, *dropped]


def _check_versions(manifest: dict) -> int:
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError("manifest.json has no valid format_version; the file is damaged")
    min_reader = manifest.get("min_reader_version", version)
    if not isinstance(min_reader, int) or isinstance(min_reader, bool) or not 1 <= min_reader <= version:
        raise ProjectFileError(f"manifest.json has an invalid min_reader_version {shown(json.dumps(min_reader))[:40]} "
                               f"(it must be a whole number from 1 to the format_version {version}); the file is "
                               "damaged")
    if min_reader > FORMAT_VERSION:
        raise ProjectFileError(f"it was saved in format {version} by a newer NetCanvas "
                               f"({shown(manifest.get('app_version', '?'))[:40]}) and needs a reader of format "
                               f"{min_reader} but this NetCanvas reads format {FORMAT_VERSION}; update NetCanvas "
                               "to open it")
    return version


def _read_blob(archive: Archive, name: str) -> tuple[bytes | None, str | None]:
    """A blob member, or (None, why it was dropped): weights must be well-formed safetensors (whether
    they fit the graph is checked before they are used: runtime.weights), a thumbnail a small PNG."""
    blob = archive.read(name)
    if name.endswith(".safetensors"):
        try:
            tensor_specs(blob)
        except WeightsFormatError as e:
            return None, f"{name} holds weights that are {e}, so they were dropped: train the model again"
    elif name.endswith(".png"):
        reason = _png_problem(blob)
        if reason:
            return None, f"{name} {reason}, so it was dropped"
    return blob, None


def _png_problem(blob: bytes) -> str | None:
    """Why a thumbnail is refused: not a PNG, or more than 4096 x 4096 pixels (read from its header,
    never decoded here)."""
    if len(blob) < 24 or blob[:8] != b"\x89PNG\r\n\x1a\n" or blob[12:16] != b"IHDR":
        return "is not a PNG image"
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
    if not (0 < width <= 4096 and 0 < height <= 4096):
        return f"claims {width:,} x {height:,} pixels, more than the 4096 x 4096 a thumbnail may have"
    return None


def _read_json(archive: Archive, name: str) -> Any:
    raw = archive.read(name)
    try:
        return loads_strict(raw, MAX_JSON_BYTES)
    except JsonError as e:
        raise ProjectFileError(f"{name} is {e}; the file is damaged") from None


# ---- writing ---------------------------------------------------------------------------------
def dumps_project(project: Project) -> bytes:
    meta = project.meta
    unknown = meta.get(UNKNOWN) or {}
    manifest = {**unknown.get("manifest.json", {}),
                "format": FORMAT, "format_version": FORMAT_VERSION, "min_reader_version": 1,
                "app_version": APP_VERSION, "created": meta.get("created") or now_iso(), "modified": now_iso()}
    manifest.update({k: meta[k] for k in ("title", "description") if k in meta})
    graph = {**unknown.get("graph.json", {}), **graph_to_json(project.graph)}
    docs = {"manifest.json": manifest, "graph.json": graph, "view.json": project.view,
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
