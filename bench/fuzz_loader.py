"""Fuzz the .dlproj loader: ``python bench/fuzz_loader.py [INPUTS] [SEED]`` (default 100,000).

atheris does not install here, so hypothesis drives the inputs (generation only, no shrinking,
no database): each input is a seed project (valid examples, plus small hostile files from
tests/hostile.py) changed at one of three levels: raw bytes of the archive (bit flips, magic
values, 32-bit fields, inserted, deleted or repeated slices, truncation), the bytes of one
member re-zipped with a correct checksum (so the damage reaches the JSON and safetensors
parsers), or one value of a JSON document replaced by another JSON value. The loader must
refuse with ProjectFileError or open; an opened project is then summarized, saved and opened
again, and its weights checked against the graph. Figures:

  bench: fuzz inputs = N
  bench: fuzz unexpected exceptions = 0   (anything but ProjectFileError / WeightsError)
  bench: fuzz hangs over 2 s = 0
  bench: fuzz files written = 0           (write opens, unpickling, exec, sockets, processes
                                           seen by an audit hook, files in the working folder)
"""
from __future__ import annotations

import io
import json
import os
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile  # noqa: E402
from projects.dlproj import ProjectFileError, dumps_project, loads_project  # noqa: E402
from projects.summary import summarize  # noqa: E402

HANG_S = 2.0
INTERESTING_BYTES = (0x00, 0xFF, 0x7F, 0x80, 0x01, 0x22, 0x5B, 0x7B, 0x5C)
INTERESTING_INTS = (0, 1, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 64, 4096)


@dataclass
class Stats:
    inputs: int = 0
    opened: int = 0
    refused: int = 0
    hangs: int = 0
    slowest_s: float = 0.0
    unexpected: list = field(default_factory=list)
    slow: list = field(default_factory=list)  # (seconds, input) of inputs over HANG_S
    forbidden: list = field(default_factory=list)
    files_written: int = 0


def seeds() -> list[bytes]:
    from projects.examples import example_path, list_examples

    out = [hostile.valid_project(), hostile.project_zip(blobs={})]
    out += [example_path(e.name).read_bytes() for e in list_examples()]
    small = [c.data for c in [*hostile.zip_slip(), *hostile.json_attacks(), *hostile.safetensors_cases()]
             if len(c.data) < 400_000]
    return out + small[::3]


def members_of(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist()}
    except Exception:  # a hostile seed zipfile cannot read: byte-level mutations only
        return None


def mutate_bytes(draw, st, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not b:
            b += b"PK"
        op = draw(st.integers(0, 6))
        at = draw(st.integers(0, len(b) - 1))
        if op == 0:
            b[at] ^= 1 << draw(st.integers(0, 7))
        elif op == 1:
            b[at] = draw(st.sampled_from(INTERESTING_BYTES))
        elif op == 2 and at + 4 <= len(b):
            b[at:at + 4] = draw(st.sampled_from(INTERESTING_INTS)).to_bytes(4, "little")
        elif op == 3:
            b[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == 4:
            del b[at:at + draw(st.integers(1, 256))]
        elif op == 5:
            n = draw(st.integers(1, 64))
            b[at:at] = b[at:at + n] * draw(st.integers(1, 8))
        else:
            del b[at:]
    return bytes(b)


def json_value(st):
    leaves = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False,
                                                                                  allow_infinity=False) | st.text()
    return st.recursive(leaves, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                    max_size=4), max_leaves=8)


def mutate_json(draw, st, raw: bytes) -> bytes:
    try:
        doc = json.loads(raw)
        paths = list(hostile._paths(doc))
    except (ValueError, RecursionError):  # seeds that are broken on purpose
        return raw
    path = draw(st.sampled_from(paths))
    value = draw(st.sampled_from(hostile.CONFUSERS) | json_value(st))
    return json.dumps(hostile._set(doc, path, value)).encode()


def make_input(draw, st, pool: list[bytes], parsed: list) -> bytes:
    i = draw(st.integers(0, len(pool) - 1))
    level = draw(st.integers(0, 2))
    members = parsed[i]
    if level == 0 or not members:
        return mutate_bytes(draw, st, pool[i])
    name = draw(st.sampled_from(sorted(members)))
    changed = dict(members)
    if level == 1 or not name.endswith(".json"):
        changed[name] = mutate_bytes(draw, st, members[name])
    else:
        changed[name] = mutate_json(draw, st, members[name])
    return hostile.zip_bytes([hostile.member(n, d, deflate=not n.endswith(".safetensors"))
                              for n, d in changed.items()])


def check_one(data: bytes, stats: Stats, expected) -> None:
    """The loader and what follows an open; anything but the one error type is recorded."""
    from runtime.weights import WeightsError, check_weights

    start = time.perf_counter()
    with hostile.Guard() as guard:
        try:
            project, _ = loads_project(data)
            summarize(project.graph).to_text()
            project.graph.problems()
            again, _ = loads_project(dumps_project(project))
            if project.weights and expected is not None:
                try:
                    check_weights(project.weights, expected)
                except WeightsError:
                    pass
            stats.opened += 1
        except ProjectFileError:
            stats.refused += 1
        except _Alarm:
            stats.hangs += 1
        except Exception as e:  # what the fuzzer is looking for
            stats.unexpected.append((type(e).__name__, str(e)[:200], traceback.format_exc(limit=-4)))
    took = time.perf_counter() - start
    stats.slowest_s = max(stats.slowest_s, took)
    if took > HANG_S:
        stats.hangs += 1
        stats.slow.append((took, data))
    stats.forbidden += guard.events
    stats.inputs += 1


class _Alarm(Exception):
    pass


def _alarm(signum, frame):
    raise _Alarm()


def run(n: int, seed: int = 0) -> Stats:
    """Fuzz ``n`` inputs in a fresh working folder; returns the figures."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from runtime.weights import expected_specs

    from projects.examples.build import lenet5_classic

    pool = seeds()
    parsed = [members_of(d) for d in pool]
    expected = expected_specs(lenet5_classic().graph)
    stats = Stats()
    hostile.CANARY.unlink(missing_ok=True)
    old_cwd = os.getcwd()
    previous = signal.signal(signal.SIGALRM, _alarm) if hasattr(signal, "SIGALRM") else None

    @hseed(seed)
    @settings(max_examples=n, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def target(data):
        blob = make_input(data.draw, st, pool, parsed)
        if previous is not None:
            signal.alarm(int(HANG_S * 5))
        try:
            check_one(blob, stats, expected)
        finally:
            if previous is not None:
                signal.alarm(0)

    with tempfile.TemporaryDirectory(prefix="fuzz-loader-") as folder:
        os.chdir(folder)
        try:
            target()
        finally:
            os.chdir(old_cwd)
            if previous is not None:
                signal.signal(signal.SIGALRM, previous)
        stats.files_written = len(hostile.watched_writes(folder)) + hostile.CANARY.exists() + sum(
            1 for e, _ in stats.forbidden if e == "open")
    return stats


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    start = time.perf_counter()
    stats = run(n, seed)
    took = time.perf_counter() - start
    for kind, message, trace in stats.unexpected[:5]:
        print(f"unexpected {kind}: {message}\n{trace}", file=sys.stderr)
    if stats.slow:  # kept for a look, outside the fuzzed working folder
        keep = Path(tempfile.gettempdir()) / "fuzz-loader-slow"
        keep.mkdir(exist_ok=True)
        for i, (seconds, data) in enumerate(stats.slow[:10]):
            (keep / f"slow-{i}-{seconds:.1f}s.dlproj").write_bytes(data)
        print(f"slow inputs kept in {keep}", file=sys.stderr)
    print(f"bench: fuzz inputs = {stats.inputs}")
    print(f"bench: fuzz opened = {stats.opened}")
    print(f"bench: fuzz refused with ProjectFileError = {stats.refused}")
    print(f"bench: fuzz unexpected exceptions = {len(stats.unexpected)}")
    print(f"bench: fuzz hangs over 2 s = {stats.hangs}")
    print(f"bench: fuzz slowest input = {stats.slowest_s:.3f} s")
    print(f"bench: fuzz forbidden events (unpickle, exec, socket, process, write) = {len(stats.forbidden)}")
    print(f"bench: fuzz files written = {stats.files_written}")
    print(f"bench: fuzz rate = {stats.inputs / took:.0f} inputs/s")


if __name__ == "__main__":
    main()
