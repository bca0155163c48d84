"""Every input case of RELIABILITY.md through the loading pipeline, with real files.

Most score and date cases live in one survey CSV (one row per case, so the
quarantine listing can be asserted exactly); file-level cases (workbooks, wrong
formats, mapping errors, targets) get their own small project.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Project, write_csv
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from reportgen.config import load_config
from reportgen.engine.backend import connect
from reportgen.errors import InputFileError, MappingError
from reportgen.loading import Dataset, Scope, load_dataset, stage_source
from reportgen.pipeline import KpiReport, compute_kpis

TODAY = dt.date(2025, 6, 1)
REPO = Path(__file__).resolve().parent.parent

HEADER = ["response_id", "customer_id", "date", "unit", "csat", "ltr", "effort", "product_fit",
          "comment"]  # fmt: skip
#: One row per case: (case name, row). The CSV line of a row is its index + 2.
CASES: list[tuple[str, list[Any]]] = [
    ("plain", ["r01", "000123", "2025-01-10", "alpha", "5", "10分", "1", "5", "很好"]),
    ("label & full-width", ["r02", "000456", "2025-01-11", "alpha", "非常满意", "８", "7", "0",
                            "NA"]),
    ("chinese date", ["r03", "0789", "2025年3月5日", "alpha", "3", "6", "2", "99", "None"]),
    ("day > 12", ["r04", "c4", "25/03/2025", "alpha", "NA", "9", None, "3", "null"]),
    ("month first, day > 12", ["r05", "c5", "03/25/2025", "alpha", "None", "0", None, "4",
                               None]),
    ("excel serial in text", ["r06", "c6", "45721", "alpha", "不满意", "7", None, None, None]),
    ("alias, suffix", ["r07", "c7", "2025-02-01", "A部", "4分", "１０", None, "1", None]),
    ("csat 11", ["r08", "c8", "2025-02-02", "alpha", "11", "5", None, None, None]),
    ("ltr -1", ["r09", "c9", "2025-02-03", "alpha", "4", "-1", None, None, None]),
    ("ambiguous", ["r10", "c10", "05/03/2025", "alpha", "4", "5", None, None, None]),
    ("implausible", ["r11", "c11", "1899-12-31", "alpha", "4", "5", None, None, None]),
    ("unknown unit", ["r12", "c12", "2025-02-04", "测试部", "4", "5", None, None, None]),
    ("bad label", ["r13", "c13", "2025-02-05", "alpha", "还行", "5", None, None, None]),
    ("email as unit", ["r14", "c14", "2025-02-06", "zhang.san@example.com", "4", "5", None, None,
                       None]),
    ("phone as score", ["r15", "c15", "2025-02-07", "alpha", "13912345678", "5", None, None,
                        None]),
    ("duplicate of r01", ["r01", "c99", "2025-02-08", "alpha", "1", "0", "7", "1", "dup"]),
    ("impossible day", ["r16", "c16", "2025-02-30", "alpha", "4", "5", None, None, None]),
    ("future", ["r17", "c17", "2150-01-01", "alpha", "4", "5", None, None, None]),
    ("effort 0", ["r18", "c18", "2025-02-09", "alpha", "4", "5", "0", None, None]),
    ("missing id", [None, "c19", "2025-02-10", "alpha", "4", "5", None, None, None]),
    ("pandas blanks", ["r20", "c20", "2025-02-11", "alpha", "nan", "NaN", None, None, "nan"]),
]  # fmt: skip
ROW = {name: i + 2 for i, (name, _) in enumerate(CASES)}

SURVEY_SOURCE: dict[str, Any] = {
    "scales": {
        "csat": {"min": 1, "max": 5,
                 "labels": {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1}},
        "effort": {"min": 1, "max": 7, "reversed": True},
        "product_fit": {"min": 1, "max": 5, "na_codes": [0, 99]},
    },
}  # fmt: skip


def _quarantine_rows(q: pd.DataFrame) -> list[tuple[int, str | None, str | None, str]]:
    return [
        (int(r.row), r.column, None if pd.isna(r.value) else r.value, r.reason)
        for r in q.itertuples()
    ]


@pytest.fixture(scope="module")
def survey_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = Project(tmp_path_factory.mktemp("survey"))
    project.table("responses", HEADER, [row for _, row in CASES], **SURVEY_SOURCE)
    return project.config()


@pytest.fixture(scope="module")
def survey(survey_project: Path) -> Dataset:
    return load_dataset(load_config(survey_project))


@pytest.fixture(scope="module")
def loaded(survey: Dataset) -> pd.DataFrame:
    t = survey.table("responses", Scope()).execute()
    return t.sort_values("_row").set_index("response_id")


@pytest.fixture(scope="module")
def survey_report(survey_project: Path) -> KpiReport:
    return compute_kpis(load_config(survey_project), period="2025Q1", today=TODAY)


# -- the quarantine listing --------------------------------------------------------------------


def test_survey_quarantine_listing_is_exact(survey: Dataset) -> None:
    q = survey.quarantine()
    assert set(q.table) == {"responses"}
    assert set(q.file) == {str(survey.staged["responses"].raw.source)}
    assert _quarantine_rows(q) == [
        (ROW["csat 11"], "csat", "11", "out_of_range"),
        (ROW["ltr -1"], "ltr", "-1", "out_of_range"),
        (ROW["ambiguous"], "date", "05/03/2025", "ambiguous_date"),
        (ROW["implausible"], "date", "1899-12-31", "implausible_date"),
        (ROW["unknown unit"], "unit", "测试部", "unknown_unit"),
        (ROW["bad label"], "csat", "还行", "bad_score"),
        (ROW["email as unit"], "unit", "[email]", "unknown_unit"),
        (ROW["phone as score"], "csat", "[phone]", "out_of_range"),
        (ROW["impossible day"], "date", "2025-02-30", "bad_date"),
        (ROW["future"], "date", "2150-01-01", "implausible_date"),
        (ROW["effort 0"], "effort", "0", "out_of_range"),
        (ROW["missing id"], "response_id", None, "missing_required"),
    ]


def test_personal_data_never_reaches_the_listing(survey: Dataset) -> None:
    text = survey.quarantine().to_csv()
    assert "zhang.san" not in text and "13912345678" not in text


def test_survey_reconciliation(survey: Dataset, survey_report: KpiReport) -> None:
    for r in (*survey.reconcile(Scope()), *survey_report.reconciliation):
        assert r.balanced
        assert r.read == len(CASES) and r.quarantined == 12
        assert r.filtered["duplicate"] == 1
        assert r.loaded == len(CASES) - 12 - 1 - r.filtered["period"] - r.filtered["unit"]
        assert r.quarantine_reasons == {
            "ambiguous_date": 1, "bad_date": 1, "bad_score": 1, "implausible_date": 2,
            "missing_required": 1, "out_of_range": 4, "unknown_unit": 2,
        }  # fmt: skip


# -- scores ------------------------------------------------------------------------------------


def test_text_scores_are_normalised(loaded: pd.DataFrame) -> None:
    assert loaded.ltr["r01"] == 10  # "10分"
    assert loaded.ltr["r02"] == 8  # full-width "８"
    assert loaded.ltr["r07"] == 10  # full-width "１０"
    assert loaded.csat["r02"] == 5  # 非常满意
    assert loaded.csat["r06"] == 2  # 不满意
    assert loaded.csat["r07"] == 4  # "4分"


def test_reversed_scale_is_flipped(loaded: pd.DataFrame) -> None:
    assert loaded.effort["r01"] == 7 and loaded.effort["r02"] == 1 and loaded.effort["r03"] == 6


def test_not_applicable_codes_become_missing(loaded: pd.DataFrame) -> None:
    assert pd.isna(loaded.product_fit["r02"])  # 0
    assert pd.isna(loaded.product_fit["r03"])  # 99
    assert loaded.product_fit["r04"] == 3


def test_na_text_is_missing_in_scores_but_text_in_comments(loaded: pd.DataFrame) -> None:
    assert pd.isna(loaded.csat["r04"]) and pd.isna(loaded.csat["r05"])  # "NA", "None"
    assert loaded.comment["r02"] == "NA"
    assert loaded.comment["r03"] == "None"
    assert loaded.comment["r04"] == "null"
    assert pd.isna(loaded.comment["r05"])  # an empty cell is missing
    # "nan"/"NaN": how pandas writes a blank (missing by default, as in pandas)
    assert pd.isna(loaded.csat["r20"]) and pd.isna(loaded.ltr["r20"])
    assert loaded.comment["r20"] == "nan"


def test_means_and_shares_count_only_real_answers(survey_report: KpiReport) -> None:
    sc = survey_report.scorecard.set_index(["kpi", "unit"])
    # csat: r01 5, r02 5, r03 3, r04 NA, r05 None, r06 2, r07 4 ⇒ n 5, top two 3
    assert sc.loc[("csat", "alpha"), "n"] == 5
    assert sc.loc[("csat", "alpha"), "value"] == pytest.approx(3 / 5)
    # product fit 1-5, n/a 0 and 99: 5, 3, 4, 1 ⇒ n 4
    assert sc.loc[("attr_product_fit", "alpha"), "n"] == 4
    assert sc.loc[("attr_product_fit", "alpha"), "value"] == pytest.approx(13 / 4)
    # effort reversed: 1→7, 7→1, 2→6
    assert sc.loc[("ces", "alpha"), "value"] == pytest.approx(14 / 3)
    # ltr: 10, 8, 6, 9, 0, 7, 10 ⇒ P 3, D 2 of 7
    assert sc.loc[("nps", "alpha"), "n"] == 7
    assert sc.loc[("nps", "alpha"), "value"] == pytest.approx(100 / 7)


def test_configured_date_formats_come_first_also_with_dots_and_dashes(project: Project) -> None:
    # formats: ["%d.%m.%Y", "%d-%m-%Y"] were never tried on 05.03.2026 or 05-03-2026: the
    # text was rewritten to 05/03/2026 and quarantined as ambiguous_date
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat"],
        [["r1", "05.03.2025", "alpha", "5"], ["r2", "06-03-2025", "alpha", "4"],
         ["r3", "2025-03-07", "alpha", "4"], ["r4", "03/08/2025", "alpha", "4"]],
        dates={"formats": ["%d.%m.%Y", "%d-%m-%Y"]},
    )  # fmt: skip
    ds = load_dataset(load_config(project.config()))
    q = ds.quarantine()
    # a slashed day/month none of the formats covers is still never guessed
    assert _quarantine_rows(q) == [(5, "date", "03/08/2025", "ambiguous_date")]
    t = ds.table("responses", Scope()).execute().sort_values("_row")
    assert [pd.Timestamp(d).date() for d in t.date] == [
        dt.date(2025, 3, 5), dt.date(2025, 3, 6), dt.date(2025, 3, 7)
    ]  # fmt: skip


def test_infinity_written_as_a_score_is_a_bad_score(project: Project) -> None:
    # "inf" parsed as a float above 5: quarantined as out_of_range, a misleading reason.
    # ("nan" and "NaN" are missing-value spellings by default: no answer.)
    scores = ["nan", "inf", "-Infinity", "NaN", "4"]
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat"],
        [[f"r{i}", "2025-01-10", "alpha", v] for i, v in enumerate(scores)],
    )
    ds = load_dataset(load_config(project.config()))
    assert [(r, v, why) for r, _, v, why in _quarantine_rows(ds.quarantine())] == [
        (3, "inf", "bad_score"),
        (4, "-Infinity", "bad_score"),
    ]
    csat = ds.staged["responses"].values.execute().sort_values("_row").csat
    assert csat.isna().tolist() == [True, True, True, True, False]


def test_nan_in_a_typed_score_column_is_missing_not_an_answer(project: Project) -> None:
    # Parquet float columns can hold NaN. DuckDB orders NaN above every number (so a NaN
    # that slipped through would count in the top box), and it folds isnan() and range
    # checks from the file's min/max statistics, which leave NaN out. No nulls and no
    # inf in the column, so the statistics are exactly what triggers that folding.
    pq.write_table(pa.table({
        "response_id": ["r1", "r2", "r3", "r4", "r5"],
        "date": pa.array([dt.date(2025, 1, 10)] * 5, pa.date32()),
        "unit": ["alpha"] * 5,
        "csat": pa.array([5.0, float("nan"), 2.0, 4.0, 3.0]),
        "product_fit": pa.array([4.0, 2.0, float("nan"), 9.0, float("nan")]),
        "ltr": pa.array([10, 9, None, 3, 8], pa.int64()),
    }), project.root / "responses.parquet")  # fmt: skip
    project.sources["responses"] = {"path": "responses.parquet"}
    report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    assert _quarantine_rows(report.quarantine) == [(4, "product_fit", "9.0", "out_of_range")]
    sc = report.scorecard.set_index(["kpi", "unit"])
    assert sc.loc[("csat", "alpha"), "n"] == 3  # 5, 2, 3 (r4 is quarantined; r2 NaN)
    assert sc.loc[("csat", "alpha"), "value"] == pytest.approx(1 / 3)
    assert sc.loc[("attr_product_fit", "alpha"), "n"] == 2  # 4 and 2
    assert sc.loc[("attr_product_fit", "alpha"), "value"] == pytest.approx(3.0)
    assert sc.loc[("nps", "alpha"), "n"] == 3  # 10, 9, 8


@pytest.mark.parametrize("typed_view", [True, False])
def test_nan_beside_one_repeated_value_is_missing_too(project: Project, typed_view: bool) -> None:
    # The other shape of the statistics: min == max (here 5.0 and 2.0), NaN left out.
    # DuckDB 2.0.1 reads such a column as that one value when it casts it to text, so a
    # NaN test on the text alone said "not NaN" and the range check quarantined the row.
    pq.write_table(pa.table({
        "response_id": ["r1", "r2", "r3"],
        "date": pa.array([dt.date(2025, 1, 10)] * 3, pa.date32()),
        "unit": ["alpha"] * 3,
        "csat": pa.array([5.0, 5.0, float("nan")]),
        "ltr": pa.array([float("nan"), 9.0, 9.0]),
    }), project.root / "responses.parquet")  # fmt: skip
    pq.write_table(pa.table({
        "ticket_id": ["t1", "t2", "t3"],
        "unit": ["alpha"] * 3,
        "opened_at": pa.array([dt.datetime(2025, 1, 10, 9)] * 3, pa.timestamp("us")),
        "contacts": pa.array([2.0, float("nan"), 2.0]),
    }), project.root / "tickets.parquet")  # fmt: skip
    project.sources["responses"] = {"path": "responses.parquet"}
    project.sources["tickets"] = {"path": "tickets.parquet"}
    config = load_config(project.config())
    con = connect()
    for name in ("responses", "tickets"):
        source = getattr(config.sources, name)
        staged = stage_source(con, name, source, config, typed_view=typed_view)
        assert staged.n_errors == 0, name
        values = staged.values.order_by("_row").to_pyarrow().to_pydict()
        if name == "responses":
            assert values["csat"] == [5.0, 5.0, None]  # NaN is no answer
            assert values["ltr"] == [None, 9.0, 9.0]
        else:
            assert values["contacts"] == [2, None, 2]


def test_odd_numbers_are_quarantined_not_a_crash(project: Project) -> None:
    # counts beyond int64, NaN/inf in typed columns, float ids: each row is accounted
    # for; none of them may abort the load with an engine error
    project.table("tickets", ["ticket_id", "unit", "opened_at", "contacts"], [
        ["t1", "alpha", "2025-01-10 09:00", "1e20"],
        ["t2", "alpha", "2025-01-10 09:00", "99999999999999999999"],
        ["t3", "alpha", "2025-01-10 09:00", "2.5"],
        ["t4", "alpha", "2025-01-10 09:00", "-1"],
        ["t5", "alpha", "2025-01-10 09:00", "3"],
    ])  # fmt: skip
    pq.write_table(pa.table({
        "order_id": pa.array([1.0, 2.0, float("nan"), 4.0, 5.0]),
        "customer_id": pa.array([123.0, 1e20, 7.0, float("inf"), 8.0]),
        "date": pa.array([dt.date(2025, 1, 10)] * 5, pa.date32()),
        "unit": ["alpha"] * 5,
        "amount": pa.array([10.0, 20.0, 30.0, float("nan"), float("inf")]),
    }), project.root / "orders.parquet")  # fmt: skip
    project.sources["orders"] = {"path": "orders.parquet"}
    ds = load_dataset(load_config(project.config()))
    q = ds.quarantine()
    assert _quarantine_rows(q[q.table == "tickets"]) == [
        (2, "contacts", "1e20", "bad_integer"),
        (3, "contacts", "99999999999999999999", "bad_integer"),
        (4, "contacts", "2.5", "bad_integer"),
        (5, "contacts", "-1", "bad_integer"),
    ]
    assert _quarantine_rows(q[q.table == "orders"]) == [
        (3, "order_id", "nan", "missing_required"),
        (4, "amount", "nan", "missing_required"),
        (5, "amount", "inf", "bad_number"),
    ]
    orders = ds.table("orders", Scope()).execute().sort_values("_row")
    assert orders.order_id.tolist() == ["1", "2"]
    assert orders.customer_id.tolist() == ["123", "1e+20"]
    assert ds.table("tickets", Scope()).execute().contacts.tolist() == [3]
    for rec in ds.reconcile(Scope()):
        assert rec.balanced and rec.read == 5


def test_amounts_thousands_separators_but_no_guessed_decimal_comma(project: Project) -> None:
    # "85%" is no amount (it loaded as 0.85); percentages are for targets and benchmarks
    amounts = ["1,234.50", "¥1,234", "RMB 2,000", "１，２３４", "-1,234", "12,5", "1.234,50", "85%"]
    project.table(
        "orders",
        ["order_id", "customer_id", "date", "unit", "amount"],
        [[f"o{i}", "c1", "2025-01-10", "alpha", a] for i, a in enumerate(amounts)],
    )
    ds = load_dataset(load_config(project.config()))
    assert _quarantine_rows(ds.quarantine()) == [
        (7, "amount", "12,5", "bad_number"),  # 12.5 or 125? never guessed
        (8, "amount", "1.234,50", "bad_number"),
        (9, "amount", "85%", "bad_number"),
    ]
    t = ds.table("orders", Scope()).execute().sort_values("_row")
    assert t.amount.tolist() == [1234.5, 1234.0, 2000.0, 1234.0, -1234.0]


def test_a_european_export_declares_its_decimal_comma(project: Project) -> None:
    # decimal: "," — 1.234,50 is 1234.5, 99,90 is 99.9, 1.234 is 1234 (thousands);
    # a "." that groups nothing is no number there
    amounts = ["1.234,50", "99,90", "1.234", "€ 12", "1.5", "-2.000.000,5"]
    project.table(
        "orders",
        ["order_id", "customer_id", "date", "unit", "amount"],
        [[f"o{i}", "c1", "2025-01-10", "alpha", a] for i, a in enumerate(amounts)],
        decimal=",",
    )
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat", "product_fit"],
        [["r1", "2025-01-10", "alpha", "4,5", "3"], ["r2", "2025-01-10", "alpha", "4.5", "3"]],
        decimal=",",
    )
    ds = load_dataset(load_config(project.config()))
    q = ds.quarantine()
    assert _quarantine_rows(q[q.table == "orders"]) == [
        (5, "amount", "€ 12", "bad_number"),  # (a currency the parser does not know)
        (6, "amount", "1.5", "bad_number"),
    ]
    assert _quarantine_rows(q[q.table == "responses"]) == [(3, "csat", "4.5", "bad_score")]
    t = ds.table("orders", Scope()).execute().sort_values("_row")
    assert t.amount.tolist() == [1234.5, 99.9, 1234.0, -2000000.5]
    r = ds.table("responses", Scope()).execute().sort_values("_row")
    assert r.csat.tolist() == [4.5]


# -- dates -------------------------------------------------------------------------------------


def test_dates_in_every_accepted_shape(loaded: pd.DataFrame) -> None:
    dates = {k: pd.Timestamp(v).date() for k, v in loaded.date.items()}
    assert dates["r03"] == dt.date(2025, 3, 5)  # 2025年3月5日
    assert dates["r04"] == dt.date(2025, 3, 25)  # 25/03/2025: only day-first is possible
    assert dates["r05"] == dt.date(2025, 3, 25)  # 03/25/2025: only month-first is possible
    assert dates["r06"] == dt.date(2025, 3, 5)  # Excel serial 45721 (1900 system)


@pytest.mark.parametrize(
    ("dayfirst", "expected"), [(True, dt.date(2025, 3, 5)), (False, dt.date(2025, 5, 3))]
)
def test_dayfirst_setting_decides_ambiguous_dates(
    project: Project, dayfirst: bool, expected: dt.date
) -> None:
    project.table(
        "responses",
        ["response_id", "date", "unit"],
        [["r1", "05/03/2025", "alpha"], ["r2", "25/03/2025", "alpha"]],
        dates={"dayfirst": dayfirst},
    )
    ds = load_dataset(load_config(project.config()))
    t = ds.staged["responses"].table.order_by("_row").execute()
    if dayfirst:
        assert list(t._error.isna()) == [True, True]
        assert pd.Timestamp(t.date[1]).date() == dt.date(2025, 3, 25)
    else:  # month-first: 25/03/2025 has no 25th month
        assert list(t._error.fillna("")) == ["", "bad_date"]
    assert pd.Timestamp(t.date[0]).date() == expected


def test_a_churn_before_joining_is_quarantined(project: Project) -> None:
    header = ["customer_id", "unit", "join_date", "churn_date"]
    rows = [
        ["C1", "alpha", "2024-01-01", "2023-06-01"],  # churned before joining
        ["C2", "alpha", "2024-01-01", "2024-01-01"],  # the same day: possible
        ["C3", "alpha", "2024-01-01", None],
    ]
    project.table("customers", header, rows)
    ds = load_dataset(load_config(project.config()))
    q = ds.quarantine()
    assert _quarantine_rows(q[q.table == "customers"]) == [
        (2, "churn_date", "2023-06-01 00:00:00", "negative_duration")
    ]


def test_repeated_keys_with_different_values_are_named(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    header = ["customer_id", "unit", "segment", "join_date", "churn_date"]
    rows = [
        ["C1", "alpha", "个人", "2024-01-01", None],
        ["C1", "alpha", "个人", "2024-01-01", None],  # exported twice: the same row
        ["C3", "alpha", "个人", "2024-01-01", None],
        ["C3", "alpha", "大客户", "2023-01-01", "2025-08-01"],  # another churn date
    ]
    project.table("customers", header, rows)
    with caplog.at_level("WARNING", logger="reportgen"):
        ds = load_dataset(load_config(project.config()))
    assert (
        "1 repeated key(s) with different values in other columns (e.g. customer_id/unit = "
        "C3/alpha, "
        "rows 4 and 5)"
    ) in caplog.text
    (r,) = [r for r in ds.reconcile(Scope()) if r.table == "customers"]
    assert r.filtered.get("duplicate") == 2  # both repeats filtered, as before


def test_a_column_mixing_day_first_and_month_first_dates_is_named(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [
        ["r1", "05/03/2025", "alpha"],  # ambiguous: quarantined
        ["r2", "13/07/2025", "alpha"],  # only day-first
        ["r3", "07/14/2025", "alpha"],  # only month-first
    ]
    project.table("responses", ["response_id", "date", "unit"], rows)
    with caplog.at_level("WARNING", logger="reportgen"):
        load_dataset(load_config(project.config()))
    assert "column 'date' holds dates that can only be day-first (row 3) and others" in (
        caplog.text
    )
    assert "only be month-first (row 4)" in caplog.text
    caplog.clear()
    project.table("responses", ["response_id", "date", "unit"], rows, dates={"dayfirst": True})
    with caplog.at_level("WARNING", logger="reportgen"):
        ds = load_dataset(load_config(project.config()))
    assert "month-first" not in caplog.text  # the setting decides
    t = ds.staged["responses"].table.order_by("_row").execute()
    assert t._error.fillna("").tolist() == ["", "", "bad_date"]


def test_an_ideographic_space_around_a_label_or_a_number_is_trimmed(project: Project) -> None:
    # U+3000, common in Chinese exports, is trimmed like an ASCII space
    rows = [
        ["r1", "2025-03-05", "alpha", "满意\u3000", "\u3000９"],
        ["r2", "2025-03-05", "alpha", "\u3000非常满意 ", "10分\u3000"],
    ]
    project.table(
        "responses", ["response_id", "date", "unit", "csat", "ltr"], rows, **SURVEY_SOURCE
    )
    ds = load_dataset(load_config(project.config()))
    t = ds.staged["responses"].table.order_by("_row").execute()
    assert t._error.isna().all(), t._error.tolist()
    assert t.csat.tolist() == [4.0, 5.0] and t.ltr.tolist() == [9.0, 10.0]


def test_iso_timestamps_with_a_zone_designator_read_as_written(project: Project) -> None:
    # help-desk and API exports: Z, an offset, 7 fraction digits (.NET); the wall-clock
    # time they show is kept (as for a Parquet timestamp that names its zone)
    texts = [
        "2025-03-05T10:00:00Z",
        "2025-03-05T10:00:00.000Z",
        "2025-03-05T10:00:00+08:00",
        "2025-03-05 10:00:00 +0800",
        "2025-03-05T10:00:00.1234567Z",
        "2025-03-05T10:00Z",
        "2025-03-05 10:00:00 UTC",
        "2025-03-05T10:00:00+08:00:00",  # not a zone designator: still a bad date
    ]
    rows = [[f"r{i}", text, "alpha"] for i, text in enumerate(texts)]
    project.table("responses", ["response_id", "date", "unit"], rows)
    ds = load_dataset(load_config(project.config()))
    t = ds.staged["responses"].table.order_by("_row").execute()
    ten = pd.Timestamp("2025-03-05 10:00:00")
    assert [pd.Timestamp(v) for v in t.date[:7]] == [ten] * 4 + [
        ten + pd.Timedelta(microseconds=123456),
        ten,
        ten,
    ]
    assert t._error.fillna("").tolist() == [""] * 7 + ["bad_date"]


@pytest.mark.parametrize(("epoch", "serial"), [(1900, 45721), (1904, 44259)])
def test_excel_serials_use_the_workbook_date_system(
    project: Project, epoch: int, serial: int
) -> None:
    wb = Workbook()
    if epoch == 1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["response_id", "date", "unit"])
    ws.append(["r1", serial, "alpha"])  # a plain number, as exports often hold them
    ws.append(["r2", dt.datetime(2025, 3, 5), "alpha"])  # a real date cell
    ws["B3"].number_format = "yyyy-mm-dd"
    ws.append(["r3", "2025年3月5日", "alpha"])
    wb.save(project.root / "survey.xlsx")
    project.sources["responses"] = {"path": "survey.xlsx"}
    ds = load_dataset(load_config(project.config()))
    t = ds.table("responses", Scope()).execute()
    assert sorted(pd.Timestamp(d).date() for d in t.date) == [dt.date(2025, 3, 5)] * 3
    assert ds.staged["responses"].raw.excel_epoch == epoch


# -- identifiers and duplicates ----------------------------------------------------------------


def test_leading_zero_ids_are_kept(loaded: pd.DataFrame) -> None:
    assert loaded.customer_id["r01"] == "000123"
    assert loaded.customer_id["r02"] == "000456"
    assert loaded.customer_id["r03"] == "0789"


def test_duplicate_keys_are_filtered_first_wins(survey: Dataset, loaded: pd.DataFrame) -> None:
    assert list(loaded.index).count("r01") == 1
    assert loaded.customer_id["r01"] == "000123"  # the first row, not the copy
    assert loaded.comment["r01"] == "很好"
    t = survey.staged["responses"].table
    dups = t.filter(t._dup).select("_row").execute()
    assert dups._row.tolist() == [ROW["duplicate of r01"]]


def test_unit_aliases_map_to_the_unit_id(loaded: pd.DataFrame) -> None:
    assert loaded.unit["r07"] == "alpha"  # "A部"


def test_unit_spellings_match_ignoring_case_beyond_ascii(project: Project) -> None:
    units = [{"id": "key", "names": {"en": "Key accounts", "zh-CN": "大客户"},
              "aliases": ["Großkunden"]},
             {"id": "smb", "names": {"en": "Small business", "zh-CN": "小微"},
              "aliases": ["ÖFFENTLICH"]}]  # fmt: skip
    project.table("responses", ["response_id", "date", "unit"], [
        ["r1", "2025-01-10", "Großkunden"], ["r2", "2025-01-10", "GROSSKUNDEN"],
        ["r3", "2025-01-10", "großkunden"], ["r4", "2025-01-10", "öffentlich"],
        ["r5", "2025-01-10", "KEY ACCOUNTS"], ["r6", "2025-01-10", "大客户"],
    ])  # fmt: skip
    ds = load_dataset(load_config(project.config(units=units)))
    assert ds.quarantine().empty
    t = ds.table("responses", Scope()).execute().sort_values("_row")
    assert t.unit.tolist() == ["key", "key", "key", "smb", "key", "key"]


# -- mapping errors ----------------------------------------------------------------------------


def test_unmapped_required_column_names_file_key_and_headers(project: Project) -> None:
    path = project.table(
        "responses",
        ["编号", "提交时间", "事业部"],
        [["r1", "2025-01-01", "alpha"]],
        columns={"response_id": "编号", "date": "提交日期", "unit": "事业部"},
    )
    with pytest.raises(MappingError) as err:
        load_dataset(load_config(project.config()))
    msg = str(err.value)
    assert str(path) in msg
    assert "sources.responses.columns.date" in msg and "'提交日期'" in msg
    assert "['编号', '提交时间', '事业部']" in msg


def test_missing_required_column_without_mapping(project: Project) -> None:
    path = project.table(
        "responses", ["response_id", "when", "unit"], [["r1", "2025-01-01", "alpha"]]
    )
    with pytest.raises(MappingError) as err:
        load_dataset(load_config(project.config()))
    msg = str(err.value)
    assert str(path) in msg and "sources.responses.columns.date" in msg
    assert "['response_id', 'when', 'unit']" in msg


def test_mapped_column_duplicated_in_header(project: Project) -> None:
    path = project.table(
        "responses",
        ["response_id", "date", "unit", "满意度", "满意度"],
        [["r1", "2025-01-01", "alpha", "5", "1"]],
        columns={"csat": "满意度"},
    )
    with pytest.raises(MappingError) as err:
        load_dataset(load_config(project.config()))
    assert str(path) in str(err.value) and "满意度" in str(err.value)


# -- files that are not what they claim --------------------------------------------------------


def test_csv_named_xlsx_is_read_with_a_warning(project: Project) -> None:
    fake = project.root / "export.xlsx"
    write_csv(
        fake,
        ["response_id", "date", "unit", "csat"],
        [["r1", "2025-01-10", "alpha", "5"], ["r2", "2025-01-11", "beta", "3"]],
    )
    project.sources["responses"] = {"path": "export.xlsx"}
    report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    rec = next(r for r in report.reconciliation if r.table == "responses")
    assert rec.real_format == "csv" and rec.read == 2 and rec.loaded == 2
    assert any("is not an Excel workbook but CSV text" in w for w in rec.warnings), rec.warnings
    assert any("is not an Excel workbook" in w for w in rec.as_dict()["warnings"])
    assert report.value("csat") == pytest.approx(0.5)


def test_empty_file_is_an_error_naming_it(project: Project) -> None:
    empty = project.root / "responses.csv"
    empty.write_bytes(b"")
    project.sources["responses"] = {"path": "responses.csv"}
    with pytest.raises(InputFileError) as err:
        load_dataset(load_config(project.config()))
    assert str(empty) in str(err.value) and "empty" in str(err.value)


def test_header_only_file_loads_nothing_and_balances(project: Project) -> None:
    project.table("responses", ["response_id", "date", "unit", "csat"], [])
    ds = load_dataset(load_config(project.config()))
    (rec,) = ds.reconcile(Scope())
    assert (rec.read, rec.loaded, rec.quarantined, rec.filtered_total) == (0, 0, 0, 0)
    assert rec.balanced and ds.quarantine().empty


# -- targets and benchmarks --------------------------------------------------------------------


def test_targets_with_unknown_kpi_or_bad_period_are_quarantined(project: Project) -> None:
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat"],
        [["r1", "2025-01-10", "alpha", "5"], ["r2", "2025-01-11", "alpha", "3"]],
    )
    project.table("targets", ["unit", "period", "kpi", "target"], [
        ["alpha", "2025Q1", "csat", "0.4"],
        ["alpha", "2025Q5", "csat", "0.9"],  # no fifth quarter
        ["alpha", "2025Q1", "happiness", "1"],  # not a KPI id
        ["全部", "2025年第1季度", "csat", "0.6"],  # "all units", Chinese period label
        ["gamma", "2025Q1", "csat", "0.7"],  # unknown unit
        ["beta", "2025Q1", "CSAT", "0.3"],  # KPI ids are matched ignoring case
    ])  # fmt: skip
    project.table(
        "benchmarks",
        ["kpi", "scope", "value"],
        [["csat", "global", "0.45"], ["csta", "global", "0.8"]],
    )
    report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    q = report.quarantine
    assert _quarantine_rows(q[q.table == "targets"]) == [
        (3, "period", "2025Q5", "bad_period"),
        (4, "kpi", "happiness", "unknown_kpi"),
        (6, "unit", "gamma", "unknown_unit"),
    ]
    assert _quarantine_rows(q[q.table == "benchmarks"]) == [(3, "kpi", "csta", "unknown_kpi")]
    targets = report.targets.sort_values("unit").to_dict("records")
    assert targets == [
        {"unit": "all", "period": "2025Q1", "kpi": "csat", "target": 0.6},
        {"unit": "alpha", "period": "2025Q1", "kpi": "csat", "target": 0.4},
        {"unit": "beta", "period": "2025Q1", "kpi": "csat", "target": 0.3},
    ]
    recs = {r.table: r for r in report.reconciliation}
    assert recs["targets"].balanced and recs["targets"].quarantined == 3
    assert recs["targets"].loaded == 3
    assert recs["benchmarks"].quarantined == 1 and recs["benchmarks"].loaded == 1
    sc = report.scorecard.set_index(["kpi", "unit"])
    assert sc.loc[("csat", "alpha"), "target"] == 0.4
    assert sc.loc[("csat", "all"), "target"] == 0.6
    assert sc.loc[("csat", "alpha"), "benchmark"] == 0.45
    assert not math.isnan(sc.loc[("csat", "alpha"), "attainment"])


def test_a_repeated_target_or_benchmark_is_a_duplicate_not_a_second_answer(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    # a second row for alpha/2025Q1/csat silently replaced the first target (0.97 → 0.5
    # turned a miss into "met"): the first row of a key is kept, the repeat filtered as
    # a duplicate and a different value warned about, as for any other table
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat"],
        [["r1", "2025-01-10", "alpha", "5"], ["r2", "2025-01-11", "alpha", "3"]],
    )
    project.table("targets", ["unit", "period", "kpi", "target"], [
        ["alpha", "2025Q1", "csat", "0.97"],
        ["alpha", "2025Q1", "csat", "0.5"],
        ["alpha", "2025Q1", "nps", "10"],
        ["alpha", "2025Q1", "nps", "10"],  # the same row twice: no warning needed
    ])  # fmt: skip
    project.table(
        "benchmarks",
        ["kpi", "scope", "value"],
        [["csat", "global", "0.8"], ["csat", "global", "0.6"]],
    )
    with caplog.at_level("WARNING", logger="reportgen"):
        report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    recs = {r.table: r for r in report.reconciliation}
    assert recs["targets"].balanced and recs["targets"].filtered["duplicate"] == 2
    assert recs["targets"].loaded == 2
    assert recs["benchmarks"].filtered["duplicate"] == 1
    sc = report.scorecard.set_index(["kpi", "unit"])
    assert sc.loc[("csat", "alpha"), "target"] == 0.97
    assert not sc.loc[("csat", "alpha"), "target_met"]  # 50% against 97%: a miss
    assert sc.loc[("csat", "alpha"), "benchmark"] == 0.8
    said = [r.getMessage() for r in caplog.records if "repeated key" in r.getMessage()]
    assert any("targets.csv: 1 repeated key(s)" in m and "alpha/2025Q1/csat" in m for m in said)
    assert any("benchmarks.csv: 1 repeated key(s)" in m for m in said)


def test_percent_targets_are_fractions(project: Project) -> None:
    from reportgen.config import load_config
    from reportgen.loading import Scope, load_dataset

    project.table(
        "responses", ["response_id", "date", "unit", "csat"], [["r1", "2025-07-01", "alpha", 5]]
    )
    project.table(
        "targets",
        ["unit", "period", "kpi", "target"],
        [
            ["alpha", "2025Q3", "csat", "85%"],
            ["alpha", "2025Q3", "fcr", "0.7"],
            ["alpha", "2025Q3", "nps", "12,5"],
        ],
    )
    ds = load_dataset(load_config(project.config()), known_kpis=["csat", "fcr", "nps"])
    t = ds.table("targets", Scope()).execute().sort_values("kpi")
    assert t.target.tolist() == pytest.approx([0.85, 0.7])
    q = ds.quarantine()
    assert q[["table", "row", "value", "reason"]].values.tolist() == [
        ["targets", 4, "12,5", "bad_number"]
    ]


def test_a_column_without_any_value_loads_as_empty(project: Project) -> None:
    # A database column that is NULL on every row (nothing resolved yet; an unused
    # remark) has no type in Arrow, nor has a pandas column of None in Parquet; the
    # engine cannot hold an untyped column. Each is read as empty text.
    import sqlite3

    db = project.root / "cx.db"
    con = sqlite3.connect(db)
    con.execute(
        "create table tickets (ticket_id text, unit text, opened_at text, resolved_at text,"
        " remark text)"
    )
    con.executemany(
        "insert into tickets values (?, ?, ?, NULL, NULL)",
        [("t1", "alpha", "2025-01-10 09:00:00"), ("t2", "beta", "2025-02-11 09:00:00")],
    )
    con.commit()
    con.close()
    pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "unit": ["alpha", "beta"],
            "join_date": ["2024-01-01", "2024-02-01"],
            "churn_date": [None, None],  # pandas writes Parquet's NULL type
        }
    ).to_parquet(project.root / "crm.parquet")
    assert pa.types.is_null(pq.read_schema(project.root / "crm.parquet").field("churn_date").type)
    project.sources["tickets"] = {"sql": {"url": f"sqlite:///{db}", "table": "tickets"}}
    project.sources["customers"] = {"path": "crm.parquet"}
    ds = load_dataset(load_config(project.config()))
    tickets = ds.table("tickets", Scope()).execute().sort_values("ticket_id")
    assert tickets.ticket_id.tolist() == ["t1", "t2"] and tickets.resolved_at.isna().all()
    customers = ds.table("customers", Scope()).execute()
    assert len(customers) == 2 and customers.churn_date.isna().all()
    for rec in ds.reconcile(Scope()):
        if rec.table in ("tickets", "customers"):
            assert rec.read == rec.loaded == 2 and rec.quarantined == 0


@pytest.mark.parametrize(
    ("column", "values", "shown", "needs"),
    [
        ("csat", pa.array([dt.datetime(2025, 1, 10)] * 2, pa.timestamp("us")), "timestamp",
         "numbers or text"),
        ("ltr", pa.array([True, False]), "boolean", "numbers or text"),
        ("date", pa.array([True, False]), "boolean",
         "dates, timestamps, Excel serial numbers or text"),
        ("customer_id", pa.array([["c1"], []], pa.list_(pa.string())), "array<string>",
         "text or numbers"),
    ],
)  # fmt: skip
def test_a_typed_column_that_cannot_be_its_kind_is_a_mapping_error(
    project: Project, column: str, values: pa.Array, shown: str, needs: str
) -> None:
    # a mapping slip (csat: the submission time; ltr: a yes/no flag) stops the load with
    # the file, the column, its type and what was expected: never a guess (a boolean
    # ltr read as 0/1 would make every "no" a detractor), never an engine error
    columns = {
        "response_id": pa.array(["r1", "r2"]),
        "date": pa.array([dt.date(2025, 1, 10)] * 2, pa.date32()),
        "unit": pa.array(["alpha"] * 2),
        column: values,
    }
    pq.write_table(pa.table(columns), project.root / "responses.parquet")
    project.sources["responses"] = {"path": "responses.parquet"}
    with pytest.raises(MappingError) as err:
        load_dataset(load_config(project.config()))
    msg = str(err.value)
    assert "responses.parquet" in msg and f"column {column!r} holds {shown}" in msg
    assert f"responses.{column} needs {needs}" in msg
    assert f"sources.responses.columns.{column}" in msg


@pytest.mark.parametrize("typed_view", [True, False])
def test_a_timestamp_with_a_named_zone_is_the_wall_clock_time_there(
    project: Project, typed_view: bool
) -> None:
    # pandas writes tz-aware times with their zone: 07:00 in Shanghai on 1 April is
    # 23:00 UTC on 31 March; the ticket was opened in Q2, as the file shows it
    shanghai = pd.to_datetime(["2025-04-01 07:00", "2025-03-31 20:00"]).tz_localize("Asia/Shanghai")
    pd.DataFrame(
        {
            "ticket_id": ["t1", "t2"],
            "unit": ["alpha", "alpha"],
            "opened_at": shanghai,
            "first_response_at": shanghai + pd.Timedelta(hours=2),
            # a zone-aware column in UTC keeps its UTC time
            "resolved_at": pd.to_datetime(["2025-04-01 12:00", None]).tz_localize("UTC"),
        }
    ).to_parquet(project.root / "tickets.parquet")
    project.sources["tickets"] = {"path": "tickets.parquet"}
    config = load_config(project.config())
    staged = stage_source(
        connect(), "tickets", config.sources.tickets, config, typed_view=typed_view
    )
    values = staged.values.order_by("_row").to_pyarrow().to_pydict()
    assert values["opened_at"] == [dt.datetime(2025, 4, 1, 7), dt.datetime(2025, 3, 31, 20)]
    assert values["first_response_at"] == [dt.datetime(2025, 4, 1, 9), dt.datetime(2025, 3, 31, 22)]
    assert values["resolved_at"] == [dt.datetime(2025, 4, 1, 12), None]
    assert staged.n_errors == 0


@pytest.mark.parametrize("typed_view", [True, False])
def test_date_keys_in_a_number_column_are_dates(project: Project, typed_view: bool) -> None:
    # Warehouses store dates as integers 20250305; a Parquet or SQL integer column of
    # them is read like the same digits in a CSV, not as Excel serials (which end at
    # 2958465, 9999-12-31). Serials still work; an impossible key is a bad date.
    pq.write_table(pa.table({
        "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "date": pa.array([20250305, 45721, 20250230, 20251301, 20250305.5, 1e20]),
        "unit": ["alpha"] * 6,
        "csat": pa.array([5, 4, 3, 2, 1, 5], pa.int64()),
    }), project.root / "responses.parquet")  # fmt: skip
    project.sources["responses"] = {"path": "responses.parquet"}
    config = load_config(project.config())
    staged = stage_source(
        connect(), "responses", config.sources.responses, config, typed_view=typed_view
    )
    t = staged.table.order_by("_row").execute()
    assert [None if pd.isna(d) else pd.Timestamp(d).date() for d in t.date] == [
        dt.date(2025, 3, 5), dt.date(2025, 3, 5), None, None, None, None
    ]  # fmt: skip
    assert list(t._error.fillna("")) == ["", "", "bad_date", "bad_date", "bad_date", "bad_date"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_negative_amounts_are_counted_as_given_and_said(
    project: Project, caplog: pytest.LogCaptureFixture, fmt: str
) -> None:
    # Returns or credit notes exported as negative order lines lower revenue and the
    # average order value: counted as the export gives them, with a warning giving the
    # count, the lowest amount and the first row. A quarantined line (unknown unit) is
    # not among them.
    rows = [
        ["o1", "k1", dt.date(2025, 1, 10), "alpha", 100.0],
        ["o2", "k1", dt.date(2025, 1, 12), "alpha", -30.0],
        ["o3", "k2", dt.date(2025, 1, 15), "nowhere", -500.0],
        ["o4", "k2", dt.date(2025, 2, 1), "alpha", -10.0],
    ]
    header = ["order_id", "customer_id", "date", "unit", "amount"]
    if fmt == "csv":
        project.table("orders", header, [[*r[:2], r[2].isoformat(), *r[3:]] for r in rows])
        name = "orders.csv"
    else:
        columns = list(zip(*rows, strict=True))
        table = pa.table({h: pa.array(c) for h, c in zip(header, columns, strict=True)})
        pq.write_table(table, project.root / "orders.parquet")
        project.sources["orders"] = {"path": "orders.parquet"}
        name = "orders.parquet"
    with caplog.at_level("WARNING", logger="reportgen"):
        report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    said = [r.getMessage() for r in caplog.records if "negative amount" in r.getMessage()]
    assert len(said) == 1
    assert "2 order line(s) with a negative amount (the lowest -30, the first at row " in said[0]
    assert said[0].split(": ")[0].endswith(name)
    sc = report.scorecard.set_index(["kpi", "unit"])
    assert sc.loc[("aov", "alpha"), "n"] == 3
    assert sc.loc[("aov", "alpha"), "value"] == pytest.approx(60 / 3)
    # `reportgen validate` checks the data without computing: it says it too
    config = str(project.root / "reportgen.yaml")
    r = subprocess.run(
        [sys.executable, "-m", "reportgen", "validate", "--config", config, "--period", "2025Q1",
         "--today", TODAY.isoformat()],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "2 order line(s) with a negative amount (the lowest -30" in r.stderr


def test_no_negative_amount_no_warning(project: Project, caplog: pytest.LogCaptureFixture) -> None:
    pq.write_table(pa.table({
        "order_id": ["o1", "o2"],
        "customer_id": ["k1", "k2"],
        "date": pa.array([dt.date(2025, 1, 10)] * 2, pa.date32()),
        "unit": ["alpha"] * 2,
        "amount": [0.0, 12.5],
    }), project.root / "orders.parquet")  # fmt: skip
    project.sources["orders"] = {"path": "orders.parquet"}
    with caplog.at_level("WARNING", logger="reportgen"):
        compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    assert not [r for r in caplog.records if "negative amount" in r.getMessage()]


def test_placeholder_comments_are_not_comments(project: Project) -> None:
    # "无", "None", "-" typed into the comment box said nothing: they were listed as
    # customer comments and counted in the base of the theme shares
    texts = ["房间很干净", "无", "无。", " None ", "-", "...", "No.", "", "check-in was slow"]
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat", "comment"],
        [[f"r{i}", f"2025-01-{i + 10}", "alpha", 4, c] for i, c in enumerate(texts)],
    )
    report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    assert sorted(report.comments.comment) == ["check-in was slow", "房间很干净"]
    assert report.comments.attrs["total"] == {"alpha": 2}


def test_ids_that_match_no_crm_customer_are_said(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    # CRM ids exported as numbers (000220 → 220) matched none of the answers' ids: every
    # segment breakdown said "(not recorded)", exit 0, no word about it
    answers = [[f"r{i}", f"00{i}", "2025-01-10", "alpha", "5"] for i in range(1, 7)]
    project.table("responses", ["response_id", "customer_id", "date", "unit", "csat"], answers)
    header = ["customer_id", "unit", "segment", "join_date"]
    project.table(
        "customers", header, [[str(i), "alpha", "SME", "2024-01-01"] for i in range(1, 7)]
    )
    config = load_config(project.config())
    with caplog.at_level("WARNING", logger="reportgen"):
        compute_kpis(config, period="2025Q1", today=TODAY, by=["segment"])
    said = [r.getMessage() for r in caplog.records if "CRM dimension" in r.getMessage()]
    assert len(said) == 1 and "segment 6 of 6 (" in said[0] and "leading zeros" in said[0]
    assert said[0].startswith(str(project.root / "customers.csv"))
    # the same ids on both sides: nothing to say
    project.table(
        "customers", header, [[f"00{i}", "alpha", "SME", "2024-01-01"] for i in range(1, 7)]
    )
    caplog.clear()
    with caplog.at_level("WARNING", logger="reportgen"):
        compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY, by=["segment"])
    assert not [r for r in caplog.records if "CRM dimension" in r.getMessage()]


def test_units_spelled_full_width_or_with_an_ideographic_space_are_known(
    project: Project,
) -> None:
    # "Hotel\u3000" and "ＨＯＴＥＬ" were quarantined as unknown_unit, though scores and
    # dates fold the same characters
    project.table("responses", ["response_id", "date", "unit", "csat"], [
        ["r1", "2025-01-10", "alpha\u3000", "5"],
        ["r2", "2025-01-11", "ＡＬＰＨＡ", "4"],
        ["r3", "2025-01-12", " Alpha ", "3"],
        ["r4", "2025-01-13", "alphaa", "3"],  # still unknown
    ])  # fmt: skip
    report = compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    q = report.quarantine
    assert _quarantine_rows(q[q.table == "responses"]) == [(5, "unit", "alphaa", "unknown_unit")]
    sc = report.scorecard.set_index(["kpi", "unit"])
    assert sc.loc[("csat", "alpha"), "n"] == 3


def test_a_unit_without_any_data_in_the_period_is_said(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    # a configured unit no row spells (a missing alias) was built silently: documents
    # that say "no data" on every page, ready to be mailed
    project.table(
        "responses",
        ["response_id", "date", "unit", "csat"],
        [["r1", "2025-01-10", "alpha", "5"], ["r2", "2024-11-10", "beta", "4"]],
    )
    with caplog.at_level("WARNING", logger="reportgen"):
        compute_kpis(load_config(project.config()), period="2025Q1", today=TODAY)
    said = [r.getMessage() for r in caplog.records if "have no data in" in r.getMessage()]
    assert said == [
        "1 unit(s) have no data in 2025Q1: beta (Beta); their documents will say so on every "
        "page. Check that the data spell these units as their id, name or an alias in the "
        "config (units[].aliases)"
    ]
