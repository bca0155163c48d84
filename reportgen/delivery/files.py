"""Atomic file output: a failed run never replaces the previous good file.

Content is written to a temporary file in the target folder, optionally checked
by a callback that reopens it, fsynced, then renamed over the target (an atomic
operation on POSIX and Windows within one folder).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write_bytes(
    target: Path, data: bytes, check: Callable[[Path], None] | None = None
) -> Path:
    """Write ``data`` to ``target`` atomically; ``check`` may raise to abort."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return target


def atomic_write_text(
    target: Path, text: str, encoding: str = "utf-8", check: Callable[[Path], None] | None = None
) -> Path:
    return atomic_write_bytes(target, text.encode(encoding), check)
