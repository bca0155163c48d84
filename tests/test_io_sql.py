"""read_sql(): whole tables or queries from SQLite (SQLAlchemy) and DuckDB, native types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from data_factories import write_duckdb, write_sqlite

from reportgen.errors import InputFileError
from reportgen.io import read_sql


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return write_sqlite(
        tmp_path / "crm.db",
        [
            "CREATE TABLE customers (id INTEGER, name TEXT, spend REAL)",
            'CREATE TABLE "odd ""name""; drop" (x INTEGER)',
            "CREATE TABLE mixed (v)",
        ],
        {
            "customers": [(1, "张三", 10.5), (2, None, None), (3, "007", 0.0)],
            'odd "name"; drop': [(42,)],
            "mixed": [(1,), ("two",), (None,)],
        },
    )


def test_sqlite_table_with_native_types(crm: Path) -> None:
    table = read_sql(f"sqlite:///{crm}", table="customers")

    assert table.real_format == "sql"
    assert table.columns == ("id", "name", "spend")
    assert table.data.schema.field("id").type == pa.int64()  # a NULL does not turn ids into floats
    assert table.data.schema.field("spend").type == pa.float64()
    assert table.data.to_pylist() == [
        {"id": 1, "name": "张三", "spend": 10.5, "_row": 1},
        {"id": 2, "name": None, "spend": None, "_row": 2},
        {"id": 3, "name": "007", "spend": 0.0, "_row": 3},
    ]
    assert table.rows_read == 3
    assert table.source == f"sqlite:///{crm} table 'customers'"


def test_sqlite_query(crm: Path) -> None:
    table = read_sql(
        f"sqlite:///{crm}", query="SELECT id, id * 2 AS twice FROM customers WHERE id > 1"
    )

    assert table.data.to_pylist() == [
        {"id": 2, "twice": 4, "_row": 1},
        {"id": 3, "twice": 6, "_row": 2},
    ]


def test_table_names_are_quoted_not_interpolated(crm: Path) -> None:
    table = read_sql(f"sqlite:///{crm}", table='odd "name"; drop')

    assert table.data.to_pylist() == [{"x": 42, "_row": 1}]


def test_injection_in_a_table_name_finds_no_table(crm: Path) -> None:
    with pytest.raises(InputFileError, match="no such table; the database has: customers, mixed"):
        read_sql(f"sqlite:///{crm}", table="customers; DROP TABLE mixed")
    assert read_sql(f"sqlite:///{crm}", table="mixed").rows_read == 3


def test_mixed_sqlite_column_is_read_as_text_with_a_warning(crm: Path) -> None:
    table = read_sql(f"sqlite:///{crm}", table="mixed")

    assert table.data.column("v").to_pylist() == ["1", "two", None]
    assert table.warnings == (
        f"sqlite:///{crm} table 'mixed': column 'v' mixes value types (int, str); read as text",
    )


def test_types_that_differ_between_chunks_are_unified(crm: Path, monkeypatch) -> None:
    from reportgen.io import sql_reader

    monkeypatch.setattr(sql_reader, "FETCH_ROWS", 1)

    table = read_sql(f"sqlite:///{crm}", table="mixed")

    assert table.data.column("v").to_pylist() == ["1", "two", None]
    assert any("mixes value types" in w for w in table.warnings)


def test_chunked_fetch_keeps_order_and_numbers(crm: Path, monkeypatch) -> None:
    from reportgen.io import sql_reader

    monkeypatch.setattr(sql_reader, "FETCH_ROWS", 2)

    table = read_sql(f"sqlite:///{crm}", table="customers")

    assert table.data.column("id").to_pylist() == [1, 2, 3]
    assert table.data.column("_row").to_pylist() == [1, 2, 3]
    assert table.data.schema.field("id").type == pa.int64()


def test_duplicate_result_columns(crm: Path) -> None:
    table = read_sql(f"sqlite:///{crm}", query="SELECT id, name AS ID FROM customers LIMIT 1")

    assert table.columns == ("id", "ID (2)")
    assert table.duplicate_columns == ("id", "ID")


def test_empty_result_keeps_columns(crm: Path) -> None:
    table = read_sql(f"sqlite:///{crm}", query="SELECT id, name FROM customers WHERE 0")

    assert table.columns == ("id", "name")
    assert table.data.num_rows == 0
    assert table.rows_read == 0


@pytest.mark.parametrize(
    ("kwargs", "word"), [({}, "neither"), ({"table": "a", "query": "SELECT 1"}, "both")]
)
def test_exactly_one_of_table_or_query(crm: Path, kwargs: dict, word: str) -> None:
    with pytest.raises(InputFileError, match=f"exactly one of table= or query= \\(got {word}\\)"):
        read_sql(f"sqlite:///{crm}", **kwargs)


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"

    with pytest.raises(InputFileError, match="nope.db does not exist"):
        read_sql(f"sqlite:///{path}", table="t")
    assert not path.exists()


def test_bad_query_is_an_input_error(crm: Path) -> None:
    with pytest.raises(InputFileError, match="no such column: nope"):
        read_sql(f"sqlite:///{crm}", query="SELECT nope FROM customers")


def test_password_never_appears_in_messages() -> None:
    url = "postgresql://report:s3cr3t-pw@127.0.0.1:1/crm"

    with pytest.raises(InputFileError) as excinfo:
        read_sql(url, table="customers")

    assert "s3cr3t-pw" not in str(excinfo.value)
    assert "127.0.0.1" in str(excinfo.value)


def test_not_a_url() -> None:
    with pytest.raises(InputFileError, match="is not a database URL"):
        read_sql("crm.db", table="t")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return write_duckdb(
        tmp_path / "wh.duckdb",
        [
            "CREATE TABLE orders (id INTEGER, placed DATE, amount DECIMAL(10, 2), note VARCHAR)",
            "INSERT INTO orders VALUES (1, DATE '2025-03-05', 12.50, '007'), (2, NULL, NULL, NULL)",
            "CREATE SCHEMA sales",
            'CREATE TABLE sales."Weird ""T""" AS SELECT 7 AS k',
        ],
    )


def test_duckdb_table_with_native_types(warehouse: Path) -> None:
    table = read_sql(f"duckdb:///{warehouse}", table="orders")

    schema = table.data.schema
    assert schema.field("id").type == pa.int32()
    assert schema.field("placed").type == pa.date32()
    assert schema.field("amount").type == pa.decimal128(10, 2)
    rows = table.data.to_pylist()
    assert rows[0]["placed"] == dt.date(2025, 3, 5)
    assert str(rows[0]["amount"]) == "12.50"
    assert rows[0]["note"] == "007"
    assert [r["_row"] for r in rows] == [1, 2]
    assert table.rows_read == 2


def test_duckdb_schema_qualified_quoted_name(warehouse: Path) -> None:
    table = read_sql(f"duckdb:///{warehouse}", table='sales.Weird "T"')

    assert table.data.to_pylist() == [{"k": 7, "_row": 1}]


def test_duckdb_query(warehouse: Path) -> None:
    table = read_sql(f"duckdb:///{warehouse}", query="SELECT count(*) AS n FROM orders")

    assert table.data.to_pylist() == [{"n": 2, "_row": 1}]


def test_duckdb_is_opened_read_only(warehouse: Path) -> None:
    with pytest.raises(InputFileError, match="read-only"):
        read_sql(f"duckdb:///{warehouse}", query="CREATE TABLE x AS SELECT 1")


def test_duckdb_unknown_table_lists_tables(warehouse: Path) -> None:
    with pytest.raises(
        InputFileError, match=r'no such table; the database has: orders, sales\.Weird "T"'
    ):
        read_sql(f"duckdb:///{warehouse}", table="ordrs")


def test_duckdb_url_on_an_sqlite_file(crm: Path) -> None:
    with pytest.raises(InputFileError, match="is an SQLite database, not a DuckDB database"):
        read_sql(f"duckdb:///{crm}", table="customers")


def test_duckdb_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        read_sql(f"duckdb:///{tmp_path / 'none.duckdb'}", table="t")
