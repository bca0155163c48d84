"""Reporting periods: what "2025Q3", "FY2026H1", "previous-quarter" or "latest" mean in dates.

Every KPI is computed for one period and compared with the previous period and the
same period last year, so the calendar arithmetic lives here, once: parsing what a
user types (English and Chinese forms, fiscal years, relative and data-driven specs),
canonical labels that parse back to the same period, and names for the report.

Conventions
-----------
* ``start`` is inclusive and ``end`` exclusive: a period covers ``start <= d < end``.
  Custom ranges are *written* with an inclusive last day: ``2025-01-15..2025-03-31``.
* A fiscal year is named by the calendar year in which it ends: with
  ``fiscal_year_start_month=4``, FY2026 is 2025-04-01..2026-03-31. With start month 1,
  FY2025 is calendar 2025, and labels carry no "FY".
* When ``fiscal_year_start_month != 1``, quarter, half and year specs are *always*
  fiscal, with or without the "FY" prefix: "2026Q1" == "FY2026Q1", "2026" == "FY2026",
  and "2026年第1季度" is fiscal Q1 of FY2026 too. Quarter/half/year periods are always
  aligned to the fiscal year; a calendar span in a fiscal setup is written as an
  explicit range ("2025-01-01..2025-12-31"). Months are calendar months in every setup.
* Every string :meth:`Period.display` produces is also accepted by :func:`parse_period`.
* The clock is never read here: relative specs need ``today`` from the caller (the CLI),
  and "latest" needs the last date present in the data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Literal, get_args

from reportgen.errors import PeriodError

__all__ = [
    "KINDS",
    "LANGUAGES",
    "Period",
    "PeriodKind",
    "parse_period",
    "period_range_for",
]

PeriodKind = Literal["month", "quarter", "half", "year", "custom"]
KINDS: tuple[str, ...] = get_args(PeriodKind)
LANGUAGES: tuple[str, ...] = ("en", "zh-CN")

_KIND_MONTHS = MappingProxyType({"month": 1, "quarter": 3, "half": 6, "year": 12})
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ZH_QUARTERS = "一二三四"
_ZH_HALVES = "上下"

_ACCEPTED_FORMS = (
    "month 2025-07, 2025/07, 2025年7月, Jul 2025; "
    "quarter 2025Q3, 2025-Q3, 2025 Q3, Q3 2025, 2025年第3季度, 2025年Q3; "
    "half 2025H1, 2025-H1, H1 2025, 2025年上半年, 2025年下半年; "
    "year 2025, 2025年; "
    "fiscal year (named by the year it ends in) FY2026, FY2026Q1, FY2026H2, 2026财年第一季度; "
    "date range 2025-01-15..2025-03-31 (last day included); "
    "relative to today previous-month, previous-quarter, previous-half, previous-year; "
    "latest complete period in the data latest (= latest-quarter), latest-month, "
    "latest-half, latest-year"
)


@dataclass(frozen=True)
class Period:
    """A reporting period: a calendar month, a (fiscal) quarter, half or year, or a date range.

    Build one with :func:`parse_period` or the ``for_*`` / :meth:`containing` constructors;
    direct construction is validated so that every Period has a label that parses back
    to it. Periods sort by ``start`` then ``end``.
    """

    kind: PeriodKind
    start: date
    end: date
    fiscal_year_start_month: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeriodError(f"period kind {self.kind!r} is not one of {', '.join(KINDS)}")
        _check_fiscal_start(self.fiscal_year_start_month)
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date) or isinstance(value, datetime):
                raise PeriodError(f"period {name} {value!r} must be a datetime.date")
        if self.end <= self.start:
            raise PeriodError(
                f"period end {self.end.isoformat()} must be after its start "
                f"{self.start.isoformat()} (end is exclusive)"
            )
        if self.kind != "custom":
            bounds = _bounds(self.kind, self.start, self.fiscal_year_start_month)
            if bounds != (self.start, self.end):
                raise PeriodError(
                    f"{self.start.isoformat()}..{self.end.isoformat()} (end exclusive) is not a "
                    f"{self.kind} with fiscal_year_start_month={self.fiscal_year_start_month}; "
                    f"the {self.kind} containing {self.start.isoformat()} is "
                    f"{bounds[0].isoformat()}..{bounds[1].isoformat()}"
                )

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def containing(cls, kind: PeriodKind, d: date, *, fiscal_year_start_month: int = 1) -> Period:
        """The month, quarter, half or year (fiscal, if so configured) that contains ``d``."""
        if kind == "custom" or kind not in KINDS:
            raise PeriodError(
                f"cannot find the {kind!r} containing a date; expected one of "
                "month, quarter, half, year"
            )
        _check_fiscal_start(fiscal_year_start_month)
        start, end = _bounds(kind, _as_date(d, "date"), fiscal_year_start_month)
        return cls(kind, start, end, fiscal_year_start_month)

    @classmethod
    def for_month(cls, year: int, month: int, *, fiscal_year_start_month: int = 1) -> Period:
        """Calendar month ``month`` (1-12) of calendar year ``year``."""
        _check_range("month", month, 12, f"{year}-{month}")
        return cls.containing(
            "month", _date(year, month, 1), fiscal_year_start_month=fiscal_year_start_month
        )

    @classmethod
    def for_quarter(
        cls, fiscal_year: int, quarter: int, *, fiscal_year_start_month: int = 1
    ) -> Period:
        """Quarter ``quarter`` (1-4) of the fiscal year named ``fiscal_year``."""
        _check_range("quarter", quarter, 4, f"{fiscal_year}Q{quarter}")
        return cls._in_fiscal_year("quarter", fiscal_year, quarter, fiscal_year_start_month)

    @classmethod
    def for_half(cls, fiscal_year: int, half: int, *, fiscal_year_start_month: int = 1) -> Period:
        """Half ``half`` (1-2) of the fiscal year named ``fiscal_year``."""
        _check_range("half", half, 2, f"{fiscal_year}H{half}")
        return cls._in_fiscal_year("half", fiscal_year, half, fiscal_year_start_month)

    @classmethod
    def for_year(cls, fiscal_year: int, *, fiscal_year_start_month: int = 1) -> Period:
        """The fiscal year named ``fiscal_year`` (= calendar year when the start month is 1)."""
        return cls._in_fiscal_year("year", fiscal_year, 1, fiscal_year_start_month)

    @classmethod
    def for_range(
        cls, first_day: date, last_day: date, *, fiscal_year_start_month: int = 1
    ) -> Period:
        """A custom period from ``first_day`` to ``last_day``, both included."""
        first_day, last_day = _as_date(first_day, "first day"), _as_date(last_day, "last day")
        if last_day < first_day:
            raise PeriodError(
                f"date range {first_day.isoformat()}..{last_day.isoformat()} ends before it "
                "starts; the last day must be on or after the first day"
            )
        return cls("custom", first_day, _shift_days(last_day, 1), fiscal_year_start_month)

    @classmethod
    def _in_fiscal_year(cls, kind: PeriodKind, fiscal_year: int, index: int, fsm: int) -> Period:
        _check_fiscal_start(fsm)
        year_start = _date(fiscal_year - (1 if fsm != 1 else 0), fsm, 1)
        start = _add_months(year_start, (index - 1) * _KIND_MONTHS[kind])
        return cls(kind, start, _add_months(start, _KIND_MONTHS[kind]), fsm)

    # -- facts --------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """Canonical spec ("2025-07", "2025Q3", "FY2026H1", "2025-01-15..2025-03-31").

        ``parse_period(p.label, fiscal_year_start_month=p.fiscal_year_start_month) == p``.
        """
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == "custom":
            return f"{self.start.isoformat()}..{self.last_day.isoformat()}"
        year = f"{'FY' if self.is_fiscal else ''}{self.fiscal_year:04d}"
        if self.kind == "year":
            return year
        return f"{year}{'Q' if self.kind == 'quarter' else 'H'}{self._number}"

    @property
    def last_day(self) -> date:
        """The last day inside the period (``end`` is exclusive)."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    @property
    def months(self) -> int | None:
        """Length in whole months; None for custom ranges, which need not be whole months.

        Use :attr:`years_fraction` to annualise: it is defined for every kind.
        """
        return None if self.kind == "custom" else _KIND_MONTHS[self.kind]

    @property
    def years_fraction(self) -> float:
        """Length in years, to annualise flows: months / 12, or days / 365.25 for custom."""
        months = self.months
        return self.days / 365.25 if months is None else months / 12

    @property
    def is_fiscal(self) -> bool:
        """True when years start in a month other than January."""
        return self.fiscal_year_start_month != 1

    @property
    def fiscal_year(self) -> int:
        """The fiscal year containing ``start``, named by the calendar year it ends in."""
        fsm = self.fiscal_year_start_month
        begins_in = self.start.year if self.start.month >= fsm else self.start.year - 1
        return begins_in + (1 if fsm != 1 else 0)

    @property
    def _number(self) -> int:
        """Calendar month number, or the quarter/half number within the fiscal year."""
        if self.kind == "month":
            return self.start.month
        offset = (self.start.month - self.fiscal_year_start_month) % 12
        return offset // _KIND_MONTHS[self.kind] + 1

    def contains(self, d: date) -> bool:
        """Whether day ``d`` falls in the period (datetimes are taken by their date)."""
        return self.start <= _as_date(d, "date") < self.end

    # -- neighbours ---------------------------------------------------------------------

    def previous(self) -> Period:
        """The period of the same kind just before; for a range, the same-length range before."""
        if self.kind == "custom":
            return replace(self, start=_shift_days(self.start, -self.days), end=self.start)
        return replace(
            self, start=_add_months(self.start, -_KIND_MONTHS[self.kind]), end=self.start
        )

    def next(self) -> Period:
        """The period of the same kind just after (e.g. the one next period's plan is for)."""
        if self.kind == "custom":
            return replace(self, start=self.end, end=_shift_days(self.end, self.days))
        return replace(self, start=self.end, end=_add_months(self.end, _KIND_MONTHS[self.kind]))

    def same_period_last_year(self) -> Period:
        """The period one year earlier, for year-on-year comparison.

        Calendar kinds shift by 12 months. A custom range shifts its first and last day by
        one calendar year each (29 Feb becomes 28 Feb), so it covers the same calendar
        dates, not necessarily the same number of days.
        """
        if self.kind != "custom":
            return replace(self, start=_add_months(self.start, -12), end=_add_months(self.end, -12))
        return Period.for_range(
            _one_year_earlier(self.start),
            _one_year_earlier(self.last_day),
            fiscal_year_start_month=self.fiscal_year_start_month,
        )

    def trailing(self, n: int) -> tuple[Period, ...]:
        """The ``n`` periods of this kind ending with this one, oldest first (for trends)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PeriodError(f"trailing periods: {n!r} is not a whole number >= 1")
        periods = [self]
        for _ in range(n - 1):
            periods.append(periods[-1].previous())
        return tuple(reversed(periods))

    # -- presentation -------------------------------------------------------------------

    def display(self, lang: str = "en") -> str:
        """Human name for slides and emails: "Q3 2025" / "2025年第三季度", "FY2026 Q1", ...

        ``lang`` is "en" or "zh-CN" (case and "_" vs "-" do not matter).
        """
        normalised = lang.replace("_", "-").lower() if isinstance(lang, str) else lang
        if normalised == "en":
            return self._display_en()
        if normalised == "zh-cn":
            return self._display_zh()
        raise PeriodError(
            f"display language {lang!r} is not supported; expected one of {', '.join(LANGUAGES)}"
        )

    def axis_label(self, lang: str = "en") -> str:
        """A short name for a chart axis: as :meth:`display`, but a Chinese quarter or half
        as 2024Q4 / 2025H1 (年第四季度 set at an angle took a third of a trend chart)."""
        text = self.display(lang)
        if lang.replace("_", "-").lower() == "zh-cn" and self.kind in ("quarter", "half"):
            fy = "FY" if self.is_fiscal else ""
            letter = "Q" if self.kind == "quarter" else "H"
            return f"{fy}{self.fiscal_year:04d}{letter}{self._number}"
        return text

    def _display_en(self) -> str:
        if self.kind == "month":
            return f"{_MONTH_NAMES[self.start.month - 1][:3]} {self.start.year:04d}"
        if self.kind == "custom":
            return f"{self.start.isoformat()} \u2013 {self.last_day.isoformat()}"
        fy = f"FY{self.fiscal_year:04d}"
        if self.kind == "year":
            return fy if self.is_fiscal else f"{self.fiscal_year:04d}"
        part = f"{'Q' if self.kind == 'quarter' else 'H'}{self._number}"
        return f"{fy} {part}" if self.is_fiscal else f"{part} {self.fiscal_year:04d}"

    def _display_zh(self) -> str:
        if self.kind == "month":
            return f"{self.start.year:04d}年{self.start.month}月"
        if self.kind == "custom":
            return f"{_zh_date(self.start)}至{_zh_date(self.last_day)}"
        year = f"{self.fiscal_year:04d}{'财年' if self.is_fiscal else '年'}"
        if self.kind == "year":
            return year
        if self.kind == "quarter":
            return f"{year}第{_ZH_QUARTERS[self._number - 1]}季度"
        return f"{year}{_ZH_HALVES[self._number - 1]}半年"

    # -- ordering -----------------------------------------------------------------------

    def _key(self) -> tuple[date, date]:
        return (self.start, self.end)

    def __lt__(self, other: object) -> bool:
        return self._key() < other._key() if isinstance(other, Period) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self._key() <= other._key() if isinstance(other, Period) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self._key() > other._key() if isinstance(other, Period) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self._key() >= other._key() if isinstance(other, Period) else NotImplemented


# -- parsing ------------------------------------------------------------------------------

_PREVIOUS = MappingProxyType(
    {f"previous-{kind}": kind for kind in ("month", "quarter", "half", "year")}
)
_LATEST = MappingProxyType(
    {
        "latest": "quarter",
        **{f"latest-{kind}": kind for kind in ("month", "quarter", "half", "year")},
    }
)

_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日"
_RANGE_RE = re.compile(
    rf"(?P<first>{_DATE})(?: ?(?:\.\.|\u2013|\u2014|~|至|到) ?| (?:-|to) )(?P<last>{_DATE})",
    re.IGNORECASE,
)
_MONTH_RE = re.compile(r"(?P<y>\d{4})(?:[-/](?P<m>\d{1,2})|年(?P<mz>\d{1,2})月)")
_MONTH_NAME_RE = re.compile(r"(?P<name>[a-z]{3,9})\.? (?P<y>\d{4})", re.IGNORECASE)
_PART = r"(?:Q(?P<q>\d+)|第(?P<qz>\d+|[一二三四])季度?|H(?P<h>\d+)|(?P<hz>[上下])半年)"
_YEAR_FIRST_RE = re.compile(
    rf"(?:FY ?(?P<fy>\d{{4}})|(?P<y>\d{{4}})(?:财年|年度?)?)(?:[ -]?{_PART})?", re.IGNORECASE
)
_PART_FIRST_RE = re.compile(r"(?:Q(?P<q>\d+)|H(?P<h>\d+))[ -](?:FY ?)?(?P<y>\d{4})", re.IGNORECASE)


def parse_period(
    spec: str,
    *,
    fiscal_year_start_month: int = 1,
    today: date | None = None,
    data_max_date: date | None = None,
) -> Period:
    """Turn a user's period spec into a :class:`Period`.

    Accepts absolute labels ("2025Q3", "2025-07", "FY2026H1", Chinese forms, the
    strings :meth:`Period.display` produces), date ranges with an inclusive last day
    ("2025-01-15..2025-03-31"), "previous-<kind>" (the last complete period before
    ``today``) and "latest[-<kind>]" (the latest complete period in the data, i.e. whose
    last day is on or before ``data_max_date``; "latest" means a quarter). Raises
    :class:`PeriodError` quoting the spec and listing the accepted forms.
    """
    _check_fiscal_start(fiscal_year_start_month)
    if not isinstance(spec, str):
        raise PeriodError(
            f"period {spec!r} is a {type(spec).__name__}, not text; write it as a string "
            "(in YAML, quote it: period: '2025')"
        )
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", spec)).strip()
    key = re.sub(r"[ _]+", "-", text.lower())
    if key in _PREVIOUS:
        if today is None:
            raise PeriodError(
                f"period {spec!r} is relative to today, but no 'today' date was given "
                "(periods never read the clock; the caller passes today)"
            )
        return _last_complete(_PREVIOUS[key], _as_date(today, "today"), fiscal_year_start_month)
    if key in _LATEST:
        if data_max_date is None:
            raise PeriodError(
                f"period {spec!r} means the latest complete period in the data, but there is "
                "no data to resolve it against (no data_max_date); give an explicit period "
                "such as 2025Q3"
            )
        after_data = _shift_days(_as_date(data_max_date, "data_max_date"), 1)
        return _last_complete(_LATEST[key], after_data, fiscal_year_start_month)
    return _parse_absolute(text, spec, fiscal_year_start_month)


def period_range_for(periods: Iterable[Period]) -> tuple[date, date]:
    """(earliest start, latest end) over ``periods``: the data window to load, end exclusive."""
    items = tuple(periods)
    if not items:
        raise PeriodError("no periods given; at least one is needed to know which dates to load")
    return min(p.start for p in items), max(p.end for p in items)


def _last_complete(kind: PeriodKind, before: date, fsm: int) -> Period:
    """The latest period of ``kind`` ending on or before ``before`` (an exclusive bound)."""
    return Period.containing(kind, before, fiscal_year_start_month=fsm).previous()


def _parse_absolute(text: str, spec: str, fsm: int) -> Period:
    if match := _RANGE_RE.fullmatch(text):
        first, last = _parse_day(match["first"], spec), _parse_day(match["last"], spec)
        if last < first:
            raise PeriodError(
                f"date range {spec!r} ends before it starts; "
                "the last day must be on or after the first day"
            )
        return Period.for_range(first, last, fiscal_year_start_month=fsm)
    if match := _MONTH_RE.fullmatch(text):
        month = int(match["m"] or match["mz"])
        _check_range("month", month, 12, spec)
        return Period.for_month(int(match["y"]), month, fiscal_year_start_month=fsm)
    if (match := _MONTH_NAME_RE.fullmatch(text)) and (month := _month_from_name(match["name"])):
        return Period.for_month(int(match["y"]), month, fiscal_year_start_month=fsm)
    if match := _YEAR_FIRST_RE.fullmatch(text) or _PART_FIRST_RE.fullmatch(text):
        return _from_year_and_part(match.groupdict(), spec, fsm)
    raise PeriodError(f"unrecognised period {spec!r}; accepted forms: {_ACCEPTED_FORMS}")


def _from_year_and_part(groups: dict[str, str | None], spec: str, fsm: int) -> Period:
    """Build a fiscal (or, with start month 1, calendar) quarter, half or year."""
    year = int(groups.get("fy") or groups["y"] or 0)
    if quarter := groups.get("q") or groups.get("qz"):
        number = _ZH_QUARTERS.index(quarter) + 1 if quarter in _ZH_QUARTERS else int(quarter)
        _check_range("quarter", number, 4, spec)
        return Period.for_quarter(year, number, fiscal_year_start_month=fsm)
    if half := groups.get("h") or groups.get("hz"):
        number = _ZH_HALVES.index(half) + 1 if half in _ZH_HALVES else int(half)
        _check_range("half", number, 2, spec)
        return Period.for_half(year, number, fiscal_year_start_month=fsm)
    return Period.for_year(year, fiscal_year_start_month=fsm)


def _parse_day(token: str, spec: str) -> date:
    year, month, day = (int(part) for part in re.findall(r"\d+", token))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"{token!r} in period {spec!r} is not a valid date ({exc})") from None


def _month_from_name(name: str) -> int | None:
    name = name.lower()
    for number, full in enumerate(_MONTH_NAMES, start=1):
        if name in (full.lower(), full[:3].lower()):
            return number
    return None


# -- date arithmetic ----------------------------------------------------------------------


def _bounds(kind: str, d: date, fsm: int) -> tuple[date, date]:
    """Start and exclusive end of the month/quarter/half/year containing ``d``."""
    length = _KIND_MONTHS[kind]
    month_start = date(d.year, d.month, 1)
    into_year = 0 if kind == "month" else (d.month - fsm) % 12
    start = _add_months(month_start, -(into_year % length))
    return start, _add_months(start, length)


def _add_months(first_of_month: date, n: int) -> date:
    year, month0 = divmod(first_of_month.year * 12 + first_of_month.month - 1 + n, 12)
    return _date(year, month0 + 1, 1)


def _shift_days(d: date, n: int) -> date:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        raise PeriodError(f"{n:+d} days from {d.isoformat()} is outside years 1-9999") from None


def _one_year_earlier(d: date) -> date:
    return _date(d.year - 1, d.month, 28 if (d.month, d.day) == (2, 29) else d.day)


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodError(f"year {year} is outside the supported years 1-9999") from None


def _zh_date(d: date) -> str:
    return f"{d.year:04d}年{d.month}月{d.day}日"


def _as_date(value: date, what: str) -> date:
    """Accept a date or datetime (taken by its calendar date); reject anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise PeriodError(f"{what} {value!r} is not a date")


def _check_fiscal_start(month: int) -> None:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise PeriodError(
            f"fiscal_year_start_month {month!r} is not a month number 1-12 "
            "(1 = fiscal year is the calendar year)"
        )


def _check_range(what: str, number: int, highest: int, spec: str) -> None:
    if not 1 <= number <= highest:
        raise PeriodError(
            f"{what} {number} in period {spec!r} is out of range; {what}s are 1-{highest}"
        )
