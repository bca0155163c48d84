"""Events are assigned to periods by a CASE when the periods are contiguous, by one read
per period otherwise; both give one row per event and period containing it."""

from __future__ import annotations

import datetime as dt

import ibis

from reportgen.engine.stages import _by_event_date, _contiguous
from reportgen.periods import parse_period


def _events() -> ibis.Table:
    d = dt.datetime
    days = [d(2024, 12, 31, 23, 59), d(2025, 1, 1), d(2025, 3, 31, 12), d(2025, 4, 1),
            d(2025, 6, 30, 23), d(2025, 7, 1), None]  # fmt: skip
    return ibis.memtable({"id": list(range(len(days))), "date": days})


def _assigned(periods: list) -> list[tuple[int, str, dt.date, dt.date]]:
    events = _events()
    t = _by_event_date(lambda start, end: events, "date", periods)
    rows = t.select("id", "period_id", "p_start", "p_end").to_pyarrow().to_pylist()
    return sorted((r["id"], r["period_id"], r["p_start"], r["p_end"]) for r in rows)


def test_quarters_are_assigned_by_case() -> None:
    q1, q2 = parse_period("2025Q1"), parse_period("2025Q2")
    assert _contiguous([q1, q2])
    assert _assigned([q2, q1, q1]) == [
        (1, "2025Q1", dt.date(2025, 1, 1), dt.date(2025, 4, 1)),
        (2, "2025Q1", dt.date(2025, 1, 1), dt.date(2025, 4, 1)),
        (3, "2025Q2", dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
        (4, "2025Q2", dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
    ]


def test_periods_with_a_gap_leave_its_events_out() -> None:
    q1, q3 = parse_period("2025Q1"), parse_period("2025Q3")
    assert not _contiguous([q1, q3])
    assert [r[0] for r in _assigned([q1, q3])] == [1, 2, 5]


def test_overlapping_periods_count_an_event_in_each() -> None:
    h1, q2 = parse_period("2025H1"), parse_period("2025Q2")
    assert not _contiguous([h1, q2])
    got = _assigned([h1, q2])
    assert [(r[0], r[1]) for r in got] == [
        (1, "2025H1"), (2, "2025H1"), (3, "2025H1"), (3, "2025Q2"), (4, "2025H1"), (4, "2025Q2"),
    ]  # fmt: skip
