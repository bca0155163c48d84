"""The README as the tests read it: its text, its bash blocks, and running one of its
``reportgen …`` lines the way a user would (tests/test_readme*.py)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def lines(block: str) -> list[str]:
    """The command lines of a block (no blanks, no comments)."""
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A ``reportgen …`` line, run with this checkout's package from ``cwd``."""
    args = shlex.split(command)
    assert args[0] == "reportgen", command
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
