"""A strict, in-memory reader for the zip container of a .dlproj (never extracts anything).

The central directory is parsed by hand rather than with ``zipfile``, which truncates names at a
NUL byte, decodes names it cannot read as another code page and raises a dozen exception types:
here every entry is checked (name, flags, method, sizes, position) and compared with its local
header before a single byte is inflated, and inflating streams with a bound. Every refusal is
an :class:`ArchiveError` with one sentence; ``dlproj`` adds the file's name.
"""
from __future__ import annotations

import re
import stat
import struct
import zlib
from dataclasses import dataclass

from .problems import human_bytes, machine_memory_bytes

MAX_ENTRIES = 64
MAX_JSON_BYTES = 64 * 2**20  # one JSON member, uncompressed (a 100,000-block graph.json is ~6 MB)
MAX_BLOB_BYTES = 4 * 2**30  # one weights member
MAX_THUMBNAIL_BYTES = 8 * 2**20
MAX_TOTAL_BYTES = 8 * 2**30  # every member together, uncompressed
MAX_RATIO = 200  # uncompressed / compressed for a deflated member above RATIO_FLOOR (deflate's limit is ~1032)
RATIO_FLOOR = 2**20
MAX_NAME_BYTES = 255
_CHUNK = 1 << 16

_EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory
_LOC64 = struct.Struct("<4sIQI")  # zip64 end of central directory locator
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_CDIR = struct.Struct("<4sHHHHHHIIIHHHHHII")  # central directory file header
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # local file header
STORED, DEFLATED = 0, 8
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(Exception):
    """The container is not a zip this reader accepts; the message says what is wrong."""


@dataclass
class Entry:
    name: str
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    offset: int  # of the local header
    data_start: int = 0  # of the compressed bytes (set once the local header is checked)


def _limit_for(name: str, json_members, blob_members) -> int:
    if name in json_members:
        return MAX_JSON_BYTES
    if name.endswith(".png"):
        return MAX_THUMBNAIL_BYTES
    return MAX_BLOB_BYTES


class Archive:
    """The checked entries of a zip held in memory; :meth:`read` inflates one known member."""

    def __init__(self, data: bytes, json_members: tuple[str, ...], blob_members: tuple[str, ...]):
        self.data = memoryview(data)
        self.known = (*json_members, *blob_members)
        self._json = json_members
        self._blobs = blob_members
        self.entries: dict[str, Entry] = {}
        try:
            self._parse()
        except struct.error:
            raise ArchiveError("its zip structure is cut short; the file is damaged or truncated") from None

    # ---- the central directory ----------------------------------------------------------------
    def _parse(self) -> None:
        data = self.data
        eocd = self._find_eocd()
        sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _ = _EOCD.unpack_from(data, eocd)
        end_of_cd = eocd
        has_locator = eocd >= _LOC64.size and bytes(data[eocd - _LOC64.size:eocd - _LOC64.size + 4]) == b"PK\x06\x07"
        if has_locator or 0xFFFF in (n_disk, n_total) or 0xFFFFFFFF in (cd_size, cd_offset):
            n_total, cd_size, cd_offset, disk, cd_disk, end_of_cd = self._zip64(eocd)
        if disk or cd_disk or n_disk not in (n_total, 0xFFFF):
            raise ArchiveError("it is a multi-part zip archive, which a project never is; the file is damaged")
        if n_total > MAX_ENTRIES:
            raise ArchiveError(f"its zip archive has {n_total:,} entries, more than the {MAX_ENTRIES} a project "
                               "may have; it is not a NetCanvas project")
        if cd_offset + cd_size != end_of_cd:
            raise ArchiveError("its zip directory is not where the archive says; the file is damaged or was altered")
        pos, seen = cd_offset, {}
        for _ in range(n_total):
            entry, pos = self._entry(pos)
            key = entry.name.casefold()
            if key in seen:
                raise ArchiveError(f"its zip archive holds '{entry.name}' twice, so readers could disagree on "
                                   "which one counts; the file was altered")
            seen[key] = entry
            if entry.name in self.known:
                self.entries[entry.name] = entry
        if pos != end_of_cd:
            raise ArchiveError("its zip directory holds more than its entries; the file is damaged or was altered")
        self._check_layout(list(seen.values()), cd_offset)

    def _find_eocd(self) -> int:
        data = self.data
        tail_start = max(0, len(data) - _EOCD.size - 0xFFFF)
        tail = bytes(data[tail_start:])
        at = tail.rfind(b"PK\x05\x06")
        while at >= 0:
            if at + _EOCD.size <= len(tail):
                comment = struct.unpack_from("<H", tail, at + 20)[0]
                if at + _EOCD.size + comment == len(tail):
                    return tail_start + at
            at = tail.rfind(b"PK\x05\x06", 0, at)
        raise ArchiveError("this is not a NetCanvas project (not a .dlproj zip archive); open a file saved by "
                           "NetCanvas")

    def _zip64(self, eocd: int) -> tuple[int, int, int, int, int, int]:
        at = eocd - _LOC64.size
        if at < 0:
            raise ArchiveError("its zip64 directory locator is missing; the file is damaged")
        sig, disk, rec, disks = _LOC64.unpack_from(self.data, at)
        if sig != b"PK\x06\x07" or disk or disks > 1:
            raise ArchiveError("its zip64 directory locator is damaged; the file is damaged")
        if rec + _EOCD64.size > at:
            raise ArchiveError("its zip64 directory record points outside the file; the file is damaged")
        sig, _, _, _, disk, cd_disk, n_disk, n_total, cd_size, cd_offset = _EOCD64.unpack_from(self.data, rec)
        if sig != b"PK\x06\x06" or n_disk != n_total:
            raise ArchiveError("its zip64 directory record is damaged; the file is damaged")
        return n_total, cd_size, cd_offset, disk, cd_disk, rec

    def _entry(self, pos: int) -> tuple[Entry, int]:
        (sig, made_by, _, flags, method, _, _, crc, comp, size, n_name, n_extra, n_comment, disk, _, ext_attr,
         offset) = _CDIR.unpack_from(self.data, pos)
        if sig != b"PK\x01\x02":
            raise ArchiveError("its zip directory is damaged; the file is damaged or truncated")
        start = pos + _CDIR.size
        raw_name = bytes(self.data[start:start + n_name])
        extra = bytes(self.data[start + n_name:start + n_name + n_extra])
        if len(raw_name) != n_name or len(extra) != n_extra:
            raise ArchiveError("its zip directory is cut short; the file is damaged or truncated")
        name = check_name(raw_name)
        if 0xFFFFFFFF in (size, comp, offset) or disk == 0xFFFF:
            size, comp, offset = _zip64_extra(extra, size, comp, offset, name)
        elif disk:
            raise ArchiveError("it is a multi-part zip archive, which a project never is; the file is damaged")
        if flags & 0x41:
            raise ArchiveError(f"its member '{name}' is encrypted; NetCanvas projects are never encrypted")
        if method not in (STORED, DEFLATED):
            raise ArchiveError(f"its member '{name}' uses zip compression method {method}; a project uses only "
                               "stored or deflated members")
        if stat.S_IFMT(ext_attr >> 16) == stat.S_IFLNK:
            raise ArchiveError(f"its member '{name}' is a symbolic link; a project holds only plain files")
        if name.endswith("/"):
            raise ArchiveError(f"its member '{name}' is a folder; a project holds only plain files")
        if method == STORED and comp != size:
            raise ArchiveError(f"its member '{name}' claims two different sizes; the file is damaged or was altered")
        limit = _limit_for(name, self._json, self._blobs)
        if size > limit:
            raise ArchiveError(f"its member '{name}' would unpack to {human_bytes(size)}, more than the "
                               f"{human_bytes(limit)} a project member may have; it is not a NetCanvas project")
        if method == DEFLATED and size > RATIO_FLOOR and size > MAX_RATIO * max(comp, 1):
            raise ArchiveError(f"its member '{name}' would unpack {size // max(comp, 1):,} times larger than it "
                               "is stored, as a zip bomb does; it is not a NetCanvas project")
        return Entry(name, method, flags, crc, comp, size, offset), start + n_name + n_extra + n_comment

    def _check_layout(self, entries: list[Entry], cd_offset: int) -> None:
        """Sizes in total, and every member's bytes apart from the others' (overlapping members
        are how the densest zip bombs reuse one compressed stream many times)."""
        total = sum(e.size for e in entries)
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"its members would unpack to {human_bytes(total)} in all, more than the "
                               f"{human_bytes(MAX_TOTAL_BYTES)} a project may hold; it is not a NetCanvas project")
        memory = machine_memory_bytes()
        if total > memory // 2:
            raise ArchiveError(f"its members would unpack to {human_bytes(total)}, more than half of this machine's "
                               f"{human_bytes(memory)} of memory; open it on a larger machine")
        end = 0
        for e in sorted(entries, key=lambda e: e.offset):
            if e.offset < end:
                raise ArchiveError(f"its member '{e.name}' overlaps another member, as zip bombs do; the file "
                                   "was altered")
            e.data_start = self._check_local(e)
            end = e.data_start + e.compressed + (self._descriptor_size(e) if e.flags & 0x08 else 0)
            if end > cd_offset:
                raise ArchiveError(f"its member '{e.name}' runs into the zip directory; the file is damaged or "
                                   "truncated")

    def _check_local(self, e: Entry) -> int:
        """The local header must say what the central directory says (readers that trust one or
        the other would otherwise see different files); returns where the member's data starts."""
        if e.offset + _LOCAL.size > len(self.data):
            raise ArchiveError(f"its member '{e.name}' lies outside the file; the file is damaged or truncated")
        sig, _, flags, method, _, _, crc, comp, size, n_name, n_extra = _LOCAL.unpack_from(self.data, e.offset)
        start = e.offset + _LOCAL.size
        if sig != b"PK\x03\x04" or bytes(self.data[start:start + n_name]) != e.name.encode():
            raise ArchiveError(f"the local header of member '{e.name}' does not match the zip directory; the file "
                               "is damaged or was altered")
        if method != e.method or (flags ^ e.flags) & 0x49:
            raise ArchiveError(f"the local header of member '{e.name}' disagrees with the zip directory; the "
                               "file is damaged or was altered")
        if not flags & 0x08:
            if 0xFFFFFFFF in (size, comp):
                extra = bytes(self.data[start + n_name:start + n_name + n_extra])
                size, comp, _ = _zip64_extra(extra, size, comp, 0, e.name)
            if (crc, comp, size) != (e.crc, e.compressed, e.size):
                raise ArchiveError(f"the local header of member '{e.name}' gives other sizes than the zip "
                                   "directory, as zip bombs do; the file was altered")
        return start + n_name + n_extra

    def _descriptor_size(self, e: Entry) -> int:
        at = e.data_start + e.compressed
        return 16 if bytes(self.data[at:at + 4]) == b"PK\x07\x08" else 12

    # ---- reading ---------------------------------------------------------------------------------
    def read(self, name: str) -> bytes:
        """The member's bytes, inflated with a bound and checked against its size and CRC-32."""
        e = self.entries[name]
        raw = self.data[e.data_start:e.data_start + e.compressed]
        if len(raw) != e.compressed:
            raise ArchiveError(f"its member '{name}' is cut short; the file is damaged or truncated")
        out = bytes(raw) if e.method == STORED else _inflate(raw, e.size, name)
        if len(out) != e.size:
            raise ArchiveError(f"its member '{name}' unpacks to another size than declared; the file is damaged")
        if zlib.crc32(out) != e.crc:
            raise ArchiveError(f"its member '{name}' fails its checksum; the file is damaged")
        return out


def _inflate(raw: memoryview, size: int, name: str) -> bytes:
    """Raw deflate, streamed: never more than ``size`` + 1 bytes are produced."""
    d = zlib.decompressobj(-15)
    parts, produced = [], 0
    try:
        for i in range(0, len(raw), _CHUNK):
            chunk = d.decompress(raw[i:i + _CHUNK], size - produced + 1)
            while True:
                produced += len(chunk)
                parts.append(chunk)
                if produced > size:
                    raise ArchiveError(f"its member '{name}' unpacks to more than its declared size, as zip bombs "
                                       "do; the file was altered")
                if not d.unconsumed_tail:
                    break
                chunk = d.decompress(d.unconsumed_tail, size - produced + 1)
            if d.eof:
                break
        if not d.eof:
            raise ArchiveError(f"its member '{name}' is cut short; the file is damaged or truncated")
    except zlib.error:
        raise ArchiveError(f"its member '{name}' is not valid compressed data; the file is damaged") from None
    return b"".join(parts)


def _zip64_extra(extra: bytes, size: int, comp: int, offset: int, name: str) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF placeholders from the zip64 extra field (in its fixed order)."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4:pos + 4 + length]
        if tag == 1:
            values, i = [], 0
            for present in (size == 0xFFFFFFFF, comp == 0xFFFFFFFF, offset == 0xFFFFFFFF):
                if present:
                    if i + 8 > len(body):
                        break
                    values.append(struct.unpack_from("<Q", body, i)[0])
                    i += 8
                else:
                    values.append(None)
            else:
                size, comp, offset = (v if v is not None else old for v, old in zip(values, (size, comp, offset)))
                return size, comp, offset
            break
        pos += 4 + length
    raise ArchiveError(f"its member '{name}' lacks the zip64 sizes it promises; the file is damaged")


def check_name(raw: bytes) -> str:
    """A member name as text, refused when it could mean a path elsewhere on some system."""
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ArchiveError("a member name in its zip archive is not valid UTF-8; the file was altered") from None
    shown = name.encode("unicode_escape").decode("ascii")[:80]
    if not name or len(raw) > MAX_NAME_BYTES:
        raise ArchiveError("a member name in its zip archive is empty or too long; the file was altered")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ArchiveError(f"the member name '{shown}' holds control characters; the file was altered")
    if "\\" in name:
        raise ArchiveError(f"the member name '{shown}' holds a backslash (a path on Windows); the file was altered")
    if name.startswith("/") or _DRIVE.match(name):
        raise ArchiveError(f"the member name '{shown}' is an absolute path; the file was altered")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ArchiveError(f"the member name '{shown}' points outside the archive or is not a plain name; the "
                           "file was altered")
    return name
