"""Tests for the synthetic sample-data generator (reportgen.sample_data)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from reportgen.canonical import DEFAULT_ATTRIBUTES, TABLES
from reportgen.config import load_config
from reportgen.sample_data import (
    CSAT_LABELS,
    DRIVER_WEIGHTS,
    SELF_SERVICE,
    PlantedIssue,
    SampleSet,
    generate,
)

SCALE = 0.3
REASONS = {
    "bad_score",
    "out_of_range",
    "bad_date",
    "ambiguous_date",
    "implausible_date",
    "unknown_unit",
    "missing_required",
    "bad_number",
    "bad_bool",
    "ragged_row",
    "duplicate_key",
    "negative_duration",
}
SURVEY_HEADER = [
    "问卷编号", "客户编号", "提交日期", "事业部", "渠道", "地区", "客户类型", "总体满意度",
    "推荐意愿", "费力程度", "产品契合度", "响应速度", "问题解决", "服务态度", "价格合理性",
    "品牌信任", "信任度", "复购意愿", "意见与建议",
]  # fmt: skip


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return generate(tmp_path_factory.mktemp("messy"), seed=7, scale=SCALE)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    """Parquet layout at scale 1 (fast): large enough samples for the story checks."""
    return generate(tmp_path_factory.mktemp("parquet"), seed=7, scale=1.0, layout="parquet")


def _csv_records(path: Path, encoding: str) -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


# -- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["messy", "clean"])
def test_config_validates_and_maps_every_file(which: str, request: pytest.FixtureRequest) -> None:
    sample: SampleSet = request.getfixturevalue(which)
    config = load_config(sample.config_path)  # also checks that every source file exists
    assert config.unit_ids == ("retail", "finance", "hotel", "after_sales", "ecommerce", "telecom")
    assert config.attribute_ids == DEFAULT_ATTRIBUTES
    assert config.statistics.min_n == 30
    assert config.report.language == "zh-CN"
    assert config.report.output_dir == Path("out")
    for unit in config.units:
        assert unit.owners and all(o.endswith("@example.com") for o in unit.owners)
    assert config.resolve_unit("HOTEL") == "hotel"
    assert config.resolve_unit("零售") == "retail"
    for table, path in sample.files.items():
        src = getattr(config.sources, table)
        assert config.path(src.path) == path.resolve()
        assert set(src.columns) <= set(TABLES[table].column_names) | set(DEFAULT_ATTRIBUTES)
    responses = config.sources.responses
    assert responses.dates.dayfirst is None
    assert config.scale_for("responses", "effort").reversed
    assert config.scale_for("responses", "price_fairness").na_codes == (99.0,)
    if which == "messy":
        assert config.scale_for("responses", "csat").labels == CSAT_LABELS
        assert responses.encoding == "gb18030"
        assert config.sources.customers.header_row == 3
        assert config.sources.customers.sheet == "客户"
        assert config.sources.tickets.encoding == "utf-8-sig"


def test_config_is_commented_for_new_users(messy: SampleSet) -> None:
    text = messy.config_path.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 25
    assert any(re.search(r"[\u4e00-\u9fff]", c) for c in comments)
    assert "dayfirst" in text and "dayfirst:" not in text.replace("# dayfirst", "")


# -- determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["messy", "parquet"])
def test_same_seed_gives_identical_bytes(tmp_path: Path, layout: str) -> None:
    a = generate(tmp_path / "a", seed=3, scale=0.1, layout=layout)  # type: ignore[arg-type]
    b = generate(tmp_path / "b", seed=3, scale=0.1, layout=layout)  # type: ignore[arg-type]
    assert a.rows == b.rows
    assert a.planted == b.planted
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert "reportgen.yaml" in names and not any(n.endswith(".tmp") for n in names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    c = generate(tmp_path / "c", seed=4, scale=0.1, layout=layout)  # type: ignore[arg-type]
    assert c.files["responses"].read_bytes() != a.files["responses"].read_bytes()


def test_generate_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout"):
        generate(tmp_path, layout="csv")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)
    with pytest.raises(ValueError, match="Excel"):
        generate(tmp_path, scale=200)


# -- file formats ------------------------------------------------------------------------------


def test_survey_is_gb18030_not_utf8(messy: SampleSet) -> None:
    raw = messy.files["responses"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.split("\r\n", 1)[0].split(",") == SURVEY_HEADER
    records = _csv_records(messy.files["responses"], "gb18030")
    assert len(records) - 1 == messy.rows["responses"]
    # one physical line per record: no field holds a line break
    assert text.count("\n") == text.count("\r\n") == text.count("\r") == len(records)
    body = pd.DataFrame(
        [r for r in records[1:] if len(r) == len(SURVEY_HEADER)], columns=SURVEY_HEADER
    )
    assert len(set(CSAT_LABELS) & set(body["总体满意度"])) >= 3
    assert body["推荐意愿"].str.endswith("分").any()
    assert body["推荐意愿"].str.contains("[０-９]").any()
    assert (body["价格合理性"] == "99").any()
    assert body["提交日期"].str.contains("年").any() and body["提交日期"].str.contains("/").any()
    assert {"零售", "HOTEL"} & set(body["事业部"])
    assert (body["地区"] == "NA").any() and (body["渠道"] == "无").any()
    comments = body["意见与建议"]
    assert comments.str.contains(r"1[3-9]\d{9}").any()
    assert comments.str.contains(r"[\w.]+@example\.com").any()
    assert comments.str.contains("\x1f").any()
    assert comments.str.startswith("=HYPERLINK(").any()
    assert (comments.str.len() > 1000).any()
    assert comments.str.contains("[A-Za-z]{4,} [a-z]+").any()  # some English comments


def test_tickets_csv_has_bom_and_english_headers(messy: SampleSet) -> None:
    raw = messy.files["tickets"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    records = _csv_records(messy.files["tickets"], "utf-8-sig")
    assert records[0] == [
        "Ticket ID", "Customer", "BU", "Channel", "Opened", "First Response", "Resolved",
        "Contacts", "Complaint", "Category",
    ]  # fmt: skip
    assert len(records) - 1 == messy.rows["tickets"]
    df = pd.DataFrame(records[1:], columns=records[0])
    assert set(df["Channel"]) == {"电话", "在线客服", "AI机器人", "App", "小程序", "邮件"}
    assert set(df["Complaint"]) >= {"是", "否"}
    assert (df["Resolved"] == "").any()
    assert df["Opened"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").mean() > 0.99


def test_crm_workbook_layout(messy: SampleSet) -> None:
    wb = openpyxl.load_workbook(messy.files["customers"])
    assert wb.sheetnames == ["说明", "客户"]
    assert wb.properties.created == datetime(2026, 10, 1, 8, 0, 0)
    assert wb.properties.modified == datetime(2026, 10, 1, 8, 0, 0)  # never "now"
    ws = wb["客户"]
    header = [c.value for c in ws[3]]
    assert header[:8] == [
        "客户编号",
        "所属事业部",
        "客户分层",
        "所在地区",
        "行业",
        "注册日期",
        "流失日期",
        "标签",
    ]
    assert ws["A1"].value and ws["B1"].value is None and ws["A2"].value
    assert ws.max_row - 3 == messy.rows["customers"]
    ids = [ws.cell(r, 1) for r in range(4, ws.max_row + 1)]
    assert all(c.data_type == "s" and re.fullmatch(r"\d{6,}", c.value) for c in ids)
    assert ids[0].value == "000001"
    joins = [ws.cell(r, 6).value for r in range(4, ws.max_row + 1)]
    assert any(isinstance(v, datetime) for v in joins)
    serials = [v for v in joins if isinstance(v, int)]
    assert serials and all(35_000 < v < 47_000 for v in serials)
    churn = [ws.cell(r, 7).value for r in range(4, ws.max_row + 1)]
    assert None in churn and any(isinstance(v, datetime) for v in churn)


def test_orders_parquet_ids_are_text(messy: SampleSet) -> None:
    table = pq.read_table(messy.files["orders"])
    assert table.num_rows == messy.rows["orders"]
    assert str(table.schema.field("customer_id").type) == "string"
    assert str(table.schema.field("order_date").type).startswith("timestamp")
    ids = table.column("customer_id").to_pylist()
    assert all(re.fullmatch(r"\d{6,}", i) for i in ids[:1000])
    dates = table.column("order_date").to_pandas()
    assert dates.min() >= pd.Timestamp("2023-01-01")
    assert dates.max() < pd.Timestamp("2026-10-01")
    assert dates.is_monotonic_increasing  # sorted output
    amounts = table.column("amount_cny")
    assert amounts.null_count == sum(p.table == "orders" for p in messy.planted)
    assert pq.ParquetFile(messy.files["orders"]).metadata.num_rows == table.num_rows


# -- planted issues ----------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def _check_planted(sample: SampleSet, issues: list[PlantedIssue]) -> None:
    by_file: dict[str, list[PlantedIssue]] = {}
    for p in issues:
        by_file.setdefault(p.file, []).append(p)
    for name, group in by_file.items():
        path = sample.out_dir / name
        if name.endswith(".csv"):
            encoding = "gb18030" if name == "survey_responses.csv" else "utf-8-sig"
            records = _csv_records(path, encoding)
            header = records[0]
            for p in group:
                record = records[p.row - 1]  # physical line == record: no embedded newlines
                if p.reason == "ragged_row":
                    assert p.column == ""
                    assert len(record) == int(p.value) != len(header), p
                else:
                    assert record[header.index(p.column)] == p.value, p
        elif name.endswith(".xlsx"):
            ws = openpyxl.load_workbook(path)["客户"]
            header = [c.value for c in ws[3]]
            for p in group:
                assert _cell_text(ws.cell(p.row, header.index(p.column) + 1).value) == p.value, p
        else:
            table = pq.read_table(path)
            for p in group:
                value = table.column(p.column)[p.row - 1].as_py()
                if isinstance(value, datetime):
                    text = value.strftime("%Y-%m-%d %H:%M:%S")
                else:
                    text = _cell_text(value)
                assert text == p.value, p


def test_planted_issues_point_at_real_file_content(messy: SampleSet, clean: SampleSet) -> None:
    for sample in (messy, clean):
        assert sample.planted
        assert {p.reason for p in sample.planted} <= REASONS
        assert len(set(sample.planted)) == len(sample.planted)
        assert len({(p.file, p.row) for p in sample.planted}) == len(sample.planted)
        _check_planted(sample, list(sample.planted))


def test_messy_set_plants_every_reason(messy: SampleSet) -> None:
    reasons = {(p.table, p.reason) for p in messy.planted}
    for reason in (
        "bad_score", "out_of_range", "bad_date", "ambiguous_date", "implausible_date",
        "unknown_unit", "missing_required", "duplicate_key", "ragged_row",
    ):  # fmt: skip
        assert ("responses", reason) in reasons
    assert {("customers", "unknown_unit"), ("customers", "bad_date")} <= reasons
    assert ("orders", "missing_required") in reasons
    assert {("tickets", "bad_number"), ("tickets", "bad_bool")} <= reasons
    survey_bad = sum(p.table == "responses" for p in messy.planted)
    assert 0.001 < survey_bad / messy.rows["responses"] < 0.006
    assert sum(p.reason == "ragged_row" for p in messy.planted) == 2
    ambiguous = [p.value for p in messy.planted if p.reason == "ambiguous_date"]
    for value in ambiguous:
        day, month, _year = (int(x) for x in value.split("/"))
        assert day <= 12 and month <= 12 and day != month
    dup_ids = [p.value for p in messy.planted if p.reason == "duplicate_key"]
    records = _csv_records(messy.files["responses"], "gb18030")
    for p in messy.planted:
        if p.reason == "duplicate_key":
            assert records[p.row - 1] == records[p.row - 2]  # exact copy right after the original
    assert len(set(dup_ids)) == len(dup_ids)


# -- the story ---------------------------------------------------------------------------------


def _quarter(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("Q").astype(str)


@pytest.fixture(scope="module")
def frames(clean: SampleSet) -> dict[str, pd.DataFrame]:
    out = {name: pq.read_table(clean.files[name]).to_pandas() for name in ("responses", "tickets")}
    r = out["responses"]
    good = r["csat"].between(1, 5) & r["ltr"].between(0, 10) & (r["date"] >= date(2023, 1, 1))
    out["responses"] = r[good].assign(quarter=_quarter(r.loc[good, "date"]))
    t = out["tickets"]
    out["tickets"] = t.assign(quarter=_quarter(t["opened_at"]))
    return out


def _nps(ltr: pd.Series) -> float:
    return float(((ltr >= 9).mean() - (ltr <= 6).mean()) * 100)


def test_quarters_and_volumes(clean: SampleSet, frames: dict[str, pd.DataFrame]) -> None:
    assert (clean.first_quarter, clean.last_quarter) == ("2023Q1", "2026Q3")
    quarters = sorted(frames["responses"]["quarter"].unique())
    assert len(quarters) == 15 and quarters[0] == "2023Q1" and quarters[-1] == "2026Q3"
    assert 27_000 < clean.rows["responses"] < 33_000
    assert 9_000 < clean.rows["customers"] < 11_000
    assert 120_000 < clean.rows["orders"] < 180_000
    assert 36_000 < clean.rows["tickets"] < 44_000


def test_story_overall_csat_high(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    csat = (r["csat"] >= 4).groupby(r["quarter"]).mean()
    assert csat.between(0.84, 0.93).all(), csat


def test_story_hotel_nps_improves(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    hotel = r[r["unit"] == "酒店集团"]
    now = _nps(hotel.loc[hotel["quarter"] == "2026Q3", "ltr"])
    year_ago = _nps(hotel.loc[hotel["quarter"] == "2025Q3", "ltr"])
    first = _nps(hotel.loc[hotel["quarter"] == "2023Q1", "ltr"])
    assert now - year_ago > 10
    assert now - first > 25


def test_story_after_sales_slow_and_less_satisfied(frames: dict[str, pd.DataFrame]) -> None:
    t = frames["tickets"]
    a = t[(t["unit"] == "售后服务") & t["first_response_at"].notna()]
    hours = (a["first_response_at"] - a["opened_at"]).dt.total_seconds() / 3600
    median = hours.groupby(a["quarter"]).median()
    assert median["2026Q3"] > 2 * median["2025Q3"]
    assert median["2026Q3"] < 4 * median["2025Q3"]
    r = frames["responses"]
    a_r = r[r["unit"] == "售后服务"]
    csat = (a_r["csat"] >= 4).groupby(a_r["quarter"]).mean()
    assert csat["2026Q3"] < csat["2025Q3"] - 0.08
    nps = a_r.groupby("quarter")["ltr"].apply(_nps)
    assert nps["2026Q3"] < nps["2025Q3"] - 15


def test_story_self_service_faster_but_lower_fcr(frames: dict[str, pd.DataFrame]) -> None:
    t = frames["tickets"]
    done = t[t["resolved_at"].notna() & (t["resolved_at"] >= t["opened_at"])]
    fcr = (done["contacts"] == 1).groupby(done["channel"]).mean()
    for channel in SELF_SERVICE:
        assert fcr[channel] < fcr["电话"] - 0.1
        assert fcr[channel] < fcr["在线客服"]
    answered = t[t["first_response_at"].notna()]
    hours = (answered["first_response_at"] - answered["opened_at"]).dt.total_seconds()
    median = hours.groupby(answered["channel"]).median()
    assert max(median[c] for c in SELF_SERVICE) < min(median["电话"], median["在线客服"])


def test_story_drivers_recoverable(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    attrs = list(DEFAULT_ATTRIBUTES)
    x = r[attrs].astype(float)
    ok = x.apply(lambda c: c.between(1, 5)).all(axis=1)
    design = np.column_stack([np.ones(ok.sum()), x[ok].to_numpy()])
    coef = np.linalg.lstsq(design, r.loc[ok, "csat"].to_numpy(float), rcond=None)[0][1:]
    fitted = dict(zip(attrs, coef, strict=True))
    top_two = sorted(fitted, key=fitted.get, reverse=True)[:2]
    assert set(top_two) == {"problem_solving", "responsiveness"}
    assert top_two == sorted(DRIVER_WEIGHTS, key=DRIVER_WEIGHTS.get, reverse=True)[:2]
    means = {a: r.loc[r[a].between(1, 5), a].mean() for a in attrs}
    assert min(means, key=means.get) == "price_fairness"


def test_story_loyal_behaviour_slips(clean: SampleSet) -> None:
    orders = pq.read_table(clean.files["orders"], columns=["customer_id", "date"]).to_pandas()
    orders["quarter"] = _quarter(orders["date"])
    per = orders.groupby(["quarter", "customer_id"]).size()
    rate = (per >= 2).groupby(level=0).mean()
    assert rate["2026Q3"] < rate["2024Q3"] - 0.03
    customers = pq.read_table(clean.files["customers"]).to_pandas()
    join = pd.to_datetime(customers["join_date"])
    churn = pd.to_datetime(customers["churn_date"])

    def churn_rate(start: str, end: str) -> float:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
        active = (join < s) & (churn.isna() | (churn >= s))
        return float((active & (churn < e)).sum() / active.sum())

    last_year = churn_rate("2025-10-01", "2026-10-01")
    year_before = churn_rate("2024-10-01", "2025-10-01")
    assert last_year > year_before


def test_story_complaints_concentrated(frames: dict[str, pd.DataFrame]) -> None:
    t = frames["tickets"]
    share = t.loc[t["complaint"], "category"].value_counts(normalize=True)
    assert set(share.index[:4]) == {"物流/配送", "价格", "服务态度", "响应速度"}
    assert share.iloc[:4].sum() > 0.7


def test_one_small_unit_segment_cell(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    last = r[r["quarter"] == "2026Q3"]
    cells = last.groupby(["unit", "segment"]).size()
    small = cells[cells < 30]
    assert list(small.index) == [("通信服务", "大客户")]
    assert len(cells) == 18


def test_targets_and_benchmarks(messy: SampleSet) -> None:
    targets = pd.read_csv(messy.files["targets"], encoding="utf-8")
    assert list(targets.columns) == ["unit", "period", "kpi", "target"]
    assert set(targets["period"]) == {f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)}
    assert set(targets["kpi"]) == {
        "csat", "nps", "fcr", "repurchase_rate", "churn_rate", "first_response_hours_median",
    }  # fmt: skip
    assert "all" in set(targets["unit"]) and len(set(targets["unit"])) == 7
    ratios = targets[targets["kpi"].isin(["csat", "fcr", "repurchase_rate", "churn_rate"])]
    assert ratios["target"].between(0, 1).all()
    assert targets.loc[targets["kpi"] == "nps", "target"].between(-100, 100).all()
    bench = pd.read_csv(messy.files["benchmarks"], encoding="utf-8")
    assert list(bench.columns) == ["kpi", "scope", "value", "source"]
    assert {"global", "China"} <= set(bench["scope"])
    assert (bench["source"] == "synthetic benchmark for the demo").all()


def test_both_layouts_carry_the_same_data(messy: SampleSet, tmp_path: Path) -> None:
    clean = generate(tmp_path, seed=7, scale=SCALE, layout="parquet")
    records = _csv_records(messy.files["tickets"], "utf-8-sig")
    opened_csv = [r[4] for r in records[1:]]
    table = pq.read_table(clean.files["tickets"], columns=["opened_at"]).to_pandas()
    opened_pq = table["opened_at"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    assert len(opened_csv) == len(opened_pq) == messy.rows["tickets"]
    planted = {p.row - 2 for p in messy.planted if p.table == "tickets" and p.column == "Opened"}
    differ = {i for i, (a, b) in enumerate(zip(opened_csv, opened_pq, strict=True)) if a != b}
    assert differ == planted
    duplicates = sum(p.reason == "duplicate_key" for p in messy.planted if p.table == "responses")
    assert messy.rows["responses"] - duplicates == clean.rows["responses"]
    assert messy.rows["orders"] == clean.rows["orders"]
