"""Atomic file output: a failed or killed run never replaces a good file with a bad one,
and never leaves a partial file behind.

Content is written to a temporary file in the target folder, optionally checked by a
callback that reopens it, fsynced, then renamed over the target (an atomic operation on
POSIX and Windows within one folder).

On Linux the temporary file is *anonymous* (``O_TMPFILE``): it has no name until it is
complete and checked, so even ``kill -9`` in the middle of writing leaves nothing in the
folder — the kernel frees the unnamed file with the process. It is then linked under a
hidden temporary name and renamed over the target at once (the named window lasts two
system calls). Where ``O_TMPFILE`` is unavailable (other systems, some file systems) a
named temporary file is used and removed on any exception, including
:class:`KeyboardInterrupt` and the ``SystemExit`` the CLI raises on SIGTERM.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

#: Permissions of written files before the umask (what ``open()`` would give).
FILE_MODE = 0o666
#: Prefix and suffix of temporary names: ``.<target name>.<random>.tmp``.
TMP_SUFFIX = ".tmp"


def check_writable_folder(folder: Path) -> None:
    """Raise :class:`~reportgen.errors.OutputError` unless files can be written in
    ``folder``, or it can be created: its nearest existing ancestor is a folder in which
    a file can be created (tried with an anonymous temporary file: nothing is left
    behind, and nothing is created when the run fails later)."""
    from reportgen.errors import OutputError

    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(
            f"output folder {str(folder)!r}: {str(existing)!r} is a file, not a folder; "
            "give --out a folder (or a path where one can be created)"
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise OutputError(
            f"output folder {str(folder)!r}: cannot write in {str(existing)!r} "
            f"({exc.strerror or exc}); give --out a writable folder"
        ) from None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _anonymous_file(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (Linux ``O_TMPFILE``), or None where unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, FILE_MODE & ~_umask())
    except OSError:  # EOPNOTSUPP / EISDIR / EINVAL: the file system cannot
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _link_anonymous(fd: int, name: Path) -> None:
    """Give the unnamed file ``fd`` a name: linkat(/proc/self/fd/N, AT_SYMLINK_FOLLOW).
    (Python only calls linkat, rather than link, when a directory fd is given.)"""
    proc = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        os.link(str(fd), name, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


def _hidden_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{secrets.token_hex(6)}{TMP_SUFFIX}"


def atomic_write_bytes(
    target: Path, data: bytes, check: Callable[[Path], None] | None = None
) -> Path:
    """Write ``data`` to ``target`` atomically; ``check`` may raise to abort (the target
    is then left as it was). ``check`` gets a path that reads the new content."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = _anonymous_file(target.parent)
    if fd is None:
        return _named_write(target, data, check)
    try:
        _write_all(fd, data)
        proc_path = Path(f"/proc/self/fd/{fd}")
        if check is not None:
            check(proc_path)
        tmp = _hidden_name(target)
        _link_anonymous(fd, tmp)
        try:
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    finally:
        os.close(fd)
    _fsync_folder(target.parent)
    return target


def _named_write(target: Path, data: bytes, check: Callable[[Path], None] | None) -> Path:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.chmod(tmp, FILE_MODE & ~_umask())
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_folder(target.parent)
    return target


def atomic_write_text(
    target: Path, text: str, encoding: str = "utf-8", check: Callable[[Path], None] | None = None
) -> Path:
    return atomic_write_bytes(target, text.encode(encoding), check)
