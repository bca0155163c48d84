"""Where packaged resources live, installed or in a source checkout."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml


def templates_dir() -> Path:
    """The templates folder: inside the installed package, else the repo's ``templates/``."""
    packaged = Path(__file__).resolve().parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def read_yaml(path: Path) -> Any:
    """The parsed YAML file (UTF-8, a BOM allowed), parsed once per process while the
    file is unchanged (size and modification time): the wording and report-spec files
    are read for every document of a build. Each call gets its own copy.

    Raises what reading and parsing raise (OSError, UnicodeDecodeError, yaml.YAMLError)."""
    st = Path(path).stat()
    return copy.deepcopy(_parsed(str(path), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    text = Path(path).read_text(encoding="utf-8-sig")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
