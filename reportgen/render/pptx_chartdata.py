"""Chart data whose embedded workbook is reproducible.

python-pptx stores each native chart's data as a small .xlsx inside the deck, written
by XlsxWriter with the clock as its creation date, so two runs on identical inputs
gave different decks. This writer fixes that date, and writes every string as text:
XlsxWriter turns a string starting with "=" into a formula by default, and category
labels come from data (a channel named ``=HYPERLINK(…)`` would be a live formula in
the workbook PowerPoint's "Edit Data" opens).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from xlsxwriter import Workbook

#: Creation date written into every embedded chart workbook.
FIXED_CREATED = _dt.datetime(2000, 1, 1)


class _FixedDateWorkbookWriter(CategoryWorkbookWriter):
    @contextmanager
    def _open_worksheet(self, xlsx_file: Any) -> Iterator[tuple[Any, Any]]:
        workbook = Workbook(
            xlsx_file,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        workbook.set_properties({"created": FIXED_CREATED})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class ReproducibleChartData(CategoryChartData):
    """:class:`CategoryChartData` with a fixed-date embedded workbook."""

    @property
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        writer = self.__dict__.get("_fixed_writer")
        if writer is None:
            writer = self.__dict__["_fixed_writer"] = _FixedDateWorkbookWriter(self)
        return writer
