"""Render a deck the way a person sees it: LibreOffice headless → PDF → PNG pages.

Usage: ``python tests/support/render_deck.py deck.pptx out_dir`` (needs ``soffice`` and
``pdftoppm``). Tests call :func:`render_deck` and skip when LibreOffice is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def available() -> bool:
    return shutil.which("soffice") is not None and shutil.which("pdftoppm") is not None


def calc_available() -> bool:
    """LibreOffice with its spreadsheet component (Debian ships Impress and Calc as
    separate packages; without Calc a workbook converts to nothing, silently)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return False
    program = Path(soffice).resolve().parent
    return any((program / name).exists() for name in ("libsclo.so", "libsclo.dylib", "sclo.dll"))


def render_deck(deck: Path, out_dir: Path, *, dpi: int = 60, timeout: float = 180) -> list[Path]:
    """PNG pages of ``deck`` in ``out_dir`` (page-01.png, ...); raises on any failure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(deck),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    pdf = out_dir / (deck.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice wrote no PDF for {deck}")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return sorted(out_dir.glob("page-*.png"))


if __name__ == "__main__":  # pragma: no cover
    pages = render_deck(
        Path(sys.argv[1]), Path(sys.argv[2]), dpi=int(sys.argv[3]) if len(sys.argv) > 3 else 60
    )
    print("\n".join(map(str, pages)))
