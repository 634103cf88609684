"""A corpus of hostile .dlproj files: ``corpus()`` yields ``Case(name, data, must_refuse)``.

Families: zip slip (member names that mean another path somewhere), zip bombs (classic, lying
sizes, ratios, overlapping entries, local headers that disagree with the directory, zip64 with
huge sizes, too many entries), pickles and torch .pt files renamed to .dlproj whose unpickling
would create a canary file, truncations at every 1 KiB, random byte flips, JSON type confusion,
huge numbers, deep nesting, broken safetensors headers (gaps, overlaps, overflows, trailing
bytes) and weights that do not match the graph (``mismatched_weights``, checked at use).
Zips are written by a small hand-made writer (``zip_bytes``), so names, sizes, offsets and
flags can be anything: ``zipfile`` would normalize them.
"""
from __future__ import annotations

import copy
import io
import json
import os
import pickle
import random
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

CANARY = Path(tempfile.gettempdir()) / "netcanvas-hostile-canary"  # created if a pickle ever runs


@dataclass
class Case:
    name: str
    data: bytes
    must_refuse: bool = True  # False: opening is fine too (a safe file, or a damaged part dropped)


@dataclass
class Member:
    """One zip entry as written: every field of the local header and of the directory entry."""

    name: bytes
    data: bytes  # the bytes stored (already compressed for method 8)
    size: int  # uncompressed size declared in the directory
    crc: int
    method: int = 0
    flags: int = 0
    external: int = 0o100644 << 16
    local_name: bytes | None = None  # a local header name other than the directory's
    local_sizes: tuple[int, int] | None = None  # (compressed, uncompressed) in the local header
    local_method: int | None = None
    offset: int | None = None  # a directory offset other than where the entry was written
    zip64: bool = False  # put the sizes in a zip64 extra field
    directory_only: bool = False  # no local header of its own (its offset points at another's)
    extra: bytes = field(default=b"")


def member(name: str | bytes, raw: bytes, deflate: bool = True, **kw) -> Member:
    name = name.encode() if isinstance(name, str) else name
    data = _deflate(raw) if deflate else raw
    return Member(name, data, len(raw), zlib.crc32(raw), 8 if deflate else 0, **kw)


def _deflate(raw: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


def zip_bytes(members: list[Member], entries: int | None = None, comment: bytes = b"",
              zip64_eocd: bool = False) -> bytes:
    """A zip archive exactly as described (nothing normalized)."""
    out, central = io.BytesIO(), io.BytesIO()
    for m in members:
        at = out.tell()
        if m.directory_only:
            _central(central, m, m.offset or 0)
            continue
        comp, size = m.local_sizes or (len(m.data), m.size)
        extra = m.extra
        if m.zip64:
            extra += struct.pack("<HHQQ", 1, 16, size, comp)
            comp_field = size_field = 0xFFFFFFFF
        else:
            comp_field, size_field = comp & 0xFFFFFFFF, size & 0xFFFFFFFF
        name = m.local_name if m.local_name is not None else m.name
        method = m.local_method if m.local_method is not None else m.method
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45 if m.zip64 else 20, m.flags, method, 0, 0x21,
                              m.crc, comp_field, size_field, len(name), len(extra)))
        out.write(name + extra + m.data)
        _central(central, m, m.offset if m.offset is not None else at)
    cd_offset, cd = out.tell(), central.getvalue()
    out.write(cd)
    n = len(members) if entries is None else entries
    if zip64_eocd:
        rec = out.tell()
        out.write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(cd), cd_offset))
        out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, rec, 1))
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                              len(comment)))
    else:
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n & 0xFFFF, n & 0xFFFF, len(cd), cd_offset,
                              len(comment)))
    return out.getvalue() + comment


def _central(central: io.BytesIO, m: Member, offset: int) -> None:
    cd_extra = m.extra
    if m.zip64:
        cd_extra += struct.pack("<HHQQQ", 1, 24, m.size, len(m.data), offset)
        c_size, c_comp, c_off = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        c_size, c_comp, c_off = m.size & 0xFFFFFFFF, len(m.data) & 0xFFFFFFFF, offset & 0xFFFFFFFF
    central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x031E, 45 if m.zip64 else 20, m.flags,
                              m.method, 0, 0x21, m.crc, c_comp, c_size, len(m.name), len(cd_extra), 0, 0, 0,
                              m.external, c_off))
    central.write(m.name + cd_extra)


# ---- the valid project everything is derived from -------------------------------------------------
@lru_cache(maxsize=None)
def _base() -> tuple[dict, dict]:
    """(JSON documents, blobs) of a small trained-looking project (LeNet-5 with real weights)."""
    from projects.dlproj import JSON_MEMBERS, dumps_project
    from projects.examples.build import lenet5_classic

    project = lenet5_classic()
    project.weights = weights_for(project.graph)
    data = dumps_project(project)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        docs = {n: json.loads(zf.read(n)) for n in JSON_MEMBERS}
        blobs = {n: zf.read(n) for n in zf.namelist() if n not in JSON_MEMBERS}
    return docs, blobs


def weights_for(graph) -> bytes:
    """Safetensors bytes of the graph's freshly built model (seeded)."""
    import torch

    from runtime.compiler import compile_graph
    from runtime.weights import state_to_bytes

    torch.manual_seed(0)
    return state_to_bytes(compile_graph(graph).module)


def base_docs() -> dict:
    return copy.deepcopy(_base()[0])


def base_blobs() -> dict:
    return dict(_base()[1])


def project_zip(docs: dict | None = None, blobs: dict | None = None, extra: list[Member] = ()) -> bytes:
    docs = base_docs() if docs is None else docs
    blobs = base_blobs() if blobs is None else blobs
    ms = [member(n, d if isinstance(d, bytes) else json.dumps(d).encode()) for n, d in docs.items()]
    ms += [member(n, b, deflate=False) for n, b in blobs.items()]
    return zip_bytes(ms + list(extra))


def valid_project() -> bytes:
    return project_zip()


# ---- families -------------------------------------------------------------------------------------
SLIP_NAMES = [
    b"../graph.json", b"../../../../etc/passwd", b"/etc/passwd", b"/graph.json", b"..\\graph.json",
    b"..\\..\\Windows\\win.ini", b"C:\\Windows\\evil.dll", b"C:/Windows/evil.dll", b"c:graph.json",
    b"\\\\server\\share\\x", b"//server/share/x", b"a/../../x", b"./graph.json", b"a/./graph.json", b"..",
    b".", b"a//b", b"graph.json\x00shadow", b"graph.json\x00", b"\x00", b"graph.json\n", b"graph.json\r",
    b"\x1b[31mred.json", b"\xff\xfegraph.json", b"graph.\xc0\xaejson", b"\xed\xa0\x80.json", b"graph.json/",
    b"", b"a" * 300, b"dir/", b"..\x00/x", b"%2e%2e/x/../../y", b"graph.json\x7f",
]


def zip_slip() -> Iterator[Case]:
    for i, name in enumerate(SLIP_NAMES):
        yield Case(f"slip-{i:02d}", project_zip(extra=[member(name, b"owned")]))
    # the same, as the only graph.json the archive has
    yield Case("slip-shadow-only", project_zip({k: v for k, v in base_docs().items() if k != "graph.json"},
                                               extra=[member(b"graph.json\x00shadow", json.dumps(
                                                   base_docs()["graph.json"]).encode())]))
    yield Case("symlink-entry", project_zip(extra=[member("notes.txt", b"/etc/passwd", external=0o120777 << 16)]))
    docs = base_docs()
    yield Case("duplicate-name", project_zip(extra=[member("graph.json", json.dumps({"nodes": [], "wires": []})
                                                           .encode())]))
    yield Case("duplicate-name-case", project_zip(extra=[member("GRAPH.JSON", b"{}")]))
    yield Case("encrypted-entry", zip_bytes([member(n, json.dumps(d).encode(), flags=1) for n, d in docs.items()]))
    yield Case("bzip2-method", zip_bytes([Member(b"graph.json", b"BZh91AY&SY", 10, 0, method=12)]
                                         + [member(n, json.dumps(d).encode()) for n, d in docs.items()
                                            if n != "graph.json"]))
    yield Case("unknown-method-99", project_zip(extra=[Member(b"x.bin", b"abc", 3, zlib.crc32(b"abc"), method=99)]))


@lru_cache(maxsize=None)
def _zeros_crc(n: int) -> int:
    return zlib.crc32(b"\0" * n)


@lru_cache(maxsize=None)
def _zeros_deflated(n: int) -> bytes:
    c, out, chunk = zlib.compressobj(9, zlib.DEFLATED, -15), [], b"\0" * 2**20
    for _ in range(n // 2**20):
        out.append(c.compress(chunk))
    out.append(c.flush())
    return b"".join(out)


def bombs() -> Iterator[Case]:
    docs = {k: json.dumps(v).encode() for k, v in base_docs().items()}
    others = [member(n, d) for n, d in docs.items() if n != "graph.json"]
    big = 256 * 2**20
    zeros = _zeros_deflated(big)
    crc = _zeros_crc(big)
    # classic: graph.json honestly declared as 256 MB of zeros (1,000:1)
    yield Case("bomb-classic", zip_bytes(others + [Member(b"graph.json", zeros, big, crc, 8)]))
    # lying: declared 1 KB, inflates to 256 MB
    yield Case("bomb-lying-size", zip_bytes(others + [Member(b"graph.json", zeros, 1024, crc, 8)]))
    yield Case("bomb-lying-local", zip_bytes(others + [Member(b"graph.json", zeros, 1024, crc, 8,
                                                              local_sizes=(len(zeros), big))]))
    # ratio: 60 MB (under the JSON limit) from 60 KB
    n = 60 * 2**20
    yield Case("bomb-ratio", zip_bytes(others + [Member(b"history.json", _zeros_deflated(n), n, 0, 8)]))
    # weights declared 3 GB in a zip64 extra, with a few bytes of data
    yield Case("bomb-zip64-huge", zip_bytes([member(n, d) for n, d in docs.items()] + [
        Member(b"weights.safetensors", b"\0" * 64, 3 * 2**30, 0, 0, zip64=True)], zip64_eocd=True))
    yield Case("bomb-zip64-2e62", zip_bytes([member(n, d) for n, d in docs.items()] + [
        Member(b"graph.json", zeros[:4096], 2**62, 0, 8, zip64=True)], zip64_eocd=True))
    # overlapping entries: every JSON member's directory entry points at one deflated stream
    shared = Member(b"graph.json", _zeros_deflated(32 * 2**20), 32 * 2**20, _zeros_crc(32 * 2**20), 8)
    ms = [shared] + [Member(n.encode(), shared.data, shared.size, shared.crc, 8, offset=0, directory_only=True)
                     for n in docs if n != "graph.json"]
    yield Case("bomb-overlap", zip_bytes(ms))
    # many entries
    yield Case("bomb-entries", zip_bytes([member(f"f{i}.bin", b"") for i in range(70)]))
    yield Case("bomb-entries-declared", zip_bytes([member(n, d) for n, d in docs.items()], entries=65535))
    yield Case("bomb-entries-zip64", zip_bytes([member(n, d) for n, d in docs.items()], entries=10**9,
                                               zip64_eocd=True))
    # local header disagreeing with the directory (name, method)
    yield Case("local-name-differs", zip_bytes(others + [member("graph.json", docs["graph.json"],
                                                                local_name=b"graph.jsox")]))
    yield Case("local-method-differs", zip_bytes(others + [member("graph.json", docs["graph.json"], local_method=0)]))
    yield Case("stored-sizes-differ", zip_bytes(others + [Member(b"graph.json", docs["graph.json"], 10**6,
                                                                 zlib.crc32(docs["graph.json"]), 0)]))
    yield Case("crc-wrong", zip_bytes(others + [Member(b"graph.json", _deflate(docs["graph.json"]),
                                                       len(docs["graph.json"]), 12345, 8)]))
    yield Case("offset-outside", zip_bytes(others + [member("graph.json", docs["graph.json"], offset=10**9)]))


class Canary:
    """Unpickling this creates CANARY (open(CANARY, 'w')): proof that a loader ran a pickle."""

    def __reduce__(self):
        return (open, (str(CANARY), "w"))


def pickles() -> Iterator[Case]:
    payload = pickle.dumps({"graph": Canary()}, protocol=2)
    yield Case("pickle-renamed", payload)
    yield Case("pickle-protocol-5", pickle.dumps([Canary()], protocol=5))
    yield Case("pickle-as-graph-json", project_zip(extra=[], docs={**{k: v for k, v in base_docs().items()
                                                                     if k != "graph.json"}, "graph.json": payload}))
    yield Case("pickle-as-weights", project_zip(blobs={"weights.safetensors": payload}), must_refuse=False)
    try:
        import torch
    except ImportError:
        return
    buf = io.BytesIO()
    torch.save({"model": Canary(), "w": torch.zeros(3)}, buf)
    yield Case("torch-pt-renamed", buf.getvalue())
    yield Case("torch-pt-as-weights", project_zip(blobs={"weights.safetensors": buf.getvalue()}), must_refuse=False)
    # a .pt zip with a NetCanvas manifest added: still no graph.json, and nothing unpickled
    yield Case("torch-pt-with-manifest", project_zip({"manifest.json": base_docs()["manifest.json"]}, {},
                                                     extra=[member("archive/data.pkl", payload)]))


def truncations(step: int = 1024) -> Iterator[Case]:
    data = valid_project()
    for cut in range(0, len(data), step):
        yield Case(f"truncated-{cut}", data[:cut])


def flips(count: int, seed: int = 0) -> Iterator[Case]:
    data = valid_project()
    rng = random.Random(seed)
    for i in range(count):
        b = bytearray(data)
        at = rng.randrange(len(b))
        b[at] ^= 1 << rng.randrange(8)
        yield Case(f"flip-{i}-at-{at}", bytes(b), must_refuse=False)


CONFUSERS = [None, True, 0, -1, 2**31, 10**39, 1.5, -1e308, "", "x" * 1000, "\x1b[2J", [], [1, 2], {}, {"a": 1},
             [[[[]]]], {"nodes": []}]


def _paths(doc, prefix=()) -> Iterator[tuple]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from _paths(v, (*prefix, i))


def _set(doc, path, value):
    if not path:
        return value
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def type_confusion(limit_per_member: int | None = None, seed: int = 0) -> Iterator[Case]:
    """Every value (at most the first 3 of each list) replaced by each confuser."""
    rng = random.Random(seed)
    base = base_docs()
    for member_name, doc in base.items():
        paths = list(_paths(doc))
        if limit_per_member is not None and len(paths) > limit_per_member:
            paths = rng.sample(paths, limit_per_member)
        for path in paths:
            for j, value in enumerate(CONFUSERS):
                docs = base_docs()
                docs[member_name] = _set(docs[member_name], path, copy.deepcopy(value))
                where = "/".join(map(str, path)) or "(root)"
                yield Case(f"confuse-{member_name}-{where}-{j}", project_zip(docs), must_refuse=False)


def json_attacks() -> Iterator[Case]:
    def with_graph(text: bytes, name: str = "graph.json") -> bytes:
        docs = {k: json.dumps(v).encode() for k, v in base_docs().items()}
        docs[name] = text
        return project_zip(docs)

    graph = json.dumps(base_docs()["graph.json"])
    yield Case("deep-list", with_graph(b"[" * 100000 + b"]" * 100000))
    yield Case("deep-dict", with_graph(b'{"a":' * 50000 + b"1" + b"}" * 50000, "training.json"))
    yield Case("deep-unclosed", with_graph(b"[" * 200000))
    yield Case("deep-in-params", with_graph(graph.replace('"params": {', '"params": {"x": ' + "[" * 5000 + "]" * 5000
                                                          + ', ', 1).encode()))
    yield Case("nan", with_graph(graph.replace('"params": {', '"params": {"x": NaN, ', 1).encode()))
    yield Case("infinity", with_graph(graph.replace('"params": {', '"params": {"x": -Infinity, ', 1).encode()))
    yield Case("float-overflow", with_graph(graph.replace('"params": {', '"params": {"x": 1e999, ', 1).encode()))
    yield Case("huge-int-digits", with_graph(graph.replace('"params": {', '"params": {"x": ' + "9" * 100000 + ", ", 1)
                                             .encode()))
    yield Case("duplicate-key", with_graph(graph.replace('"nodes":', '"nodes": [], "nodes":', 1).encode()))
    yield Case("not-utf8", with_graph(b'{"nodes": [], "name": "\xff\xfe"}'))
    yield Case("utf16-bom", with_graph(graph.encode("utf-16")))
    yield Case("min-reader-float", with_graph(json.dumps({**base_docs()["manifest.json"],
                                                          "min_reader_version": 1.5}).encode(), "manifest.json"))
    yield Case("min-reader-string", with_graph(json.dumps({**base_docs()["manifest.json"], "format_version": 5,
                                                           "min_reader_version": "1"}).encode(), "manifest.json"))
    yield Case("min-reader-too-new", with_graph(json.dumps({**base_docs()["manifest.json"], "format_version": 9,
                                                            "min_reader_version": 7}).encode(), "manifest.json"))
    yield Case("format-version-bool", with_graph(json.dumps({**base_docs()["manifest.json"], "format_version": True})
                                                 .encode(), "manifest.json"))
    yield Case("wires-not-list", with_graph(json.dumps({**base_docs()["graph.json"], "wires": {"a": 1}}).encode()))


def huge_numbers() -> Iterator[Case]:
    """Parameters far outside their bounds: the project opens with problems on those blocks, or a
    graph too large for memory is refused (counted by shape inference, nothing allocated)."""
    for value in (10**12, 2**63, -(2**63), 10**39, 1e308, -1e308, 0, -1):
        docs = base_docs()
        for node in docs["graph.json"]["nodes"]:
            if node["type"] in ("core.dense", "conv.conv2d"):
                key = "units" if "units" in node["params"] else "out_channels"
                node["params"][key] = value
        yield Case(f"huge-{value:g}", project_zip(docs), must_refuse=False)
    docs = base_docs()  # every value within its bounds, but 8192 x 8192 images make the first Dense ~4e10 weights
    image = next(n for n in docs["graph.json"]["nodes"] if n["type"] == "input.image")
    image["params"].update(height=8192, width=8192)
    yield Case("model-larger-than-memory", project_zip(docs))


def safetensors_bytes(header: dict | bytes, data: bytes, length: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


def broken_safetensors() -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of safetensors that are not well formed."""
    t = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    yield "empty", b""
    yield "short-length", b"\x01\x02"
    yield "length-huge", safetensors_bytes({"a": t}, b"\0" * 8, length=2**63)
    yield "length-past-end", safetensors_bytes({"a": t}, b"\0" * 8, length=10**6)
    yield "header-not-json", safetensors_bytes(b"{not json}", b"")
    yield "header-list", safetensors_bytes([1, 2], b"")
    yield "header-deep", safetensors_bytes(b"[" * 10000 + b"]" * 10000, b"")
    yield "gap", safetensors_bytes({"a": t, "b": {**t, "data_offsets": [12, 20]}}, b"\0" * 20)
    yield "overlap", safetensors_bytes({"a": t, "b": {**t, "data_offsets": [4, 12]}}, b"\0" * 12)
    yield "overflow", safetensors_bytes({"a": {**t, "shape": [2**31, 2**31], "data_offsets": [0, 2**64 - 1]}}, b"")
    yield "offsets-past-data", safetensors_bytes({"a": {**t, "shape": [1000], "data_offsets": [0, 4000]}}, b"\0" * 8)
    yield "offsets-reversed", safetensors_bytes({"a": {**t, "data_offsets": [8, 0]}}, b"\0" * 8)
    yield "trailing-bytes", safetensors_bytes({"a": t}, b"\0" * 8 + b"extra")
    yield "size-mismatch", safetensors_bytes({"a": {**t, "shape": [3]}}, b"\0" * 8)
    yield "unknown-dtype", safetensors_bytes({"a": {**t, "dtype": "F128"}}, b"\0" * 8)
    yield "negative-dim", safetensors_bytes({"a": {**t, "shape": [-2]}}, b"\0" * 8)
    yield "float-dim", safetensors_bytes({"a": {**t, "shape": [2.0]}}, b"\0" * 8)
    yield "bool-offset", safetensors_bytes({"a": {**t, "data_offsets": [False, 8]}}, b"\0" * 8)
    yield "extra-field", safetensors_bytes({"a": {**t, "evil": 1}}, b"\0" * 8)
    yield "metadata-not-text", safetensors_bytes({"__metadata__": {"a": 1}, "a": t}, b"\0" * 8)
    yield "nan-in-header", safetensors_bytes(b'{"a": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 8]}}',
                                             b"\0" * 8)
    yield "duplicate-tensor", safetensors_bytes(b'{"a": ' + json.dumps(t).encode() + b', "a": '
                                                + json.dumps(t).encode() + b"}", b"\0" * 8)


def safetensors_cases() -> Iterator[Case]:
    for name, blob in broken_safetensors():
        yield Case(f"safetensors-{name}", project_zip(blobs={"weights.safetensors": blob}), must_refuse=False)


def mismatched_weights(graph) -> Iterator[tuple[str, bytes]]:
    """(name, safetensors bytes) well formed but not what ``graph`` builds."""
    from safetensors.torch import load, save

    state = load(weights_for(graph))
    first = next(iter(state))
    yield "missing-tensor", save({k: v for k, v in state.items() if k != first})
    yield "extra-tensor", save({**state, "evil.weight": state[first].clone()})
    yield "wrong-shape", save({**state, first: state[first].flatten()[:-1].clone()})
    yield "integer-relabelled", _relabel(weights_for(graph), "F32", "I32")
    yield "half-precision", save({k: v.half() for k, v in state.items()})
    yield "renamed", save({("x" + k): v for k, v in state.items()})


def _relabel(blob: bytes, old: str, new: str) -> bytes:
    """The same bytes with every tensor's dtype name changed in the header (same element size)."""
    (n,) = struct.unpack_from("<Q", blob)
    header = json.loads(blob[8:8 + n])
    for k, v in header.items():
        if k != "__metadata__" and v["dtype"] == old:
            v["dtype"] = new
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + blob[8 + n:]


def corpus(sample: bool = False, seed: int = 0) -> Iterator[Case]:
    """Every family; ``sample``: a smaller, still representative set for the default test run."""
    yield from zip_slip()
    yield from bombs()
    yield from pickles()
    yield from json_attacks()
    yield from huge_numbers()
    yield from safetensors_cases()
    yield from truncations(4096 if sample else 1024)
    yield from flips(200 if sample else 2500, seed)
    yield from type_confusion(8 if sample else None, seed)


def watched_writes(folder: str | os.PathLike) -> set[str]:
    """Every file under ``folder`` (to compare before and after)."""
    return {str(p) for p in Path(folder).rglob("*")}


# ---- what a loader must never do -------------------------------------------------------------------
_FORBIDDEN = ("pickle.find_class", "exec", "socket.connect", "socket.getaddrinfo", "socket.bind", "subprocess.Popen",
              "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.remove", "os.rename", "os.mkdir",
              "os.symlink", "os.link", "os.truncate", "os.chmod", "shutil.rmtree", "shutil.copyfile", "ctypes.dlopen",
              "urllib.Request", "http.client.connect")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _library_code(code) -> bool:
    """A module being imported for the first time, or networkx compiling its decorators on first
    use: code from installed files, not from a project file."""
    name = getattr(code, "co_filename", "")
    return name.startswith("<class 'networkx.utils.decorators.argmap'>") or os.path.isfile(name)


class Guard:
    """Records, through an audit hook, every forbidden event (unpickling, exec, sockets, processes,
    file writes) that happens while it is active: ``with Guard() as g: load(...)``; ``g.events``."""

    _active: "Guard | None" = None
    _installed = False

    def __init__(self):
        self.events: list[tuple[str, str]] = []
        if not Guard._installed:
            import sys

            sys.addaudithook(Guard._hook)
            Guard._installed = True

    @staticmethod
    def _hook(event: str, args: tuple) -> None:
        guard = Guard._active
        if guard is None:
            return
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes:
                guard.events.append((event, repr(path)[:100]))
        elif event == "exec" and _library_code(args[0]):
            return
        elif event.startswith(_FORBIDDEN):
            guard.events.append((event, repr(args)[:100]))

    def __enter__(self) -> "Guard":
        Guard._active = self
        return self

    def __exit__(self, *exc) -> bool:
        Guard._active = None
        return False
