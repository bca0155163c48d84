"""The fast paths for typed sources give the same buckets and values as the full path.

A typed Parquet file is staged as a *view* (nothing copied; see
``reportgen.loading.stage``): its key is checked in one aggregate, only the rows with
an error are stored, identifiers that need no trimming are read as they are, NaN is
looked for once per file. Here every row of such files is compared with the same file
forced through the materialising path (``typed_view=False``), which parses every
value: quarantine listing, reconciliation under several scopes, loaded rows, the
latest date.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from reportgen.config import ReportConfig, load_config
from reportgen.errors import InputFileError
from reportgen.io import ReadLimits, read_file
from reportgen.loading import Dataset, Scope
from reportgen.loading.stage import _raw_table, stage_source
from reportgen.pipeline import compute_kpis

UNITS = [
    {"id": "alpha", "names": {"en": "Alpha", "zh-CN": "阿尔法"}, "aliases": ["A部"]},
    {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}},
]
NAN = float("nan")
INF = float("inf")

RESPONSES = [
    # response_id, customer_id, date, unit, csat (1-5), ltr (0-10, float), comment
    ("R01", "C1", dt.date(2025, 1, 10), "alpha", 5, 9.0, "good"),
    ("R02", " C2 ", dt.date(2025, 2, 10), "A部", 4, NAN, ""),  # NaN ltr: no answer
    ("R03", "NA", dt.date(2025, 3, 10), "Beta", 6, 8.0, None),  # csat out of range
    ("R01", "C1", dt.date(2025, 3, 11), "alpha", 3, 7.0, None),  # duplicate of row 1
    (None, "C3", dt.date(2025, 3, 12), "beta", 2, 5.0, None),  # id missing
    ("R06", "C4", None, "beta", 4, 6.0, None),  # date missing
    ("R07", "C5", dt.date(1899, 12, 31), "alpha", 4, 6.0, None),  # implausible date
    ("R08", "C6", dt.date(2025, 4, 2), "gamma", 4, 6.0, None),  # unknown unit
    ("R09", "C7", dt.date(2025, 4, 3), "NA", 4, 6.0, None),  # unit missing
    ("R10", None, dt.date(2025, 5, 5), " alpha ", 1, 10.0, "ok"),
    ("R11", "C8", dt.date(2025, 5, 6), "beta", 2, INF, None),  # ltr out of range
    ("R03", "C9", dt.date(2025, 5, 7), "beta", 3, 3.0, None),  # first *valid* R03: loaded
    ("R13", "C9", dt.date(2025, 6, 30), "beta", 9, 3.0, None),  # latest date, quarantined
    ("R14", "C9", dt.date(2025, 6, 20), "beta", 5, 0.0, None),  # the latest valid date
    ("R15", "C1", dt.date(2025, 6, 20), "alpha", None, None, None),
    ("R01", "C2", dt.date(2024, 12, 1), "beta", 4, 9.0, None),  # another repeat of R01
]
_RESPONSE_SCHEMA = pa.schema(
    [
        ("response_id", pa.string()),
        ("customer_id", pa.string()),
        ("date", pa.date32()),
        ("unit", pa.string()),
        ("csat", pa.int8()),
        ("ltr", pa.float64()),
        ("comment", pa.string()),
    ]
)

ORDERS = [
    # order_id, customer_id, date, unit, amount
    ("O1", "C1", dt.datetime(2025, 1, 5, 10), "alpha", 10.0),
    ("O2", " C2", dt.datetime(2025, 2, 5, 11), "beta", NAN),  # NaN amount: missing
    ("O3", "C3", dt.datetime(2025, 3, 5, 12), "beta", INF),  # not a number
    ("O4", "C1", dt.datetime(2025, 4, 5, 13), "alpha", None),  # amount missing
    ("O5", "NA", dt.datetime(2025, 5, 5, 14), "alpha", 30.0),  # customer missing
    ("O6", "C2", None, "alpha", 40.0),  # date missing
    ("O7", "C2", dt.datetime(2025, 6, 30, 23, 59), "beta", 50.0),
    ("O8", "C3", dt.datetime(2025, 6, 1), "beta", 60.5),
]
_ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.string()),
        ("date", pa.timestamp("ms")),
        ("unit", pa.string()),
        ("amount", pa.float64()),
    ]
)


def _write(path: Path, rows: list[tuple], schema: pa.Schema, row_group_size: int = 4) -> Path:
    columns = list(zip(*rows, strict=True))
    table = pa.table({f.name: pa.array(c, f.type) for f, c in zip(schema, columns, strict=True)})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def _project(root: Path, responses: list[tuple] = RESPONSES) -> ReportConfig:
    _write(root / "responses.parquet", responses, _RESPONSE_SCHEMA)
    _write(root / "orders.parquet", ORDERS, _ORDER_SCHEMA, row_group_size=3)
    cfg: dict[str, Any] = {
        "units": UNITS,
        "periods": {"plausible_from": "2000-01-01", "plausible_to": "2030-12-31"},
        "statistics": {"min_n": 1},
        "sources": {
            "responses": {
                "path": "responses.parquet",
                "scales": {"csat": {"min": 1, "max": 5}, "ltr": {"min": 0, "max": 10}},
            },
            "orders": {"path": "orders.parquet"},
        },
    }
    path = root / "reportgen.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_config(path)


def _dataset(config: ReportConfig, typed_view: bool) -> Dataset:
    from reportgen.engine.backend import connect

    con = connect()
    ds = Dataset(config=config, con=con)
    for name, source in config.sources.items():
        tag = "_v" if typed_view else "_m"
        ds.staged[name] = stage_source(con, name, source, config, tag=tag, typed_view=typed_view)
    return ds


def _rows(ds: Dataset, name: str, scope: Scope) -> pd.DataFrame:
    return ds.table(name, scope).to_pyarrow().to_pandas().sort_values("_row", ignore_index=True)


SCOPES = [
    Scope(),
    Scope(start=dt.date(2025, 1, 1), end=dt.date(2025, 4, 1)),
    Scope(units=("alpha",)),
    Scope(start=dt.date(2025, 4, 1), end=dt.date(2025, 7, 1), units=("beta",)),
]


def _sorted_responses() -> list[tuple]:
    """RESPONSES in ascending id order (repeats next to each other, in their order),
    with the row without an id in the middle."""
    rows = sorted((r for r in RESPONSES if r[0] is not None), key=lambda r: r[0])
    missing = [r for r in RESPONSES if r[0] is None]
    return rows[:6] + missing + rows[6:]


def _swapped(rows: list[tuple], i: int, j: int) -> list[tuple]:
    rows = list(rows)
    rows[i], rows[j] = rows[j], rows[i]
    assert rows[i + 1][0] is None and rows[i][0] > rows[j][0]
    return rows


#: valid rows only (a NaN answer, an id to trim, a unit alias are valid), then one row
#: group (of 4) with an out-of-range score, an implausible date and an infinite score
CLEAN_THEN_DIRTY = [
    *(r for r in RESPONSES if r[0] in ("R02", "R10", "R14", "R15")),
    ("R16", "C1", dt.date(2025, 1, 2), "beta", 5, 10.0, None),
    ("R17", "C2", dt.date(2025, 2, 2), "alpha", 1, 0.0, None),
    ("R18", "C3", dt.date(2025, 3, 2), "alpha", 3, 5.0, None),
    ("R19", "C4", dt.date(2025, 4, 2), "beta", 4, 7.0, None),
    ("R20", "C5", dt.date(2025, 5, 2), "alpha", 0, 5.0, None),  # csat out of range
    ("R21", "C6", dt.date(1999, 12, 31), "beta", 4, 5.0, None),  # implausible date
    ("R22", "C7", dt.date(2025, 5, 3), "beta", 4, INF, None),  # ltr out of range
    ("R23", "C8", dt.date(2025, 5, 4), "alpha", 2, 6.0, None),
]

VARIANTS = {
    "unordered keys": list(RESPONSES),
    # the statistics of the first two row groups prove every typed column clean, and
    # every unit value names a unit: the check reads the last group only
    "clean then one dirty group": CLEAN_THEN_DIRTY,
    "clean": CLEAN_THEN_DIRTY[:8],
    # a padded id: the key text is not the key; " R10" is R10
    "keys to trim": [
        *RESPONSES,
        ("R16 ", "C1", dt.date(2025, 6, 1), "alpha", 5, 9.0, None),
        (" R10", "C1", dt.date(2025, 6, 2), "alpha", 5, 9.0, None),
    ],
    "ordered keys": _sorted_responses(),
    # in order but for the rows around the missing id (R03, R06, -, R03): not ordered
    "ordered but across a gap": _swapped(_sorted_responses(), 5, 7),
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def pair(variant: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Dataset]:
    config = _project(tmp_path_factory.mktemp("typed"), VARIANTS[variant])
    return _dataset(config, typed_view=True), _dataset(config, typed_view=False)


def test_ordered_keys_are_checked_without_a_hash_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.loading import stage

    results: dict[str, object] = {}
    original = stage._ordered_key_pass

    def spy(con: Any, suffix: str, *args: Any) -> object:
        out = original(con, suffix, *args)
        results[suffix] = (
            None if out is None else sorted(out[0].to_pyarrow().to_pylist()[0:9], key=str)
        )
        return out

    monkeypatch.setattr(stage, "_ordered_key_pass", spy)
    for variant in ("ordered keys", "ordered but across a gap", "unordered keys"):
        root = tmp_path / variant.replace(" ", "_")
        root.mkdir()
        _dataset(_project(root, VARIANTS[variant]), typed_view=True)
        results[variant] = results.pop("responses_v")
    assert results["ordered keys"] == [{"response_id": "R01"}, {"response_id": "R03"}]
    assert results["ordered but across a gap"] is None
    assert results["unordered keys"] is None
    assert results["orders_v"] == []  # O1 … O8: in order, none repeated


def test_statistics_confine_the_check_to_the_row_groups_that_may_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.loading import stage

    suspects: dict[str, dict[str, object]] = {}
    original = stage._proven_by_statistics

    def spy(plans: list[Any], t: Any, path: Path, nan: set[str]) -> list[Any]:
        out = original(plans, t, path, nan)
        suspects[path.stem] = {p.col.name: p.suspect for p in out}
        return out

    monkeypatch.setattr(stage, "_proven_by_statistics", spy)
    ds = _dataset(_project(tmp_path, CLEAN_THEN_DIRTY), typed_view=True)
    # rows 9-12 (the third group of 4) hold the bad values; the rest is proven clean
    assert suspects["responses"] == {
        "response_id": None,  # text: not from statistics (the identifier scan)
        "customer_id": None,
        "date": (9, 12),
        "unit": (),  # every value present names a unit
        "csat": (9, 12),
        "ltr": (1, 12),  # holds a NaN (R02): never proven, checked in every group
        "comment": None,
    }
    # orders (groups of 3): the amount holds NaN (looked for per file, not per group:
    # every group may fail); a NULL date in group 2 (rows 4-6)
    assert suspects["orders"]["amount"] == (1, 8)
    assert suspects["orders"]["date"] == (4, 6)
    assert suspects["orders"]["unit"] == ()
    listed = ds.quarantine(limit=None)
    got = listed[listed.table == "responses"][["row", "column", "reason"]].values.tolist()
    assert got == [
        [9, "csat", "out_of_range"],
        [10, "date", "implausible_date"],
        [11, "ltr", "out_of_range"],
    ]
    (tmp_path / "planted").mkdir()
    _dataset(_project(tmp_path / "planted", RESPONSES), typed_view=True)
    assert suspects["responses"]["unit"] is None  # "gamma" names no unit, "NA" is missing
    assert suspects["responses"]["csat"] == (1, 16)  # 6 in group 1, 9 in group 4


def test_a_file_without_statistics_is_checked_row_by_row(tmp_path: Path) -> None:
    config = _project(tmp_path, CLEAN_THEN_DIRTY)
    path = tmp_path / "responses.parquet"
    pq.write_table(pq.read_table(path), path, row_group_size=4, write_statistics=False)
    listed = _dataset(config, typed_view=True).quarantine(limit=None)
    assert listed[listed.table == "responses"].row.tolist() == [9, 10, 11]


def test_a_source_column_named_row_is_replaced_by_the_position(tmp_path: Path) -> None:
    config = _project(tmp_path, CLEAN_THEN_DIRTY)
    path = tmp_path / "responses.parquet"
    table = pq.read_table(path)
    pq.write_table(table.append_column("_row", pa.array([7] * table.num_rows)), path)
    ds = _dataset(config, typed_view=True)
    assert _rows(ds, "responses", Scope())._row.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 12]
    listed = ds.quarantine(limit=None)
    assert listed[listed.table == "responses"].row.tolist() == [9, 10, 11]


def test_the_typed_files_are_views_not_copies(pair: tuple[Dataset, Dataset]) -> None:
    view, full = pair

    def staged(ds: Dataset) -> list[str]:
        tables = ds.con.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()
        return [t for (t,) in tables if t.startswith("staged_")]

    assert staged(view) == []
    assert sorted(staged(full)) == ["staged_orders_m", "staged_responses_m"]


def test_same_quarantine_listing(pair: tuple[Dataset, Dataset], variant: str) -> None:
    view, full = pair
    q = view.quarantine(limit=None)
    pd.testing.assert_frame_equal(q, full.quarantine(limit=None))
    if variant not in ("unordered keys", "keys to trim"):
        return  # the row numbers below are those of RESPONSES
    listed = {(r.table, r.row): (r.column, r.value, r.reason) for r in q.itertuples()}
    assert listed[("responses", 3)] == ("csat", "6", "out_of_range")
    assert listed[("responses", 5)] == ("response_id", None, "missing_required")
    assert listed[("responses", 6)] == ("date", None, "missing_required")
    assert listed[("responses", 7)][2] == "implausible_date"
    assert listed[("responses", 8)] == ("unit", "gamma", "unknown_unit")
    assert listed[("responses", 9)] == ("unit", "NA", "missing_required")
    assert listed[("responses", 11)] == ("ltr", "inf", "out_of_range")
    assert listed[("orders", 2)] == ("amount", "nan", "missing_required")  # NaN is missing
    assert listed[("orders", 3)] == ("amount", "inf", "bad_number")
    assert listed[("orders", 4)] == ("amount", None, "missing_required")
    assert listed[("orders", 5)] == ("customer_id", "NA", "missing_required")
    assert ("responses", 2) not in listed  # NaN score: no answer, not an error


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_same_reconciliation_and_loaded_rows(pair: tuple[Dataset, Dataset], scope: Scope) -> None:
    view, full = pair
    assert view.reconcile(scope) == full.reconcile(scope)
    for name in ("responses", "orders"):
        pd.testing.assert_frame_equal(_rows(view, name, scope), _rows(full, name, scope))


def test_buckets_of_the_planted_rows(pair: tuple[Dataset, Dataset], variant: str) -> None:
    view, _ = pair
    if variant.startswith("clean"):
        return  # other rows (compared with the full path in the tests above)
    loaded = _rows(view, "responses", Scope()).set_index("response_id")
    assert loaded.loc["R01", "date"] == pd.Timestamp("2025-01-10")  # the first R01 wins
    assert loaded.loc["R03", "date"] == pd.Timestamp("2025-05-07")  # the first R03 failed
    assert loaded.loc["R02", "customer_id"] == "C2"  # trimmed
    assert math.isnan(loaded.loc["R02", "ltr"])  # NaN → no answer (NULL)
    assert pd.isna(loaded.loc["R02", "comment"])
    assert loaded.loc["R10", "unit"] == "alpha"
    assert loaded.loc["R02", "unit"] == "alpha"  # alias
    rec = {r.table: r for r in view.reconcile(Scope())}["responses"]
    assert rec.balanced and rec.filtered["duplicate"] >= 2  # R01 twice (and more, by variant)
    orders = _rows(view, "orders", Scope()).set_index("_row")
    assert set(orders.index) == {1, 7, 8}
    assert orders.loc[8, "amount"] == 60.5


def test_latest_date_skips_quarantined_rows(pair: tuple[Dataset, Dataset]) -> None:
    view, full = pair
    # R13 (2025-06-30) is quarantined; the orders' latest (2025-06-30) is valid
    assert view.max_event_date() == full.max_event_date() == dt.date(2025, 6, 30)
    only = [Dataset(ds.config, ds.con, {"responses": ds.staged["responses"]}) for ds in pair]
    assert only[0].max_event_date() == only[1].max_event_date() == dt.date(2025, 6, 20)


def test_nan_hidden_by_parquet_statistics_is_found(tmp_path: Path) -> None:
    # min/max statistics of a row group leave NaN out; DuckDB folds isnan() from them
    config = _project(tmp_path)
    ds = _dataset(config, typed_view=True)
    q = ds.quarantine(limit=None)
    assert ((q.table == "orders") & (q.row == 2) & (q.reason == "missing_required")).any()
    ltr = _rows(ds, "responses", Scope()).set_index("_row").ltr
    assert math.isnan(ltr.loc[2])  # not counted as a promoter (NaN sorts above 10)


def test_kpis_over_typed_files(tmp_path: Path) -> None:
    config = _project(tmp_path)
    report = compute_kpis(config, period="2025Q2", today=dt.date(2025, 7, 15))
    sc = report.scorecard.set_index(["kpi", "unit"])
    # 2025Q2 loaded responses: R10 (alpha, csat 1), R03 (beta, 3), R14 (beta, 5), R15 (no csat)
    assert sc.loc[("csat", "all"), "n"] == 3
    assert sc.loc[("csat", "all"), "value"] == pytest.approx(1 / 3)
    # 2025Q2 orders: O7 (50.0) and O8 (60.5), both beta
    assert sc.loc[("aov", "beta"), "value"] == pytest.approx(55.25)
    assert all(r.balanced for r in report.reconciliation)


def test_a_file_changed_during_the_run_is_an_error(tmp_path: Path) -> None:
    config = _project(tmp_path)
    ds = _dataset(config, typed_view=True)
    ds.reconcile(Scope())
    _write(tmp_path / "orders.parquet", ORDERS[:3], _ORDER_SCHEMA)
    with pytest.raises(InputFileError, match="changed while the report was computed"):
        ds.reconcile(Scope())


def test_spilled_text_keeps_its_source_row_numbers(tmp_path: Path) -> None:
    lines = "".join(f"{i},x\n" for i in range(1, 21))
    path = tmp_path / "big.csv"
    path.write_text("n,tag\n\n" + lines + "1,2,3\n" + "21,y\n", encoding="utf-8")
    raw = read_file(path, spill_dir=tmp_path / "spill", limits=ReadLimits(spill_after_rows=5))
    assert raw.parquet_path is not None
    t = _raw_table(ibis.duckdb.connect(), "big", raw)
    assert t.columns == ("n", "tag", "_row")  # the reader's row numbers, nothing else
    rows = t.order_by("_row").select("_row", "n").to_pyarrow().to_pylist()
    # header on line 1, a blank line 2, data from line 3; the ragged line 23 is rejected
    assert rows[0] == {"_row": 3, "n": "1"}
    assert rows[-1] == {"_row": 24, "n": "21"}


def _dated_responses() -> list[tuple]:
    """40 responses in date order (2025-01-01 … 2025-05-27, every 4 days), with a
    quarantined row (csat 9), a repeated id and a NULL date (quarantined) among them."""
    rows = [
        (f"R{i:02d}", f"C{i % 7}", dt.date(2025, 1, 1) + dt.timedelta(days=4 * i), "alpha", 4, 8.0)
        for i in range(40)
    ]
    rows[6] = (*rows[6][:4], 9, 8.0)  # out of range: quarantined
    rows[13] = ("R12", *rows[13][1:])  # repeats R12: filtered as a duplicate
    rows[22] = (rows[22][0], rows[22][1], None, *rows[22][3:])  # no date: quarantined
    return [(*r, None) for r in rows]


@pytest.mark.parametrize(
    "start, end",
    [
        (dt.date(2025, 1, 25), dt.date(2025, 4, 1)),  # edges inside row groups
        (dt.date(2025, 1, 1), dt.date(2025, 7, 1)),  # every row inside
        (dt.date(2026, 1, 1), dt.date(2026, 4, 1)),  # every row outside
        (dt.date(2025, 1, 21), dt.date(2025, 3, 12)),  # a start on a row group's first day
    ],
)
def test_row_groups_wholly_in_or_out_of_the_window_are_counted_from_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: dt.date, end: dt.date
) -> None:
    from reportgen import loading

    decided: list[object] = []
    original = loading._whole_row_groups

    def spy(name: str, staged: Any, scope: Scope) -> object:
        out = original(name, staged, scope)
        if name == "responses":
            decided.append(out)
        return out

    monkeypatch.setattr(loading, "_whole_row_groups", spy)
    config = _project(tmp_path, _dated_responses())
    _write(tmp_path / "responses.parquet", _dated_responses(), _RESPONSE_SCHEMA, row_group_size=5)
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    scope = Scope(start=start, end=end)
    got = {r.table: r for r in view.reconcile(scope)}
    assert got == {r.table: r for r in full.reconcile(scope)}
    assert decided and decided[0] is not None  # the statistics decided some row groups
    loaded, outside, spans = decided[0]  # type: ignore[misc]
    rec = got["responses"]
    assert rec.balanced and rec.quarantined == 2 and rec.filtered["duplicate"] == 1
    assert rec.loaded + rec.filtered["period"] == 37
    if start == dt.date(2025, 1, 1):
        assert (loaded, outside, spans) == (37, 0, [])  # nothing read
    if start == dt.date(2026, 1, 1):
        # the group with the NULL date (rows 21-25) is read: a NULL is not outside
        assert (loaded, outside, spans) == (0, 33, [(21, 25)])
    if end == dt.date(2025, 4, 1):
        # 01-25 is row 7 (group 2: rows 6-10); 04-01 falls in rows 21-25 (90 days in)
        assert spans == [(6, 10), (21, 25)]


def test_what_each_parser_accepts_from_a_row_groups_bounds() -> None:
    """The proofs behind skipping a row group's check (reportgen.loading.stage): the
    parser must accept every value between the bounds; anything it cannot vouch for
    (fractions, time zones, n/a codes, overflow, another kind of value) is refused."""
    from reportgen.config import DateSettings, Scale
    from reportgen.loading import normalize as nz

    number = nz.number_parser().accepts
    assert number and number(-5, 2.5) and not number(0.0, float("inf"))
    assert not number(True, True) and not number("1", "2")

    count = nz.integer_parser().accepts
    assert count and count(0, 2**53 - 1)
    assert not count(0, 2**53)  # as a double, 2**63 - 1 rounds up: not a count
    assert not count(-1, 3) and not count(0.0, 3.0)  # a float column may hold 1.5

    score = nz.score_parser(Scale(min=1, max=5, na_codes=(99,))).accepts
    assert score and score(1, 5) and score(2.0, 4.0)
    assert not score(1, 99)  # 6 … 98 would be out of range
    assert not score(0, 5) and not score(1, float("nan"))

    when = nz.timestamp_parser(
        DateSettings(), plausible=(dt.date(2010, 1, 1), dt.date(2030, 12, 31))
    ).accepts
    assert when and when(dt.date(2010, 1, 1), dt.datetime(2030, 12, 31, 23, 59, 59))
    assert not when(dt.date(2009, 12, 31), dt.date(2020, 1, 1))
    assert not when(dt.date(2020, 1, 1), dt.datetime(2030, 12, 31, 23, 59, 59, 500_000))
    aware = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert not when(aware, aware) and not when(40000, 45000)  # no zone, no serials

    flag = nz.bool_parser(("y",), ("n",)).accepts
    assert flag and flag(False, True) and not flag(0, 1)
    assert nz.id_parser().accepts is None and nz.unit_parser({"a": "a"}).accepts is None


_ORDER_TYPES = {
    # how else an export may type the orders' date and amount columns
    "nanosecond timestamps": (pa.timestamp("ns"), pa.float64()),
    "zoned timestamps": (pa.timestamp("ms", tz="Asia/Shanghai"), pa.float64()),
    "dates": (pa.date32(), pa.float64()),
    "decimal amounts": (pa.timestamp("us"), pa.decimal128(12, 2)),
    "integer amounts": (pa.timestamp("us"), pa.int32()),
}


@pytest.mark.parametrize("kind", list(_ORDER_TYPES))
def test_other_column_types_give_the_same_buckets(tmp_path: Path, kind: str) -> None:
    """The proofs from statistics only where they hold: every typing of the columns
    gives the full path's buckets, for clean row groups and dirty ones."""
    import decimal

    date_type, amount_type = _ORDER_TYPES[kind]

    def amount(x: float | None) -> object:
        if x is None or not math.isfinite(x):
            return None
        if pa.types.is_decimal(amount_type):
            return decimal.Decimal(f"{x:.2f}")
        return int(x) if pa.types.is_integer(amount_type) else x

    def when(x: dt.datetime | None) -> object:
        return x.date() if x is not None and pa.types.is_date(date_type) else x

    clean = [(f"Q{i}", "C1", dt.datetime(2025, 1, 1 + i, 9), "alpha", 10.0 + i) for i in range(6)]
    rows = clean + list(ORDERS) + [("Q9", "C2", dt.datetime(1999, 1, 1), "beta", 1e6)]
    schema = pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("date", date_type),
            ("unit", pa.string()),
            ("amount", amount_type),
        ]
    )
    config = _project(tmp_path)
    typed = [(o, c, when(d), u, amount(a)) for o, c, d, u, a in rows]
    _write(tmp_path / "orders.parquet", typed, schema, row_group_size=3)
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    pd.testing.assert_frame_equal(view.quarantine(limit=None), full.quarantine(limit=None))
    for scope in SCOPES:
        assert view.reconcile(scope) == full.reconcile(scope)
        pd.testing.assert_frame_equal(_rows(view, "orders", scope), _rows(full, "orders", scope))
    listed = view.quarantine(limit=None)
    assert 15 in listed[listed.table == "orders"].row.tolist()  # the 1999 order


def _responses_at(root: Path, when: list[Any], date_type: pa.DataType) -> None:
    n = len(when)
    table = pa.table(
        {
            "response_id": [f"R{i}" for i in range(n)],
            "customer_id": ["C1"] * n,
            "date": pa.array(when, date_type),
            "unit": ["alpha"] * n,
            "csat": pa.array([4] * n, pa.int8()),
            "ltr": [8.0] * n,
            "comment": pa.array([None] * n, pa.string()),
        }
    )
    pq.write_table(table, root / "responses.parquet", row_group_size=4)


def test_a_nanosecond_timestamp_rounded_into_the_next_day_is_in_that_days_window(
    tmp_path: Path,
) -> None:
    # the engine rounds nanoseconds to its microseconds: 23:59:59.9999997 on 31 March
    # is 1 April; the statistics and the raw-date window must not put it in March
    config = _project(tmp_path)
    when = ["2025-03-01", "2025-03-10", "2025-03-20", "2025-03-31 23:59:59.9999997"]
    _responses_at(tmp_path, [pd.Timestamp(w) for w in when], pa.timestamp("ns"))
    # one older order: the responses hold the latest event date
    _write(tmp_path / "orders.parquet", ORDERS[:1], _ORDER_SCHEMA)
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    # the latest date is the canonical one (1 April; "latest" periods follow it)
    assert view.max_event_date() == full.max_event_date() == dt.date(2025, 4, 1)
    for start, end in (((2025, 1, 1), (2025, 4, 1)), ((2025, 4, 1), (2025, 7, 1))):
        scope = Scope(start=dt.date(*start), end=dt.date(*end))
        assert view.reconcile(scope) == full.reconcile(scope)
        pd.testing.assert_frame_equal(
            _rows(view, "responses", scope), _rows(full, "responses", scope)
        )
    april = _rows(view, "responses", Scope(start=dt.date(2025, 4, 1), end=dt.date(2025, 7, 1)))
    assert april.date.tolist() == [pd.Timestamp("2025-04-01")]


def test_a_timestamp_beyond_pythons_calendar_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    # a microsecond count written as milliseconds: the year 20983, which pyarrow cannot
    # turn into a statistic; that row group is checked row by row
    config = _project(tmp_path)
    _responses_at(tmp_path, [dt.datetime(2025, 3, d) for d in (1, 2, 3, 4)], pa.timestamp("ms"))
    table = pq.read_table(tmp_path / "responses.parquet")
    ms = table.column("date").cast(pa.int64()).to_pylist()[:3] + [600_000_000_000_000]
    table = table.set_column(2, "date", pa.array(ms).cast(pa.timestamp("ms")))
    pq.write_table(table, tmp_path / "responses.parquet", row_group_size=4)
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    pd.testing.assert_frame_equal(view.quarantine(limit=None), full.quarantine(limit=None))
    listed = view.quarantine(limit=None)
    assert listed[listed.table == "responses"].reason.tolist() == ["implausible_date"]
    scope = Scope(start=dt.date(2025, 1, 1), end=dt.date(2025, 4, 1))
    assert view.reconcile(scope) == full.reconcile(scope)


def test_nan_hidden_from_the_statistics_is_never_proven_away(tmp_path: Path) -> None:
    # the row group's statistics say 5..5 for ltr, which also holds a NaN: the column is
    # checked row by row, as on the full path (found by an independent review)
    config = _project(tmp_path)
    _responses_at(tmp_path, [dt.date(2025, 5, 6 + i) for i in range(3)], pa.date32())
    table = pq.read_table(tmp_path / "responses.parquet")
    table = table.set_column(5, "ltr", pa.array([5.0, 5.0, NAN]))
    pq.write_table(table, tmp_path / "responses.parquet")
    view, full = _dataset(config, typed_view=True), _dataset(config, typed_view=False)
    pd.testing.assert_frame_equal(view.quarantine(limit=None), full.quarantine(limit=None))
    assert view.reconcile(Scope()) == full.reconcile(Scope())
