"""Large text tables can spill to a Parquet file instead of staying in memory."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from data_factories import write_text

from reportgen.errors import InputFileError
from reportgen.io import ReadLimits, read_file


def test_csv_over_the_threshold_spills_to_parquet(tmp_path: Path) -> None:
    lines = "".join(f"{i},{'' if i % 2 else 'even'}\n" for i in range(1, 101))
    path = write_text(tmp_path / "big.csv", "n,tag\n" + lines + "1,2,3\n")
    spill_dir = tmp_path / "spill"

    table = read_file(
        path, spill_dir=spill_dir, limits=ReadLimits(spill_after_rows=10, batch_rows=8)
    )

    assert table.data is None
    assert table.parquet_path is not None
    assert table.parquet_path.parent == spill_dir
    assert table.columns == ("n", "tag")
    assert table.rows_read == 101
    assert len(table.rejected) == 1
    spilled = pq.read_table(table.parquet_path)
    assert spilled.column_names == ["n", "tag", "_row"]
    assert spilled.column("n").to_pylist() == [str(i) for i in range(1, 101)]
    assert spilled.column("tag").to_pylist() == [None if i % 2 else "even" for i in range(1, 101)]
    assert spilled.column("_row").to_pylist() == list(range(2, 102))


def test_below_the_threshold_stays_in_memory(tmp_path: Path) -> None:
    path = write_text(tmp_path / "small.csv", "n\n1\n2\n")
    spill_dir = tmp_path / "spill"

    table = read_file(path, spill_dir=spill_dir, limits=ReadLimits(spill_after_rows=10))

    assert table.parquet_path is None
    assert table.data.column("n").to_pylist() == ["1", "2"]
    assert not spill_dir.exists() or not any(spill_dir.iterdir())


def test_spill_file_is_removed_when_reading_fails(tmp_path: Path) -> None:
    lines = "".join(f"{i}\n" for i in range(50))
    path = write_text(tmp_path / "big.csv", "n\n" + lines)
    spill_dir = tmp_path / "spill"

    with pytest.raises(InputFileError, match="more than 30 data rows"):
        read_file(
            path,
            spill_dir=spill_dir,
            limits=ReadLimits(spill_after_rows=5, batch_rows=4, max_rows=30),
        )
    assert spill_dir.is_dir()  # the spill had started before the limit was hit
    assert list(spill_dir.iterdir()) == []
