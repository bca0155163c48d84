"""The identifier scan of typed Parquet files (pyarrow, beside the engine).

Identifiers longer than every missing-value spelling, with nothing to trim, are
proven clean by one pass over their bytes, and a key in ascending file order has
its repeats found there too; the engine's key pass and the per-row trimming guard
are then skipped. These tests give the scan what the other paths see (the rows of
``test_loading_perf_paths`` with long identifiers) and compare every result with the
materialising path, which parses every value.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_loading_perf_paths import RESPONSES, SCOPES, _dataset, _project, _rows

from reportgen.io.parquet_reader import scan_texts
from reportgen.loading import Dataset, Scope


def _long(value: str | None) -> str | None:
    """``" C2 "`` → ``" C2-000042 "``: longer than any missing spelling, the same
    padding, the same order; missing spellings stay as they are."""
    if value is None or value.strip() in ("", "NA"):
        return value
    core = value.strip()
    return value.replace(core, f"{core}-000042")


def _long_ids(rows: list[tuple]) -> list[tuple]:
    return [(_long(r[0]), _long(r[1]), *r[2:]) for r in rows]


def _sorted(rows: list[tuple]) -> list[tuple]:
    keyed = sorted((r for r in rows if r[0] is not None), key=lambda r: r[0])
    return keyed[:6] + [r for r in rows if r[0] is None] + keyed[6:]


CLEAN = [r for r in RESPONSES if r[1] is None or r[1].strip() == r[1] and r[1] != "NA"]

VARIANTS = {
    "unordered": _long_ids(RESPONSES),
    "ordered": _sorted(_long_ids(RESPONSES)),
    "ordered, clean customers": _sorted(_long_ids(CLEAN)),
    "ordered, a key to trim": _sorted(
        _long_ids([*RESPONSES, (" R16", "C1", dt.date(2025, 6, 1), "alpha", 5, 9.0, None)])
    ),
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def pair(variant: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Dataset]:
    config = _project(tmp_path_factory.mktemp("ids"), VARIANTS[variant])
    return _dataset(config, typed_view=True), _dataset(config, typed_view=False)


def test_same_quarantine_listing(pair: tuple[Dataset, Dataset]) -> None:
    view, full = pair
    pd.testing.assert_frame_equal(view.quarantine(limit=None), full.quarantine(limit=None))


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_same_reconciliation_and_loaded_rows(pair: tuple[Dataset, Dataset], scope: Any) -> None:
    view, full = pair
    assert view.reconcile(scope) == full.reconcile(scope)
    pd.testing.assert_frame_equal(_rows(view, "responses", scope), _rows(full, "responses", scope))


@pytest.fixture
def engine_key_passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tags of the sources whose key the engine's key pass checked (it records
    each call, then runs)."""
    from reportgen.loading import stage

    engine: list[str] = []
    original = stage._key_pass
    monkeypatch.setattr(
        stage,
        "_key_pass",
        lambda con, suffix, *a: engine.append(suffix) or original(con, suffix, *a),
    )
    return engine


def test_the_scan_replaces_the_engine_key_pass(
    tmp_path: Path, engine_key_passes: list[str]
) -> None:
    engine = engine_key_passes
    for name in ("ordered", "unordered", "ordered, a key to trim"):
        root = tmp_path / name.replace(" ", "_").replace(",", "")
        root.mkdir()
        ds = _dataset(_project(root, VARIANTS[name]), typed_view=True)
        dups = ds.staged["responses"].dups
        repeated = (
            sorted(r["_row"] for r in dups.to_pyarrow().to_pylist()) if dups is not None else []
        )
        assert repeated, name  # R01 and R03 repeat in every variant
        assert ("responses_v" in engine) == (name != "ordered"), name
        engine.clear()


def _write(path: Path, columns: dict[str, list], row_group_size: int) -> Path:
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def test_scan_flags_what_needs_care(tmp_path: Path) -> None:
    ids = ["ID-0001", " ID-0002", "ID-0003\t", "ID-0004\x01", "NA", "", None, "ID-0008"]
    for i, bad in enumerate(ids):
        values = ["ID-1000", "ID-1001", bad, "ID-1003"]
        path = _write(tmp_path / f"t{i}.parquet", {"c": values}, row_group_size=2)
        scan = scan_texts(path, ["c"], longest=4)
        assert scan is not None
        assert ("c" in scan.care) == (i not in (0, 6, 7)), repr(bad)
        assert ("c" in scan.nulls) == (bad is None)
    # multi-byte characters at either end need no care (only what sorts below "!")
    path = _write(tmp_path / "cjk.parquet", {"c": ["编号-0001", "ID-零"]}, row_group_size=1)
    assert scan_texts(path, ["c"], longest=4).care == frozenset()  # type: ignore[union-attr]


def test_scan_finds_order_and_repeats_across_row_groups(tmp_path: Path) -> None:
    keys = ["K-0001", "K-0002", "K-0002", None, "K-0002", "K-0003", "K-0004", "K-0004"]
    path = _write(tmp_path / "k.parquet", {"k": keys}, row_group_size=3)
    scan = scan_texts(path, [], longest=4, key="k")
    assert scan is not None and scan.ordered
    assert scan.repeated == ("K-0002", "K-0004")
    assert scan.nulls == frozenset({"k"})
    down = ["K-0001", "K-0003", None, "K-0002"]  # out of order across the NULL and a group
    path = _write(tmp_path / "d.parquet", {"k": down}, row_group_size=2)
    assert scan_texts(path, [], longest=4, key="k").ordered is False  # type: ignore[union-attr]
    # not text: the engine decides
    path = _write(tmp_path / "i.parquet", {"k": [1, 2, 3]}, row_group_size=2)
    assert scan_texts(path, [], longest=4, key="k") is None


def test_parallel_staging_keeps_order_errors_and_connection() -> None:
    from reportgen.engine.backend import connect
    from reportgen.loading.parallel import run_parallel

    con = connect()
    main = con.con

    def work(n: int) -> int:
        # each call on its own cursor; the tables are shared with the main connection
        con.raw_sql(f"CREATE TABLE t{n} AS SELECT {n} AS v")
        return int(con.table(f"t{n}").v.sum().execute())

    out = run_parallel(con, work, [3, 1, 2], first=lambda n: -n)
    assert list(out.items()) == [(3, 3), (1, 1), (2, 2)]
    assert con.con is main
    assert int(con.table("t2").v.sum().execute()) == 2  # seen by the main connection

    def fail(n: int) -> int:
        raise ValueError(f"source {n}")

    with pytest.raises(ValueError, match="source 5"):
        run_parallel(con, fail, [5, 4], first=lambda n: n)  # 4 starts first, 5 is reported
    assert con.con is main


def test_a_two_column_key_in_id_order_is_checked_from_the_scan(
    tmp_path: Path, engine_key_passes: list[str]
) -> None:
    """The CRM's key is (customer, unit). Exported in customer-id order, only the ids
    that repeat next to each other can hold a repeated whole key: the scan finds them,
    and the engine groups only their rows (no key pass over every row). Same duplicates,
    quarantine and loaded rows as the materialising path."""
    from test_loading_perf_paths import UNITS as PERF_UNITS

    from reportgen.config import load_config

    rows = [  # customer_id, unit, segment, join_date
        ("C-000001", "alpha", "SMB", dt.date(2024, 1, 1)),
        ("C-000001", "alpha", "Key", dt.date(2024, 2, 1)),  # repeats row 1's key
        ("C-000002", "alpha", "SMB", dt.date(2024, 1, 1)),
        ("C-000002", "beta", "SMB", dt.date(2024, 1, 1)),  # same id, other unit: kept
        ("C-000003", "nowhere", "SMB", dt.date(2024, 1, 1)),  # unknown unit
        ("C-000003", "beta", "Key", dt.date(2024, 1, 1)),
        ("C-000004", "beta", "SMB", dt.date(2024, 1, 1)),
        ("C-000004", "Beta", "Key", dt.date(2024, 3, 1)),  # the same unit spelt otherwise
        ("C-000004", "beta", "SMB", None),  # join date missing: quarantined
        ("C-000005", "alpha", None, dt.date(2024, 1, 1)),
    ]
    columns = ["customer_id", "unit", "segment", "join_date"]
    pq.write_table(
        pa.table({c: pa.array([r[i] for r in rows]) for i, c in enumerate(columns)}),
        tmp_path / "customers.parquet",
        row_group_size=3,
    )
    (tmp_path / "reportgen.yaml").write_text(
        json.dumps({"units": PERF_UNITS, "sources": {"customers": {"path": "customers.parquet"}}}),
        encoding="utf-8",
    )
    config = load_config(tmp_path / "reportgen.yaml")
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    assert "customers_v" not in engine_key_passes

    def dup_rows(ds: Dataset) -> list[int]:
        dups = ds.staged["customers"].dups
        return sorted(r["_row"] for r in dups.to_pyarrow().to_pylist()) if dups is not None else []

    assert dup_rows(view) == dup_rows(full) == [2, 8]
    pd.testing.assert_frame_equal(view.quarantine(limit=None), full.quarantine(limit=None))
    pd.testing.assert_frame_equal(
        _rows(view, "customers", Scope()), _rows(full, "customers", Scope())
    )
