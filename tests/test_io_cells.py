"""Spreadsheet cell values to exact text."""

from __future__ import annotations

import datetime as dt

import pytest

from reportgen.io.cells import cell_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" ", " "),
        ("007", "007"),
        (123, "123"),
        (123.0, "123"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-07"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(2025, 3, 5), "2025-03-05"),
        (dt.datetime(2025, 3, 5, 10, 20), "2025-03-05T10:20:00"),
        (dt.datetime(2025, 3, 5, 10, 20, 0, 500000), "2025-03-05T10:20:00.500000"),
        (dt.date(2025, 3, 5), "2025-03-05"),
        (dt.time(10, 20), "10:20:00"),
        (dt.timedelta(hours=26, minutes=30), "26:30:00"),
        (dt.timedelta(hours=-1), "-1:00:00"),
        (dt.timedelta(seconds=1, microseconds=500000), "0:00:01.500000"),
    ],
)
def test_cell_text(value: object, expected: str | None) -> None:
    assert cell_text(value) == expected
