"""The generated sample set through the real loading pipeline.

Every problem the generator planted must come back out of the loader exactly: the
same table, file row, source column and reason in the quarantine listing, duplicates
filtered (first occurrence wins), nothing else quarantined, and
``read = loaded + quarantined + filtered`` for every file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from reportgen.config import ReportConfig, load_config
from reportgen.engine.registry import kpi_registry
from reportgen.loading import Dataset, Scope, load_dataset
from reportgen.loading.normalize import REASONS
from reportgen.pipeline import KpiReport, compute_kpis
from reportgen.sample_data import PlantedIssue, SampleSet, generate

TODAY = dt.date(2026, 11, 23)
SURVEY_FIELDS = 19  # columns of the survey export (a ragged row has fewer or more)

Key = tuple[str, str, int, str, str]  # table, file name, row, column, reason


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return generate(tmp_path_factory.mktemp("sample"), seed=7, scale=0.1, layout="messy")


@pytest.fixture(scope="module")
def config(sample: SampleSet) -> ReportConfig:
    return load_config(sample.config_path)


@pytest.fixture(scope="module")
def dataset(config: ReportConfig) -> Dataset:
    return load_dataset(config, known_kpis=list(kpi_registry(config)))


@pytest.fixture(scope="module")
def report(config: ReportConfig) -> KpiReport:
    return compute_kpis(config, period="2026Q3", today=TODAY)


def _reader_reason(p: PlantedIssue) -> str:
    """The generator says ``ragged_row``; the reader says which way the row is ragged."""
    if p.reason != "ragged_row":
        return p.reason
    return "ragged_row_short" if int(p.value) < SURVEY_FIELDS else "ragged_row_long"


def _quarantinable(sample: SampleSet) -> list[PlantedIssue]:
    return [p for p in sample.planted if p.reason != "duplicate_key"]


def _expected_keys(sample: SampleSet) -> list[Key]:
    return sorted(
        (p.table, p.file, p.row, p.column, _reader_reason(p)) for p in _quarantinable(sample)
    )


def _listed_keys(quarantine: pd.DataFrame) -> list[Key]:
    return sorted(
        (r.table, Path(r.file).name, int(r.row), r.column or "", r.reason)
        for r in quarantine.itertuples()
    )


def test_sample_plants_something_of_every_kind(sample: SampleSet) -> None:
    # Guards the tests below against an empty or degenerate sample set.
    reasons = {_reader_reason(p) for p in sample.planted}
    assert {"ragged_row_short", "ragged_row_long", "duplicate_key", "bad_score",
            "out_of_range", "ambiguous_date", "negative_duration"} <= reasons  # fmt: skip
    assert {p.table for p in sample.planted} == {"responses", "customers", "orders", "tickets"}


def test_every_planted_issue_is_quarantined_and_nothing_else(
    sample: SampleSet, dataset: Dataset
) -> None:
    listed = _listed_keys(dataset.quarantine(limit=None))
    expected = _expected_keys(sample)
    missing = sorted(set(expected) - set(listed))
    extra = sorted(set(listed) - set(expected))
    assert not missing, f"planted but not quarantined: {missing}"
    assert not extra, f"quarantined but not planted: {extra}"
    assert listed == expected  # also: no row listed twice


def test_quarantined_values_are_what_the_file_holds(sample: SampleSet, dataset: Dataset) -> None:
    q = dataset.quarantine(limit=None)
    by_key = {(r.table, int(r.row)): r for r in q.itertuples()}
    for p in _quarantinable(sample):
        listed = by_key[(p.table, p.row)]
        if p.reason == "ragged_row":
            # the reader quotes the raw line; it holds the survey id of that line
            assert listed.value and listed.value.startswith("SV")
        elif p.value == "":
            assert pd.isna(listed.value), p
        else:
            assert listed.value == p.value, p


def test_quarantine_listing_names_file_row_column_and_a_known_reason(dataset: Dataset) -> None:
    q = dataset.quarantine(limit=None)
    assert list(q.columns) == ["table", "file", "row", "column", "value", "reason"]
    assert set(q.reason) <= set(REASONS)
    assert (q.row >= 1).all()
    assert q.file.map(lambda f: Path(f).is_file()).all()
    non_ragged = q[~q.reason.str.startswith("ragged_row")]
    assert non_ragged.column.notna().all() and (non_ragged.column != "").all()


def test_reconciliation_balances_for_every_file(sample: SampleSet, dataset: Dataset) -> None:
    recs = dataset.reconcile(Scope())
    assert {r.table for r in recs} == set(sample.rows)
    planted = _quarantinable(sample)
    for r in recs:
        assert r.balanced, r
        assert r.read == r.loaded + r.quarantined + r.filtered_total
        assert r.read == sample.rows[r.table], r.table
        expected_reasons = Counter(_reader_reason(p) for p in planted if p.table == r.table)
        assert r.quarantine_reasons == dict(expected_reasons), r.table
        assert r.quarantined == sum(expected_reasons.values())
        dups = sum(p.table == r.table and p.reason == "duplicate_key" for p in sample.planted)
        assert r.filtered == {"duplicate": dups, "unit": 0, "period": 0}, r.table
        assert Path(r.source).name == sample.files[r.table].name


def test_duplicates_are_filtered_and_the_first_occurrence_wins(
    sample: SampleSet, dataset: Dataset
) -> None:
    planted = sorted(p.row for p in sample.planted if p.reason == "duplicate_key")
    assert planted
    t = dataset.staged["responses"].table
    dup = t.filter(t._dup).select("_row", "response_id").execute()
    assert sorted(dup._row.tolist()) == planted
    # the original is the line right before its copy and is loaded, not filtered
    loaded = dataset.table("responses", Scope())
    originals = loaded.filter(loaded.response_id.isin(dup.response_id.tolist()))
    rows = originals.select("_row", "response_id").execute()
    assert sorted(rows._row.tolist()) == [r - 1 for r in planted]
    by_id = {p.value: p.row for p in sample.planted if p.reason == "duplicate_key"}
    assert all(by_id[rid] - 1 == row for rid, row in zip(rows.response_id, rows._row, strict=True))


def test_unit_and_period_filters_keep_the_balance(dataset: Dataset) -> None:
    scope = Scope(start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 1), units=("hotel",))
    recs = {r.table: r for r in dataset.reconcile(scope)}
    full = {r.table: r for r in dataset.reconcile(Scope())}
    for name, r in recs.items():
        assert r.balanced, r
        assert r.read == full[name].read
        assert r.quarantined == full[name].quarantined  # scope never hides a bad row
        assert r.filtered["duplicate"] == full[name].filtered["duplicate"]
    for name in ("responses", "orders", "tickets"):
        assert recs[name].filtered["unit"] > 0 and recs[name].filtered["period"] > 0
        assert 0 < recs[name].loaded < full[name].loaded
    assert recs["customers"].filtered["period"] == 0  # customers have no event date
    assert recs["customers"].filtered["unit"] > 0
    # the loaded rows are exactly the hotel rows of 2026Q1
    loaded = dataset.table("responses", scope).execute()
    assert set(loaded.unit) == {"hotel"}
    assert loaded.date.min() >= pd.Timestamp("2026-01-01")
    assert loaded.date.max() < pd.Timestamp("2026-04-01")
    assert len(loaded) == recs["responses"].loaded


def test_pipeline_reports_the_same_account(
    sample: SampleSet, dataset: Dataset, report: KpiReport
) -> None:
    assert report.period.label == "2026Q3"
    assert _listed_keys(report.quarantine) == _expected_keys(sample)
    full = {r.table: r for r in dataset.reconcile(Scope())}
    for r in report.reconciliation:
        assert r.balanced, r
        assert r.read == sample.rows[r.table]
        assert r.quarantine_reasons == full[r.table].quarantine_reasons
        assert r.filtered["duplicate"] == full[r.table].filtered["duplicate"]
    by_table = {r.table: r for r in report.reconciliation}
    # the analysis window (8 trend quarters + last year) starts in 2024Q4, so earlier
    # survey rows are filtered by period, not lost
    resp = by_table["responses"]
    assert resp.filtered["period"] > 0 and resp.filtered["unit"] == 0
    n_current = report.scorecard.query("kpi == 'csat' and unit == 'all'").n.iloc[0]
    assert 0 < n_current < resp.loaded
