"""Downloads into the cache folder: mirrors, progress, MD5 verification, resume from .part files.

``progress(done_bytes, total_bytes_or_None, file_name)`` is called as bytes arrive. A mirror
override (the ``mirror`` argument, else env ``NETCANVAS_DATA_MIRROR``) is a base URL under which
files are fetched as ``{base}/{dataset}/{file}``.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .base import DatasetError

ENV_DIR = "NETCANVAS_DATA_DIR"
ENV_MIRROR = "NETCANVAS_DATA_MIRROR"
CHUNK = 1 << 16
_REPORT_EVERY = 1 << 18
Progress = Callable[[int, "int | None", str], None]


class OfflineError(DatasetError):
    """The data is not on this computer and could not be downloaded."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str
    size: int | None = None  # bytes; the progress total when the server sends no length


@dataclass(frozen=True)
class Remote:
    key: str  # the cache subfolder and the path segment under a mirror override
    title: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]


def cache_root() -> Path:
    """``$NETCANVAS_DATA_DIR`` or ``~/.cache/netcanvas/datasets``."""
    env = os.environ.get(ENV_DIR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "netcanvas" / "datasets"


def mirror_urls(remote: Remote, override: str | None = None) -> list[str]:
    base = override or os.environ.get(ENV_MIRROR)
    if base:
        return [f"{base.rstrip('/')}/{remote.key}/"]
    return list(remote.mirrors)


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def missing(remote: Remote, folder: Path) -> list[RemoteFile]:
    return [f for f in remote.files if not (folder / f.name).is_file()]


def ensure(remote: Remote, folder: Path, *, download: bool = True, mirror: str | None = None,
           progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """``folder`` once it holds every file of ``remote``, downloading what is missing."""
    todo = missing(remote, folder)
    if not todo:
        return folder
    names = ", ".join(f.name for f in todo)
    where = mirror_urls(remote, mirror)[0]
    if not download:
        raise OfflineError(f"{remote.title} is not in {folder} and downloading is off: put {names} "
                           f"(from {where}) in {folder}, or allow downloads.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"Cannot create the dataset folder {folder} ({exc.strerror}): set "
                           f"{ENV_DIR} to a writable folder.") from None
    for file in todo:
        reason = _fetch_one(file, folder, mirror_urls(remote, mirror), progress, timeout)
        if reason:
            raise OfflineError(f"{remote.title} could not be downloaded ({reason}): put {names} "
                               f"(from {where}) in {folder} and try again.")
    return folder


def _fetch_one(file: RemoteFile, folder: Path, bases: list[str], progress, timeout) -> str | None:
    """Download one file from the first mirror that answers; the last failure reason, or None."""
    reason = "no mirror"
    for base in bases:
        try:
            download_file(base + file.name, folder / file.name, file.md5, progress, timeout, file.size)
            return None
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
            reason = _reason(exc)
    return reason


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def download_file(url: str, dest: Path, md5: str, progress: Progress | None = None,
                  timeout: float = 30.0, size: int | None = None) -> Path:
    """Fetch ``url`` into ``dest`` via ``dest.part`` (resumed with HTTP Range), checking MD5."""
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": "NetCanvas"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the part file is already whole
            return _finish(part, dest, md5, url)
        raise
    with response:
        resumed = response.status == 206 and _range_start(response) == have
        have = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length else size
        done = _copy(response, part, "ab" if resumed else "wb", have, total, dest.name, progress)
    if total is not None and done < total:
        raise DatasetError(f"Downloading {dest.name} stopped at {done / 1e6:.1f} of {total / 1e6:.1f} "
                           f"MB: run again to resume from {part}.")
    return _finish(part, dest, md5, url)


def _range_start(response) -> int | None:
    value = response.headers.get("Content-Range", "")  # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _copy(response, part: Path, mode: str, done: int, total, label: str, progress) -> int:
    """Stream the body into ``part``; a dropped connection keeps what arrived for a resume."""
    reported = done
    if progress:
        progress(done, total, label)
    with open(part, mode) as out:
        try:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress and done - reported >= _REPORT_EVERY:
                    progress(done, total, label)
                    reported = done
        except (http.client.HTTPException, TimeoutError, ConnectionError):
            pass  # reported below as an interrupted download
    if progress and done != reported:
        progress(done, total, label)
    return done


def _finish(part: Path, dest: Path, md5: str, url: str) -> Path:
    got = md5sum(part)
    if got != md5:
        part.unlink()
        raise DatasetError(f"{dest.name} downloaded from {url} is corrupt (MD5 {got}, expected {md5}) "
                           f"and was deleted: try again, or put a good copy in {dest.parent}.")
    os.replace(part, dest)
    return dest
