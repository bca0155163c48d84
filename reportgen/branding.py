"""The branding palette: one list of series colours for every chart the tool draws.

Native PowerPoint charts, the workbook's native Excel charts and matplotlib PNG charts
all colour their data series from :func:`palette` (series *i* takes colour *i*, cycling).
Reference lines (targets, benchmarks, averages) keep their own fixed styles. The default
palette is the accent colours of the shipped template deck, so a deck looks the same
whether or not ``report.branding`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.config import ReportConfig

#: The default series colours (``RRGGBB``): the shipped template's theme accents.
DEFAULT_PALETTE: tuple[str, ...] = ("1F5FA8", "9AA5B1", "E07B39", "3A9D5D", "8E5EA2", "C44E52")


def palette(config: ReportConfig | None = None) -> tuple[str, ...]:
    """The series colours as upper-case ``RRGGBB`` (no ``#``): ``report.branding.palette``
    of ``config``, else :data:`DEFAULT_PALETTE`."""
    if config is None:
        return DEFAULT_PALETTE
    return tuple(c.removeprefix("#").upper() for c in config.report.branding.palette)


def series_colour(colours: tuple[str, ...], index: int) -> str:
    """The colour (``RRGGBB``) of data series ``index`` (0-based), cycling the palette."""
    return colours[index % len(colours)]
