"""Parquet: described from metadata, never loaded."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reportgen.errors import InputFileError
from reportgen.io import read_file


def test_parquet_is_described_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    pq.write_table(
        pa.table({"order_id": ["A1", "A2", "A3"], "amount": [1.5, 2.0, None]}),
        path,
        row_group_size=2,
    )

    table = read_file(path)

    assert table.real_format == "parquet"
    assert table.data is None
    assert table.parquet_path == path
    assert table.columns == ("order_id", "amount")
    assert table.rows_read == 3
    assert table.duplicate_columns == ()
    assert table.rejected == ()
    assert table.header_row is None


def test_parquet_named_csv_is_read_as_parquet(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    pq.write_table(pa.table({"a": [1]}), path)

    table = read_file(path)

    assert table.real_format == "parquet"
    assert table.warnings == (f"{path} is not CSV text but a Parquet file; read as Parquet",)


def test_truncated_parquet_is_an_input_error(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), good)
    path = tmp_path / "cut.parquet"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    with pytest.raises(
        InputFileError, match=r"cut\.parquet is a corrupt or truncated Parquet file"
    ):
        read_file(path)


def test_garbage_after_magic_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 100 + b"PAR1")

    with pytest.raises(InputFileError, match="corrupt or truncated Parquet"):
        read_file(path)


def test_float_columns_with_nan_are_found_past_the_statistics(tmp_path: Path) -> None:
    from reportgen.io.parquet_reader import float_columns_with_nan

    path = tmp_path / "t.parquet"
    nan = float("nan")
    pq.write_table(
        pa.table(
            {
                "clean": [1.0, None, 3.0, 4.0],
                "late_nan": [1.0, 2.0, 3.0, nan],  # statistics of the last group: 3..3
                "nulls": pa.array([None] * 4, pa.float64()),
                "text": ["nan"] * 4,
            }
        ),
        path,
        row_group_size=2,
    )

    found = float_columns_with_nan(path, ["clean", "late_nan", "nulls", "text", "absent"])

    assert found == {"late_nan"}


def test_row_group_ranges_come_from_the_footer(tmp_path: Path) -> None:
    import datetime as dt

    from reportgen.io.parquet_reader import ColumnRange, row_group_ranges

    path = tmp_path / "t.parquet"
    days = [dt.date(2025, 1, d) for d in (3, 1, 9, 5, 7)]
    table = pa.table(
        {
            "n": pa.array([5, None, -2, 8, 1], pa.int64()),
            "day": days,
            "empty": pa.array([None, None, 1.5, None, None], pa.float64()),
            "dup": [1, 2, 3, 4, 5],
            "dup_": [1, 2, 3, 4, 5],
        }
    ).rename_columns(["n", "day", "empty", "dup", "dup"])
    pq.write_table(table, path, row_group_size=2)

    stats = row_group_ranges(path, ["n", "day", "empty", "dup", "absent"])

    assert stats.starts == (0, 2, 4) and stats.rows == (2, 2, 1)
    assert stats.ranges["n"] == (
        ColumnRange(5, 5, nulls=True),
        ColumnRange(-2, 8, nulls=False),
        ColumnRange(1, 1, nulls=False),
    )
    assert stats.ranges["day"][0] == ColumnRange(days[1], days[0], nulls=False)
    assert stats.ranges["empty"][0] == ColumnRange(None, None, nulls=True)  # only NULL
    assert set(stats.ranges) == {"n", "day", "empty"}  # a repeated name is not one column

    bare = tmp_path / "bare.parquet"
    pq.write_table(table.select([0]), bare, row_group_size=2, write_statistics=False)
    assert row_group_ranges(bare, ["n"]).ranges["n"] == (None, None, None)
