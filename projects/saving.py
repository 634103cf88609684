"""Saving a project file so that it is never half-written and never lost.

Every save writes a temporary file in the target's folder, flushes and fsyncs it, keeps the
previous version as ``NAME.bak``, moves the new file over the target with ``os.replace`` and
fsyncs the folder. Saves into one folder are serialized with a lock on the folder, under which
the temporary files a killed save left behind are removed. A read-only target is refused, a
symlinked target is written through to the file it points at, and every failure is one
sentence (:class:`ProjectSaveError`) with the old file untouched.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TMP_SUFFIX = ".tmp"
LOCK_WAIT_S = 30.0


class ProjectSaveError(OSError):
    """A save that did not happen; the message says why and what to do. The old file is intact."""


class ProjectChangedError(ProjectSaveError):
    """The file changed on disk since it was read (another program saved it meanwhile)."""


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one saved version of a file: its inode, size and modification time."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | os.PathLike) -> "Fingerprint | None":
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


def save_bytes(data: bytes, path: str | os.PathLike, backup: bool = True,
               expect: Fingerprint | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); returns the file written
    (a symlink's target). ``expect``: refuse with ProjectChangedError when the file on disk is no
    longer that version."""
    target = writable_target(path)
    try:
        with _folder_lock(target.parent):
            if expect is not None and Fingerprint.of(target) != expect:
                raise ProjectChangedError(
                    f"{target.name} was changed by another program while this one worked on it, so it was not "
                    "overwritten")
            remove_leftovers(target)
            _write_new(data, target, backup)
    except ProjectSaveError:
        raise
    except OSError as e:
        raise ProjectSaveError(f"Could not save {target}: {_reason(e)}; the previous file is unchanged.") from None
    return target


def writable_target(path: str | os.PathLike) -> Path:
    """The file a save of ``path`` writes (a symlink followed), after checking that it can be
    written: its folder exists and takes files, and it is not read-only. Raises ProjectSaveError."""
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectSaveError(f"Cannot save {path}: the folder {folder} does not exist; create it or choose "
                               "another folder.")
    if target.is_dir():
        raise ProjectSaveError(f"Cannot save {path}: it is a folder; give a file name ending in .dlproj.")
    if target.exists():
        mode = target.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ProjectSaveError(f"Cannot save {path}: it is not a regular file; choose another name.")
        if not mode & 0o222:  # checked on the mode bits: root's os.access would say yes
            raise ProjectSaveError(f"Cannot save {path}: the file is read-only; save under another name or make "
                                   "it writable.")
    return target


def check_can_save(path: str | os.PathLike) -> Path:
    """Before a long job: prove ``path`` can be saved by creating and removing a probe file in
    its folder. Raises ProjectSaveError with the reason."""
    target = writable_target(path)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ProjectSaveError(f"Cannot save {path}: {_reason(e)}; choose a folder you can write to.") from None
    return target


def remove_leftovers(target: Path) -> list[Path]:
    """Delete the temporary files earlier saves of ``target`` left behind when they were killed
    (call with the folder lock held, so none of them belongs to a save in progress)."""
    removed = []
    for stale in target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()
            removed.append(stale)
    return removed


def backup_path(target: Path) -> Path:
    """Where the previous version of ``target`` is kept."""
    return target.with_name(target.name + ".bak")


def recovery_path(path: str | os.PathLike) -> Path:
    """A new file name for a run that could not be saved where it should: next to ``path`` when
    that folder takes files, else in the user's data folder."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{path.stem}.recovered-{stamp}.dlproj"
    for folder in (path.parent, user_data_folder() / "recovered"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            check_can_save(folder / name)
            return folder / name
        except (OSError, ProjectSaveError):
            continue
    return Path(tempfile.gettempdir()) / name


def user_data_folder() -> Path:
    """NetCanvas's per-user data folder ($XDG_DATA_HOME/netcanvas, ~/.local/share/netcanvas)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "netcanvas"


def _write_new(data: bytes, target: Path, backup: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes the file private (0600): give it a plain file's mode
            with contextlib.suppress(OSError):
                os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if backup and target.exists():
            _keep_previous(target)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _keep_previous(target: Path) -> None:
    """Make ``NAME.bak`` the current file, without a moment in which ``NAME`` is missing: a hard
    link (or a copy) under a temporary name, moved over the old backup."""
    bak = backup_path(target)
    with contextlib.suppress(OSError):
        if os.path.samefile(target, bak):  # a save killed after its backup step: already done
            return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.bak.", suffix=TMP_SUFFIX, dir=target.parent)
    os.close(fd)
    try:
        os.unlink(tmp)
        try:
            os.link(target, tmp)
        except OSError:
            import shutil

            shutil.copy2(target, tmp)
        os.replace(tmp, bak)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _folder_lock(folder: Path):
    """An exclusive lock on ``folder`` for one save (waits up to LOCK_WAIT_S for another save)."""
    try:
        import fcntl
    except ImportError:  # Windows: os.replace is still atomic; saves are not serialized
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ProjectSaveError(f"Another program has been saving into {folder} for "
                                           f"{LOCK_WAIT_S:.0f} s; try again when it has finished.") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _file_mode(path: Path) -> int:
    """The permissions of the file being replaced, or those a new file gets under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(e: OSError) -> str:
    """An OSError in a few words a user understands."""
    known = {errno.ENOSPC: "the disk is full", errno.EROFS: "the disk is read-only",
             errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.ENOENT: "the folder does not exist", errno.EDQUOT: "the disk quota is exceeded"}
    return known.get(e.errno, e.strerror or str(e))
