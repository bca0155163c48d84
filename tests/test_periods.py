"""Tests for reportgen.periods: boundaries, neighbours, fiscal years, parsing, display."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.errors import PeriodError, ReportgenError
from reportgen.periods import KINDS, Period, parse_period, period_range_for

D = date


def p(spec: str, **kwargs: object) -> Period:
    return parse_period(spec, **kwargs)  # type: ignore[arg-type]


# -- boundaries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "start", "end"),
    [
        ("2025Q1", "quarter", D(2025, 1, 1), D(2025, 4, 1)),
        ("2025Q2", "quarter", D(2025, 4, 1), D(2025, 7, 1)),
        ("2025Q3", "quarter", D(2025, 7, 1), D(2025, 10, 1)),
        ("2025Q4", "quarter", D(2025, 10, 1), D(2026, 1, 1)),
        ("2025H1", "half", D(2025, 1, 1), D(2025, 7, 1)),
        ("2025H2", "half", D(2025, 7, 1), D(2026, 1, 1)),
        ("2025", "year", D(2025, 1, 1), D(2026, 1, 1)),
        ("2025-07", "month", D(2025, 7, 1), D(2025, 8, 1)),
        ("2025-12", "month", D(2025, 12, 1), D(2026, 1, 1)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 3, 1)),
        ("2025-01-15..2025-03-31", "custom", D(2025, 1, 15), D(2025, 4, 1)),
        ("2025-03-05..2025-03-05", "custom", D(2025, 3, 5), D(2025, 3, 6)),
    ],
)
def test_calendar_boundaries(spec: str, kind: str, start: date, end: date) -> None:
    period = p(spec)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.fiscal_year_start_month == 1
    assert period.label == spec
    assert period.last_day == end - timedelta(days=1)


def test_contains_is_start_inclusive_end_exclusive() -> None:
    q3 = p("2025Q3")
    assert q3.contains(D(2025, 7, 1))
    assert q3.contains(D(2025, 9, 30))
    assert not q3.contains(D(2025, 10, 1))
    assert not q3.contains(D(2025, 6, 30))
    assert q3.contains(datetime(2025, 9, 30, 23, 59))
    assert q3.last_day == D(2025, 9, 30)


def test_lengths_and_years_fraction() -> None:
    assert p("2025-07").months == 1
    assert p("2025Q3").months == 3
    assert p("2025H1").months == 6
    assert p("2025").months == 12
    assert p("2025Q3").years_fraction == 0.25
    assert p("2025H2").years_fraction == 0.5
    assert p("2025").years_fraction == 1.0
    custom = p("2025-01-01..2025-03-31")
    assert custom.months is None
    assert custom.days == 90
    assert custom.years_fraction == pytest.approx(90 / 365.25)
    assert p("2024").days == 366


# -- neighbours ---------------------------------------------------------------------------


def test_previous_across_year_boundary() -> None:
    assert p("2025Q1").previous() == p("2024Q4")
    assert p("2025Q3").previous() == p("2025Q2")
    assert p("2025H1").previous() == p("2024H2")
    assert p("2025H2").previous() == p("2025H1")
    assert p("2025-01").previous() == p("2024-12")
    assert p("2025").previous() == p("2024")
    assert p("2024Q4").next() == p("2025Q1")
    assert p("2024-12").next() == p("2025-01")


def test_previous_of_custom_is_same_length_range_just_before() -> None:
    custom = p("2025-01-15..2025-03-31")  # 76 days
    before = custom.previous()
    assert before == Period.for_range(D(2024, 10, 31), D(2025, 1, 14))
    assert before.days == custom.days == 76
    assert before.end == custom.start
    assert before.next() == custom


def test_same_period_last_year() -> None:
    assert p("2025Q3").same_period_last_year() == p("2024Q3")
    assert p("2025H1").same_period_last_year() == p("2024H1")
    assert p("2025-02").same_period_last_year() == p("2024-02")
    assert p("2025").same_period_last_year() == p("2024")
    assert p("2025-01-15..2025-03-31").same_period_last_year() == p("2024-01-15..2024-03-31")


def test_leap_day_custom_shift() -> None:
    assert p("2024-02-29..2024-03-31").same_period_last_year() == p("2023-02-28..2023-03-31")
    assert p("2024-01-01..2024-02-29").same_period_last_year() == p("2023-01-01..2023-02-28")
    # The last day is shifted, not the exclusive end: 28 Feb stays 28 Feb.
    assert p("2024-01-01..2024-02-28").same_period_last_year() == p("2023-01-01..2023-02-28")
    assert p("2024-02-29..2024-02-29").same_period_last_year() == p("2023-02-28..2023-02-28")
    # Into a leap year the same calendar dates are kept (no 29 Feb invented).
    assert p("2025-02-01..2025-02-28").same_period_last_year() == p("2024-02-01..2024-02-28")


def test_trailing_eight_quarters() -> None:
    periods = p("2025Q3").trailing(8)
    assert len(periods) == 8
    assert periods[0] == p("2023Q4")
    assert periods[-1] == p("2025Q3")
    assert [x.label for x in periods] == [
        "2023Q4",
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
    ]
    assert p("2025Q3").trailing(1) == (p("2025Q3"),)
    assert [x.label for x in p("2025-02").trailing(3)] == ["2024-12", "2025-01", "2025-02"]


@pytest.mark.parametrize("n", [0, -1, 2.0, True])
def test_trailing_rejects_bad_counts(n: object) -> None:
    with pytest.raises(PeriodError, match=repr(n).replace(".", r"\.")):
        p("2025Q3").trailing(n)  # type: ignore[arg-type]


def test_ordering_by_start_then_end() -> None:
    unordered = [p("2025Q3"), p("2024"), p("2025-07"), p("2025H1"), p("2025Q1")]
    assert [x.label for x in sorted(unordered)] == ["2024", "2025Q1", "2025H1", "2025-07", "2025Q3"]
    assert p("2024Q4") < p("2025Q1")
    assert p("2025-07") < p("2025Q3") <= p("2025Q3")
    assert p("2025H2") > p("2025Q3")


def test_period_range_for() -> None:
    assert period_range_for([p("2025Q3"), p("2024Q3"), p("2025Q2")]) == (
        D(2024, 7, 1),
        D(2025, 10, 1),
    )
    assert period_range_for(p("2025Q3").trailing(8)) == (D(2023, 10, 1), D(2025, 10, 1))
    with pytest.raises(PeriodError, match="no periods"):
        period_range_for([])


# -- fiscal years -------------------------------------------------------------------------


def test_fiscal_year_starting_in_april() -> None:
    fy = p("FY2026", fiscal_year_start_month=4)
    assert (fy.kind, fy.start, fy.end) == ("year", D(2025, 4, 1), D(2026, 4, 1))
    assert fy.label == "FY2026"
    assert fy.fiscal_year == 2026
    q1 = p("FY2026Q1", fiscal_year_start_month=4)
    assert (q1.start, q1.end) == (D(2025, 4, 1), D(2025, 7, 1))
    q4 = p("FY2026Q4", fiscal_year_start_month=4)
    assert (q4.start, q4.end) == (D(2026, 1, 1), D(2026, 4, 1))
    h2 = p("FY2026H2", fiscal_year_start_month=4)
    assert (h2.start, h2.end) == (D(2025, 10, 1), D(2026, 4, 1))
    assert fy.previous() == p("FY2025", fiscal_year_start_month=4)
    assert q1.previous() == p("FY2025Q4", fiscal_year_start_month=4)
    assert q1.same_period_last_year() == p("FY2025Q1", fiscal_year_start_month=4)
    for label in ("FY2026", "FY2026Q1", "FY2026Q4", "FY2026H2", "2025-07"):
        period = p(label, fiscal_year_start_month=4)
        assert period.label == label
        assert p(period.label, fiscal_year_start_month=4) == period


def test_bare_labels_are_fiscal_when_fiscal_start_is_not_january() -> None:
    assert p("2026Q1", fiscal_year_start_month=4) == p("FY2026Q1", fiscal_year_start_month=4)
    assert p("2026H2", fiscal_year_start_month=4) == p("FY2026H2", fiscal_year_start_month=4)
    assert p("2026", fiscal_year_start_month=4) == p("FY2026", fiscal_year_start_month=4)
    assert p("2026年第1季度", fiscal_year_start_month=4).start == D(2025, 4, 1)
    month = p("2025-07", fiscal_year_start_month=4)
    assert (month.start, month.end) == (D(2025, 7, 1), D(2025, 8, 1))


def test_fiscal_start_january_is_calendar() -> None:
    assert p("FY2025") == p("2025")
    assert p("FY2025Q3") == p("2025Q3")
    assert p("FY2025H2").label == "2025H2"


def test_fiscal_year_starting_in_october() -> None:
    fy = Period.for_year(2026, fiscal_year_start_month=10)
    assert (fy.start, fy.end) == (D(2025, 10, 1), D(2026, 10, 1))
    q2 = Period.for_quarter(2026, 2, fiscal_year_start_month=10)
    assert (q2.start, q2.end) == (D(2026, 1, 1), D(2026, 4, 1))
    assert (
        Period.containing("quarter", D(2025, 12, 31), fiscal_year_start_month=10).label
        == "FY2026Q1"
    )
    assert Period.containing("year", D(2025, 9, 30), fiscal_year_start_month=10).label == "FY2025"


# -- relative and data-driven specs -------------------------------------------------------


def test_previous_relative_to_today() -> None:
    today = D(2026, 11, 23)
    assert p("previous-quarter", today=today) == p("2026Q3")
    assert p("previous-year", today=today) == p("2025")
    assert p("previous-month", today=today) == p("2026-10")
    assert p("previous-half", today=today) == p("2026H1")
    assert p("Previous Quarter", today=today) == p("2026Q3")
    assert p("previous_month", today=today) == p("2026-10")


def test_previous_on_first_day_of_a_quarter() -> None:
    assert p("previous-quarter", today=D(2026, 10, 1)) == p("2026Q3")
    assert p("previous-month", today=D(2026, 1, 1)) == p("2025-12")
    assert p("previous-year", today=D(2026, 1, 1)) == p("2025")


def test_previous_with_fiscal_year() -> None:
    today = D(2026, 5, 10)
    assert p("previous-year", today=today, fiscal_year_start_month=4).label == "FY2026"
    assert p("previous-quarter", today=today, fiscal_year_start_month=4).label == "FY2026Q4"


def test_previous_needs_today() -> None:
    with pytest.raises(PeriodError, match=r"'previous-quarter'.*today"):
        p("previous-quarter")


def test_latest_complete_period_in_the_data() -> None:
    assert p("latest", data_max_date=D(2025, 9, 30)) == p("2025Q3")
    assert p("latest-quarter", data_max_date=D(2025, 9, 30)) == p("2025Q3")
    assert p("latest", data_max_date=D(2025, 9, 29)) == p("2025Q2")
    assert p("latest-year", data_max_date=D(2025, 12, 31)) == p("2025")
    assert p("latest-year", data_max_date=D(2025, 12, 30)) == p("2024")
    assert p("latest-month", data_max_date=D(2025, 9, 29)) == p("2025-08")
    assert p("latest-half", data_max_date=D(2025, 9, 30)) == p("2025H1")
    assert p("latest", data_max_date=datetime(2025, 9, 30, 18, 0)) == p("2025Q3")


def test_latest_needs_data() -> None:
    with pytest.raises(PeriodError, match=r"'latest'.*no data"):
        p("latest")


# -- input forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "2025Q3",
        "2025q3",
        "2025-Q3",
        "2025-q3",
        "2025 Q3",
        " 2025Q3 ",
        "Q3 2025",
        "2025年第3季度",
        "2025年第三季度",
        "2025年第3季",
        "2025年Q3",
        "２０２５年第３季度",
        "FY2025Q3",
        "fy2025q3",
    ],
)
def test_quarter_input_forms(spec: str) -> None:
    assert p(spec) == Period.for_quarter(2025, 3)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2025H1", "2025H1"),
        ("2025h2", "2025H2"),
        ("2025-H1", "2025H1"),
        ("H2 2025", "2025H2"),
        ("2025年上半年", "2025H1"),
        ("2025年下半年", "2025H2"),
        ("2025年", "2025"),
        ("2025年度", "2025"),
        ("2025年7月", "2025-07"),
        ("2025年07月", "2025-07"),
        ("2025/07", "2025-07"),
        ("2025/7", "2025-07"),
        ("Jul 2025", "2025-07"),
        ("july 2025", "2025-07"),
        ("FY2026 Q1", "2026Q1"),
        ("2026财年第一季度", "2026Q1"),
        ("2026财年上半年", "2026H1"),
        ("2026财年", "2026"),
        ("2025-01-15 .. 2025-03-31", "2025-01-15..2025-03-31"),
        ("2025-01-15 \u2013 2025-03-31", "2025-01-15..2025-03-31"),
        ("2025/1/15 - 2025/3/31", "2025-01-15..2025-03-31"),
        ("2025年1月15日至2025年3月31日", "2025-01-15..2025-03-31"),
    ],
)
def test_other_input_forms(spec: str, expected: str) -> None:
    assert p(spec).label == expected


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("2025-13", "month 13"),
        ("2025年0月", "month 0"),
        ("2025Q5", "quarter 5"),
        ("2025年第5季度", "quarter 5"),
        ("2025H3", "half 3"),
        ("2025-03-31..2025-01-15", "ends before it starts"),
        ("2025-02-30..2025-03-31", "not a valid date"),
        ("Sept 2025", "accepted forms"),
        ("last-quarter", "accepted forms"),
        ("25Q3", "accepted forms"),
        ("", "accepted forms"),
    ],
)
def test_errors_quote_the_bad_value(spec: str, fragment: str) -> None:
    with pytest.raises(PeriodError) as info:
        p(spec)
    message = str(info.value)
    assert repr(spec) in message
    assert fragment in message
    assert "\n" not in message


def test_unrecognised_spec_lists_accepted_forms_with_examples() -> None:
    with pytest.raises(PeriodError) as info:
        p("next quarter")
    message = str(info.value)
    assert "'next quarter'" in message
    for example in ("2025Q3", "2025-07", "FY2026Q1", "2025年第3季度", "previous-quarter", "latest"):
        assert example in message
    assert isinstance(info.value, ReportgenError)


@pytest.mark.parametrize("month", [0, 13, True, "4"])
def test_fiscal_year_start_month_is_validated(month: object) -> None:
    with pytest.raises(PeriodError, match=r"fiscal_year_start_month .* 1-12") as info:
        p("2025Q3", fiscal_year_start_month=month)
    assert repr(month) in str(info.value)


def test_non_text_spec_is_rejected_with_a_hint() -> None:
    with pytest.raises(PeriodError, match="2025.*quote"):
        p(2025)  # type: ignore[arg-type]


def test_direct_construction_is_validated() -> None:
    with pytest.raises(PeriodError, match="not a quarter"):
        Period("quarter", D(2025, 2, 1), D(2025, 5, 1))
    with pytest.raises(PeriodError, match="'week'"):
        Period("week", D(2025, 2, 3), D(2025, 2, 10))  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match="after its start"):
        Period("custom", D(2025, 2, 3), D(2025, 2, 3))
    with pytest.raises(PeriodError, match="must be a datetime.date"):
        Period("custom", datetime(2025, 2, 3), D(2025, 2, 4))
    # A quarter aligned to an April fiscal year is a valid fiscal quarter ...
    assert Period("quarter", D(2025, 4, 1), D(2025, 7, 1), 4).label == "FY2026Q1"
    # ... but with a February start it is not.
    with pytest.raises(PeriodError, match="fiscal_year_start_month=2"):
        Period("quarter", D(2025, 4, 1), D(2025, 7, 1), 2)


# -- display ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "en", "zh"),
    [
        (Period.for_quarter(2025, 3), "Q3 2025", "2025年第三季度"),
        (Period.for_half(2025, 1), "H1 2025", "2025年上半年"),
        (Period.for_half(2025, 2), "H2 2025", "2025年下半年"),
        (Period.for_year(2025), "2025", "2025年"),
        (Period.for_month(2025, 7), "Jul 2025", "2025年7月"),
        (Period.for_month(2025, 7, fiscal_year_start_month=4), "Jul 2025", "2025年7月"),
        (Period.for_quarter(2026, 1, fiscal_year_start_month=4), "FY2026 Q1", "2026财年第一季度"),
        (Period.for_half(2026, 2, fiscal_year_start_month=4), "FY2026 H2", "2026财年下半年"),
        (Period.for_year(2026, fiscal_year_start_month=4), "FY2026", "2026财年"),
        (
            Period.for_range(D(2025, 1, 15), D(2025, 3, 31)),
            "2025-01-15 \u2013 2025-03-31",
            "2025年1月15日至2025年3月31日",
        ),
    ],
)
def test_display(period: Period, en: str, zh: str) -> None:
    assert period.display("en") == en
    assert period.display("zh-CN") == zh
    assert period.display("zh_cn") == zh
    assert period.display() == en


def test_display_rejects_unknown_language() -> None:
    with pytest.raises(PeriodError, match=r"'fr'.*en, zh-CN"):
        Period.for_year(2025).display("fr")


# -- properties ---------------------------------------------------------------------------


@st.composite
def periods(draw: st.DrawFn) -> Period:
    fsm = draw(st.integers(1, 12))
    kind = draw(st.sampled_from(KINDS))
    day = draw(st.dates(D(1900, 1, 1), D(2200, 12, 31)))
    if kind == "custom":
        length = draw(st.integers(0, 1000))
        return Period.for_range(day, day + timedelta(days=length), fiscal_year_start_month=fsm)
    return Period.containing(kind, day, fiscal_year_start_month=fsm)


@given(periods())
def test_label_round_trips(period: Period) -> None:
    assert (
        parse_period(period.label, fiscal_year_start_month=period.fiscal_year_start_month) == period
    )


@given(periods(), st.sampled_from(["en", "zh-CN"]))
def test_display_round_trips(period: Period, lang: str) -> None:
    text = period.display(lang)
    assert parse_period(text, fiscal_year_start_month=period.fiscal_year_start_month) == period


@given(periods())
def test_neighbours_are_adjacent_and_same_kind(period: Period) -> None:
    before, after = period.previous(), period.next()
    assert before.end == period.start and after.start == period.end
    assert before.kind == after.kind == period.kind
    assert before < period < after
    assert before.next() == period == after.previous()
    assert period.contains(period.start) and period.contains(period.last_day)
    assert not period.contains(period.end) and not period.contains(before.last_day)


@given(periods())
def test_same_period_last_year_is_one_year_back(period: Period) -> None:
    last_year = period.same_period_last_year()
    assert last_year.kind == period.kind
    assert last_year.start.year == period.start.year - 1
    if period.kind != "custom":
        steps = 12 // (period.months or 1)
        assert last_year == period.trailing(steps + 1)[0]
        assert last_year.label != period.label


@given(periods(), st.integers(1, 12))
def test_trailing_is_contiguous_and_ends_with_self(period: Period, n: int) -> None:
    run = period.trailing(n)
    assert len(run) == n and run[-1] == period
    assert all(a.end == b.start for a, b in zip(run, run[1:], strict=False))
    assert period_range_for(run) == (run[0].start, period.end)


@given(periods())
def test_years_fraction_matches_length(period: Period) -> None:
    if period.months is None:
        assert period.years_fraction == period.days / 365.25
    else:
        assert period.years_fraction == period.months / 12
        assert 28 * period.months <= period.days <= 31 * period.months


def test_axis_labels_are_short_in_chinese():
    from reportgen.periods import parse_period

    assert parse_period("2024Q4").axis_label("zh-CN") == "2024Q4"
    assert parse_period("2025H1").axis_label("zh-CN") == "2025H1"
    assert parse_period("2025-07").axis_label("zh-CN") == "2025年7月"
    assert parse_period("2024Q4").axis_label("en") == "Q4 2024"
    fiscal = parse_period("FY2026Q1", fiscal_year_start_month=4)
    assert fiscal.axis_label("zh-CN") == "FY2026Q1"


class _Data:
    """What resolve_period asks of a data set: where its events end."""

    def __init__(self, last: date | None, **tables: date) -> None:
        self.last = last
        self.tables = tables  # a source's own last event, where it differs

    def max_event_date(self) -> date | None:
        return self.last

    def last_event(self, name: str) -> pd.Timestamp | None:
        day = self.tables.get(name, self.last)
        return None if day is None else pd.Timestamp(day)

    def has_event_between(self, start: date, end: date) -> bool:
        # the events run up to their last day (this fake has no first one)
        return self.last is not None and start <= self.last


def test_a_period_after_the_data_end_is_an_error_and_a_cut_one_a_warning(caplog):
    from reportgen.config import load_config
    from reportgen.pipeline import resolve_period

    config = load_config(Path(__file__).parent.parent / "sample_inputs" / "reportgen.yaml")
    today = date(2025, 12, 1)
    with pytest.raises(PeriodError, match=r"period 2025Q3 .* has no data: .* dated 2025-06-27"):
        resolve_period(config, "2025Q3", _Data(date(2025, 6, 27)), today)
    with pytest.raises(PeriodError, match="has no data"):
        resolve_period(config, "previous-quarter", _Data(date(2025, 6, 27)), today)
    with caplog.at_level("WARNING", logger="reportgen"):
        assert resolve_period(config, "2025Q2", _Data(date(2025, 6, 20)), today).label == "2025Q2"
    assert "2025Q2 is not complete in the data" in caplog.text and "2025-06-30" in caplog.text
    caplog.clear()
    # 'latest' when the data end a few days before a quarter's end: said which it took
    with caplog.at_level("WARNING", logger="reportgen"):
        assert resolve_period(config, "latest", _Data(date(2025, 6, 27)), today).label == "2025Q1"
    assert "latest complete period taken as 2025Q1" in caplog.text and "2025Q2" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="reportgen"):  # mid-quarter: nothing to say
        assert resolve_period(config, "latest", _Data(date(2025, 5, 10)), today).label == "2025Q1"
        assert resolve_period(config, "latest", _Data(date(2025, 6, 30)), today).label == "2025Q2"
    assert not caplog.text


def test_one_stale_export_among_fresh_ones_is_named(caplog):
    from reportgen.config import load_config
    from reportgen.pipeline import resolve_period

    config = load_config(Path(__file__).parent.parent / "sample_inputs" / "reportgen.yaml")
    data = _Data(date(2026, 9, 30), responses=date(2026, 6, 30), tickets=date(2026, 8, 15))
    with caplog.at_level("WARNING", logger="reportgen"):
        assert resolve_period(config, "2026Q3", data, date(2026, 12, 1)).label == "2026Q3"
    assert (
        "responses: the data end on 2026-06-30, before 2026Q3 ends (other sources reach "
        "2026-09-30): its KPIs for 2026Q3 are empty; is this export stale?"
    ) in caplog.text
    assert "tickets: the data end on 2026-08-15" in caplog.text and "are incomplete" in caplog.text
    assert "orders:" not in caplog.text
