"""A new user's exports work through config alone (issue 2, "Done means").

Two companies, each with its own column names, scales, encodings and storage:

- a Chinese retailer: a GBK survey CSV with Chinese headers and a *reversed* 1–5
  satisfaction scale (1 = 非常满意) with text labels and a 99 "not applicable" code;
  a CRM workbook with a notes sheet in front, the header on row 2, customer ids with
  leading zeros and join dates as Excel serials, real dates and 2025年3月5日 text; a
  Parquet orders file; help-desk tickets in an SQLite database;
- a European subsidiary: a UTF-16 tab-separated survey export with English headers,
  satisfaction on 0–10, a reversed 1–7 effort scale and day-first dates; tickets
  from a DuckDB file with native types, read through a query.

Every KPI asserted below is computed by hand in the comments.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from openpyxl import Workbook

from reportgen.config import load_config
from reportgen.loading import Scope, load_dataset
from reportgen.pipeline import KpiReport, compute_kpis

TODAY = dt.date(2025, 6, 1)


def _serial(day: dt.date) -> int:
    """Excel 1900-system serial number of a date."""
    return (day - dt.date(1899, 12, 30)).days


def _write_config(root: Path, config: dict[str, Any]) -> Path:
    path = root / "reportgen.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


def _row(report: KpiReport, kpi: str, unit: str) -> pd.Series:
    sc = report.scorecard
    found = sc[(sc.kpi == kpi) & (sc.unit == unit)]
    assert len(found) == 1, (kpi, unit, found)
    return found.iloc[0]


# -- company 1: a Chinese retailer ------------------------------------------------------------

SURVEY_HEADER = ["问卷ID", "会员编号", "提交时间", "所属区域", "总体评价（1=非常满意）",
                 "推荐度(0-10)", "产品满意度", "留言"]  # fmt: skip
SURVEY_ROWS: list[list[object]] = [
    # id, member, date, unit, satisfaction (1 best), recommend, product (0 = n/a), comment
    ["Q000", "00123", "2024-12-20", "北区", "1", "10", None, None],  # previous quarter
    ["Q001", "00123", "2025/1/15", "北区", "1", "10", "5", "很好"],
    ["Q002", "00045", "2025年2月3日", "北区", "非常满意", "9", "4", None],
    ["Q003", "00777", "2025-02-10", "北区", "2", "8", "0", "一般般"],
    ["Q004", "00123", "2025-02-11", "北方门店", "满意", "7", "3", None],
    ["Q005", "00045", "2025-03-01", "北区", "3", "6", None, None],
    ["Q006", "00777", "2025-03-02", "北区", "不满意", "0", None, None],
    ["Q007", "01000", "2025-03-03", "北区", "5", "10", None, None],
    ["Q008", "00123", "2025-03-04", "北区", "99", None, None, "不适用"],
    ["Q009", "00999", "2025-03-05", "北区", "一般", "３", None, None],
    ["Q010", "00045", "2025-03-06", "北区", "1分", "９分", None, None],
    ["Q011", "00777", "2025-03-07", "北区", "不适用", "9", None, None],
    ["Q101", "00500", "2025-01-20", "南区", "非常不满意", "2", None, None],
    ["Q102", "00500", "2025-02-20", "南方门店", "2", "10", None, None],
]


def _retailer_files(root: Path) -> None:
    # survey: GBK bytes (not valid UTF-8), no encoding declared in the config
    text = _csv_text(SURVEY_HEADER, SURVEY_ROWS)
    (root / "门店问卷.csv").write_bytes(text.encode("gbk"))

    # CRM workbook: notes sheet first, a title row, header on row 2
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本文件由 CRM 导出，客户号为文本"])
    notes.append(["开户日期有的为序列号，有的为文字"])
    ws = wb.create_sheet("客户清单")
    ws.append(["客户主数据（导出）"])
    ws.append(["客户号", "事业部", "客户等级", "开户日期", "销户日期"])
    for record in (
        ["00123", "北区", "金卡", _serial(dt.date(2023, 1, 1)), None],
        ["00045", "北区", "银卡", "2024年3月5日", "2025年3月5日"],
        ["00777", "北方门店", "普通", dt.datetime(2024, 6, 1), _serial(dt.date(2025, 2, 10))],
        ["01000", "北区", "普通", "2025年3月5日", None],
        ["00999", "北区", "普通", _serial(dt.date(2023, 5, 5)), dt.datetime(2024, 12, 31)],
        ["00500", "南区", "金卡", dt.datetime(2024, 1, 1), None],
    ):
        ws.append(record)
        for cell in ws[ws.max_row][3:]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    wb.save(root / "CRM导出.xlsx")

    # orders: Parquet with typed timestamps and amounts, ids as text
    pq.write_table(
        pa.table({
            "订单号": ["S0", "S1", "S2", "S3", "S4", "S5"],
            "客户号": ["00123", "00123", "00123", "00045", "00777", "00500"],
            "下单时间": pa.array([
                dt.datetime(2024, 11, 11, 20), dt.datetime(2025, 1, 5, 10),
                dt.datetime(2025, 2, 5, 11), dt.datetime(2025, 2, 15, 9),
                dt.datetime(2025, 3, 20, 18), dt.datetime(2025, 3, 1, 12),
            ], pa.timestamp("s")),
            "门店": ["北区", "北区", "北区", "北方门店", "北区", "南区"],
            "实付金额": [999.0, 100.0, 50.0, 250.0, 30.0, 80.0],
        }),
        root / "orders.parquet",
    )  # fmt: skip

    # help desk: an SQLite database with text timestamps and 0/1 flags
    con = sqlite3.connect(root / "helpdesk.sqlite")
    con.execute(
        "CREATE TABLE helpdesk_tickets (工单号 TEXT, 客户 TEXT, 部门 TEXT, 渠道 TEXT, "
        "创建时间 TEXT, 首次回复时间 TEXT, 解决时间 TEXT, 联系次数 INTEGER, 是否投诉 INTEGER)"
    )
    con.executemany(
        "INSERT INTO helpdesk_tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("T1", "00123", "北区", "电话", "2025-01-10 09:00:00", "2025-01-10 10:00:00",
             "2025-01-10 12:00:00", 1, 0),
            ("T2", "00045", "北区", "在线客服", "2025-02-01 08:00:00", "2025-02-01 08:30:00",
             "2025-02-02 08:00:00", 3, 1),
            ("T3", "00777", "北区", "AI机器人", "2025-03-01 10:00:00", "2025-03-01 14:00:00",
             None, 1, 1),
        ],
    )  # fmt: skip
    con.commit()
    con.close()


RETAILER_CONFIG: dict[str, Any] = {
    "units": [
        {"id": "north", "names": {"en": "North stores", "zh-CN": "北方门店"}, "aliases": ["北区"]},
        {"id": "south", "names": {"en": "South stores", "zh-CN": "南方门店"}, "aliases": ["南区"]},
    ],
    "statistics": {"min_n": 2},
    "sources": {
        "responses": {
            "path": "门店问卷.csv",
            "columns": {
                "response_id": "问卷ID", "customer_id": "会员编号", "date": "提交时间",
                "unit": "所属区域", "csat": "总体评价（1=非常满意）", "ltr": "推荐度(0-10)",
                "product_fit": "产品满意度", "comment": "留言",
            },
            "scales": {
                "csat": {
                    "min": 1, "max": 5, "reversed": True, "na_codes": [99],
                    "labels": {"非常满意": 1, "满意": 2, "一般": 3, "不满意": 4,
                               "非常不满意": 5, "不适用": 99},
                },
                "ltr": {"min": 0, "max": 10},
                "product_fit": {"min": 1, "max": 5, "na_codes": [0]},
            },
        },
        "customers": {
            "path": "CRM导出.xlsx",
            "sheet": "客户清单",
            "header_row": 2,
            "columns": {"customer_id": "客户号", "unit": "事业部", "segment": "客户等级",
                        "join_date": "开户日期", "churn_date": "销户日期"},
        },
        "orders": {
            "path": "orders.parquet",
            "columns": {"order_id": "订单号", "customer_id": "客户号", "date": "下单时间",
                        "unit": "门店", "amount": "实付金额"},
        },
        "tickets": {
            "sql": {"url": "sqlite:///helpdesk.sqlite", "table": "helpdesk_tickets"},
            "columns": {"ticket_id": "工单号", "customer_id": "客户", "unit": "部门",
                        "channel": "渠道", "opened_at": "创建时间",
                        "first_response_at": "首次回复时间", "resolved_at": "解决时间",
                        "contacts": "联系次数", "complaint": "是否投诉"},
        },
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def retailer_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retailer")
    _retailer_files(root)
    return _write_config(root, RETAILER_CONFIG)


@pytest.fixture(scope="module")
def retailer(retailer_config: Path) -> KpiReport:
    return compute_kpis(load_config(retailer_config), period="2025Q1", today=TODAY)


def test_retailer_files_are_read_as_what_they_are(retailer: KpiReport) -> None:
    recs = {r.table: r for r in retailer.reconciliation}
    assert recs["responses"].encoding == "gb18030"  # detected: GBK is a subset of GB18030
    assert recs["customers"].sheet == "客户清单" and recs["customers"].header_row == 2
    assert recs["orders"].real_format == "parquet"
    assert recs["tickets"].real_format == "sql"
    expected_read = {"responses": 14, "customers": 6, "orders": 6, "tickets": 3}
    for name, r in recs.items():
        assert r.balanced and r.read == expected_read[name], r
        assert r.quarantined == 0, r
    assert retailer.quarantine.empty


def test_reversed_labelled_csat_with_not_applicable_code(retailer: KpiReport) -> None:
    # reversed: canonical = 6 - raw. north Q1 answers (raw → canonical):
    # 1→5, 非常满意(1)→5, 2→4, 满意(2)→4, 3→3, 不满意(4)→2, 5→1, 99→n/a, 一般(3)→3,
    # 1分→5, 不适用(99)→n/a  ⇒ n = 9, top two boxes (4–5): 5
    north = _row(retailer, "csat", "north")
    assert north.n == 9 and north.value == pytest.approx(5 / 9)
    # south: 非常不满意(5)→1, 2→4 ⇒ 1 of 2
    south = _row(retailer, "csat", "south")
    assert south.n == 2 and south.value == pytest.approx(0.5)
    both = _row(retailer, "csat", "all")
    assert both.n == 11 and both.value == pytest.approx(6 / 11)
    # previous quarter: one answer "1" = best
    assert north.prev_n == 1 and north.prev_value == 1.0


def test_nps_with_score_suffix_and_full_width_digits(retailer: KpiReport) -> None:
    # north ltr: 10, 9, 8, 7, 6, 0, 10, (empty), ３, ９分, 9 ⇒ n = 10, P = 5, D = 3
    north = _row(retailer, "nps", "north")
    assert north.n == 10 and north.value == pytest.approx(20.0)
    # all: + south 2, 10 ⇒ n = 12, P = 6, D = 4
    both = _row(retailer, "nps", "all")
    assert both.n == 12 and both.value == pytest.approx(100 * (6 - 4) / 12)


def test_not_applicable_zero_is_not_averaged(retailer: KpiReport) -> None:
    # product 5, 4, 0 (n/a), 3 ⇒ mean of 3 answers
    r = _row(retailer, "attr_product_fit", "north")
    assert r.n == 3 and r.value == pytest.approx(4.0)


def test_workbook_ids_and_mixed_dates(retailer_config: Path) -> None:
    ds = load_dataset(load_config(retailer_config), tables=["customers"])
    t = ds.table("customers", Scope()).execute().sort_values("_row").set_index("customer_id")
    assert list(t.index) == ["00123", "00045", "00777", "01000", "00999", "00500"]
    join = {k: pd.Timestamp(v).date() for k, v in t.join_date.items()}
    assert join == {
        "00123": dt.date(2023, 1, 1),  # Excel serial
        "00045": dt.date(2024, 3, 5),  # 2024年3月5日
        "00777": dt.date(2024, 6, 1),  # a real date cell
        "01000": dt.date(2025, 3, 5),
        "00999": dt.date(2023, 5, 5),
        "00500": dt.date(2024, 1, 1),
    }
    assert pd.Timestamp(t.churn_date["00777"]).date() == dt.date(2025, 2, 10)
    assert pd.Timestamp(t.churn_date["00045"]).date() == dt.date(2025, 3, 5)
    assert t.unit.to_dict() == {
        "00123": "north",
        "00045": "north",
        "00777": "north",
        "01000": "north",
        "00999": "north",
        "00500": "south",
    }
    # source rows are Excel row numbers: title row 1, header row 2, data from row 3
    assert sorted(t._row) == [3, 4, 5, 6, 7, 8]


def test_churn_from_the_workbook(retailer: KpiReport) -> None:
    # north active on 2025-01-01: 00123, 00045, 00777 (01000 joined later, 00999 left
    # on 2024-12-31); lost in Q1: 00045 (3-05), 00777 (2-10)
    churn = _row(retailer, "churn_rate", "north")
    assert churn.n == 3 and churn.value == pytest.approx(2 / 3)
    assert _row(retailer, "retention_rate", "north").value == pytest.approx(1 / 3)
    assert _row(retailer, "churn_rate", "all").value == pytest.approx(2 / 4)


def test_orders_from_parquet(retailer: KpiReport) -> None:
    # north Q1: 00123 100 + 50, 00045 250, 00777 30 (the 999 order is 2024Q4)
    assert _row(retailer, "arpu", "north").value == pytest.approx(430 / 3)
    assert _row(retailer, "aov", "north").value == pytest.approx(430 / 4)
    assert _row(retailer, "purchase_frequency", "north").value == pytest.approx(4 / 3)
    assert _row(retailer, "repurchase_rate", "north").value == pytest.approx(1 / 3)
    assert _row(retailer, "aov", "all").value == pytest.approx(510 / 5)


def test_tickets_from_sqlite(retailer: KpiReport) -> None:
    # T1 1 contact resolved; T2 3 contacts; T3 unresolved. First response 1 h, 0.5 h, 4 h.
    assert _row(retailer, "fcr", "north").value == pytest.approx(1 / 3)
    assert _row(retailer, "first_response_hours_median", "north").value == pytest.approx(1.0)
    assert _row(retailer, "first_response_hours_mean", "north").value == pytest.approx(5.5 / 3)
    assert _row(retailer, "resolution_hours_median", "north").value == pytest.approx(13.5)
    assert _row(retailer, "complaint_rate", "north").value == pytest.approx(2 / 3)
    assert _row(retailer, "complaint_resolution_rate", "north").value == pytest.approx(1 / 2)


def test_comment_kept_verbatim(retailer_config: Path) -> None:
    ds = load_dataset(load_config(retailer_config), tables=["responses"])
    t = ds.table("responses", Scope()).execute().set_index("response_id")
    assert t.comment["Q001"] == "很好"
    assert t.comment["Q008"] == "不适用"  # a label of the score scale, but text here
    assert pd.isna(t.csat["Q008"]) and pd.isna(t.csat["Q011"])
    assert t.customer_id["Q007"] == "01000"


# -- company 2: a European subsidiary --------------------------------------------------------

EU_HEADER = ["Survey No", "Submitted", "Business Line", "Overall satisfaction (0-10)",
             "Recommend", "Effort (1 = very easy)", "Remarks"]  # fmt: skip
EU_ROWS: list[list[object]] = [
    ["s1", "05/03/2025", "DE-Sales", "10", "9", "1", "Schnell und freundlich"],
    ["s2", "25/03/2025", "de", "9", "10", "2", None],
    ["s3", "12/01/2025", "Germany", "8", "5", "7", "Zu teuer"],
    ["s4", "01/04/2025", "de", "0", "0", "4", None],  # 1 April: next quarter
    ["s5", "28/02/2025", "de", "n/a", "7", None, "ü ö ß €"],
    ["s6", "15/02/2025", "Österreich", "10", "10", "1", None],
]


def _eu_files(root: Path) -> None:
    text = _csv_text(EU_HEADER, EU_ROWS, delimiter="\t")
    (root / "survey_export.txt").write_bytes(text.encode("utf-16"))  # with BOM
    con = duckdb.connect(str(root / "helpdesk.duckdb"))
    con.execute(
        'CREATE TABLE tickets ("Ticket" VARCHAR, "Line" VARCHAR, "Opened" TIMESTAMP, '
        '"Answered" TIMESTAMP, "Closed" TIMESTAMP, "Touches" INTEGER, "Complaint" BOOLEAN, '
        '"Test" BOOLEAN)'
    )
    con.execute(
        "INSERT INTO tickets VALUES "
        "('k1', 'de', '2025-01-05 10:00', '2025-01-05 10:30', '2025-01-05 11:00', 1, false, false),"
        "('k2', 'de', '2025-02-05 10:00', '2025-02-05 12:00', '2025-02-06 10:00', 2, true, false),"
        "('k3', 'at', '2025-02-07 09:00', '2025-02-07 09:15', '2025-02-07 09:45', 1, false, false),"
        "('k9', 'de', '2025-02-08 09:00', NULL, NULL, 5, true, true)"
    )
    con.close()


EU_CONFIG: dict[str, Any] = {
    "report": {"language": "en"},
    "units": [
        {"id": "de", "names": {"en": "Germany", "zh-CN": "德国"}, "aliases": ["DE-Sales"]},
        {"id": "at", "names": {"en": "Austria", "zh-CN": "奥地利"}, "aliases": ["Österreich"]},
    ],
    "statistics": {"min_n": 2},
    "sources": {
        "responses": {
            "path": "survey_export.txt",
            "columns": {"response_id": "Survey No", "date": "Submitted", "unit": "Business Line",
                        "csat": "Overall satisfaction (0-10)", "ltr": "Recommend",
                        "effort": "Effort (1 = very easy)", "comment": "Remarks"},
            "scales": {"csat": {"min": 0, "max": 10},
                       "effort": {"min": 1, "max": 7, "reversed": True}},
            "dates": {"dayfirst": True},
        },
        "tickets": {
            "sql": {"url": "duckdb:///helpdesk.duckdb",
                    "query": "SELECT * FROM tickets WHERE NOT \"Test\""},
            "columns": {"ticket_id": "Ticket", "unit": "Line", "opened_at": "Opened",
                        "first_response_at": "Answered", "resolved_at": "Closed",
                        "contacts": "Touches", "complaint": "Complaint"},
        },
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def eu_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eu")
    _eu_files(root)
    return _write_config(root, EU_CONFIG)


@pytest.fixture(scope="module")
def eu(eu_config: Path) -> KpiReport:
    return compute_kpis(load_config(eu_config), period="2025Q1", today=TODAY)


def test_eu_utf16_export_and_dayfirst_dates(eu: KpiReport, eu_config: Path) -> None:
    recs = {r.table: r for r in eu.reconciliation}
    resp = recs["responses"]
    assert resp.encoding is not None and resp.encoding.replace("-", "").startswith("utf16")
    assert resp.read == 6 and resp.quarantined == 0
    assert resp.filtered == {"duplicate": 0, "unit": 0, "period": 1}  # s4 is 1 April
    assert resp.loaded == 5 and resp.balanced
    assert recs["tickets"].read == 3 and recs["tickets"].loaded == 3
    ds = load_dataset(load_config(eu_config), tables=["responses"])
    t = ds.table("responses", Scope()).execute().set_index("response_id")
    dates = {k: pd.Timestamp(v).date() for k, v in t.date.items()}
    assert dates == {
        "s1": dt.date(2025, 3, 5), "s2": dt.date(2025, 3, 25), "s3": dt.date(2025, 1, 12),
        "s4": dt.date(2025, 4, 1), "s5": dt.date(2025, 2, 28), "s6": dt.date(2025, 2, 15),
    }  # fmt: skip
    assert t.comment["s5"] == "ü ö ß €"
    assert t.unit.to_dict() == {
        "s1": "de",
        "s2": "de",
        "s3": "de",
        "s4": "de",
        "s5": "de",
        "s6": "at",
    }


def test_eu_csat_on_0_to_10_and_reversed_effort(eu: KpiReport) -> None:
    # de Q1 csat: 10, 9, 8, n/a ⇒ n = 3, top two boxes on 0–10 (9–10): 2
    de = _row(eu, "csat", "de")
    assert de.n == 3 and de.value == pytest.approx(2 / 3)
    # ltr 9, 10, 5, 7 ⇒ P 2, D 1 of 4
    assert _row(eu, "nps", "de").value == pytest.approx(25.0)
    # effort 1–7 reversed: 1→7, 2→6, 7→1
    ces = _row(eu, "ces", "de")
    assert ces.n == 3 and ces.value == pytest.approx(14 / 3)
    assert _row(eu, "csat", "all").value == pytest.approx(3 / 4)


def test_eu_tickets_from_duckdb_query(eu: KpiReport) -> None:
    # de: k1 1 touch resolved, k2 2 touches; first response 0.5 h and 2 h (k9 is a test row)
    assert _row(eu, "fcr", "de").value == pytest.approx(1 / 2)
    assert _row(eu, "first_response_hours_median", "de").value == pytest.approx(1.25)
    assert _row(eu, "complaint_rate", "de").value == pytest.approx(1 / 2)
    assert _row(eu, "complaint_resolution_rate", "de").value == pytest.approx(1.0)
    # all: + at k3 (1 touch, 0.25 h)
    assert _row(eu, "fcr", "all").value == pytest.approx(2 / 3)
    assert _row(eu, "first_response_hours_median", "all").value == pytest.approx(0.5)


def test_a_column_quarantined_wholesale_reads_as_a_wrong_setting(caplog):
    # a 1–10 scale declared 1–5 quarantined half the survey with no word beyond the count
    from types import SimpleNamespace

    import pandas as pd

    from reportgen.loading import warn_suspect_columns

    recs = [SimpleNamespace(source="survey.csv", read=408)]
    q = pd.DataFrame(
        {
            "file": ["survey.csv"] * 210,
            "column": ["服务响应"] * 206 + ["填写日期"] * 4,
            "reason": ["out_of_range"] * 206 + ["ambiguous_date"] * 4,
        }
    )
    with caplog.at_level("WARNING", logger="reportgen"):
        warn_suspect_columns(recs, q)
    assert (
        "survey.csv: 206 of 408 rows quarantined as out_of_range in column '服务响应'; "
        "check its scale's min/max and na_codes"
    ) in caplog.text
    assert "填写日期" not in caplog.text  # 4 of 408: a few bad rows
