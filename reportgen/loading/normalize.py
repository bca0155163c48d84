"""Value normalisation as engine expressions.

Each canonical column kind has a :class:`Parser` that turns one raw source column
(text from CSV/Excel, or already typed from Parquet/SQL) into a canonical typed
value *and* an error expression: a reason code when the value cannot be mapped,
NULL otherwise. Missing values (the source's ``na_values``) are not errors;
required columns are checked by the caller.

A parser has two steps so that the engine evaluates every expensive expression
once per value: ``pre`` (cleaning, label lookup, trying date shapes …) is
projected into columns first; ``finish`` only references those columns. Inlining
both in one expression made DuckDB re-evaluate ``translate``/regex work dozens of
times per value (40 KB of SQL for one integer column).

Everything here is an ibis expression, so normalisation runs inside the engine
(DuckDB by default) over millions of rows without pulling them into Python.
Reason codes are stable strings documented in :data:`REASONS`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from reportgen.config import DateSettings, Scale
from reportgen.texts import load_texts

#: Quarantine reason codes → English explanation (used in reports and the CLI); the
#: explanations per language are in ``templates/text/<lang>/data.yaml``.
REASONS: dict[str, str] = dict(load_texts("data", "en").raw("reasons"))

_FULLWIDTH = "０１２３４５６７８９．－＋：／，　"
_ASCII = "0123456789.-+:/, "
_NO_ERROR: ir.StringValue = ibis.null(dt.string)


@ibis.udf.scalar.builtin(name="try_strptime", signature=((dt.string, dt.string), dt.timestamp))
def _try_strptime(s, fmt):  # type: ignore[no-untyped-def]
    """DuckDB's try_strptime: NULL instead of an error when the text does not match."""


@ibis.udf.scalar.builtin(name="strlen", signature=((dt.string,), dt.int64))
def _strlen(s):  # type: ignore[no-untyped-def]
    """DuckDB's strlen: the length in bytes (stored with the string: no scan)."""


@ibis.udf.scalar.builtin(name="array_extract", signature=((dt.string, dt.int64), dt.string))
def _char_at(s, i):  # type: ignore[no-untyped-def]
    """DuckDB's ``s[i]``: one character; ``i = -1`` is the last."""


@ibis.udf.scalar.builtin(
    name="timezone", signature=((dt.string, dt.Timestamp(timezone="UTC")), dt.timestamp)
)
def _wall_clock(zone, ts):  # type: ignore[no-untyped-def]
    """DuckDB's ``timezone(zone, ts)``: the wall-clock time of an instant in ``zone``."""


@dataclass(frozen=True)
class Parsed:
    """A canonical value and the reason it failed (NULL when it did not)."""

    value: ir.Value
    error: ir.StringValue


Refs = Mapping[str, ir.Value]


@dataclass(frozen=True)
class Parser:
    """``pre(col)`` → named intermediate expressions (projected once);
    ``finish(refs, missing)`` → :class:`Parsed`, from references to them.

    ``pre`` may take ``care=`` (:func:`needs_care` of a text column) to skip work on
    values that need none."""

    pre: Callable[..., dict[str, ir.Value]]
    finish: Callable[[Refs, ir.BooleanValue], Parsed]
    #: ``accepts(low, high)``: whether every value of a *typed* column (number, date,
    #: timestamp or boolean) from ``low`` to ``high`` parses without an error, missing
    #: values aside; what the footer statistics of a Parquet row group can prove
    #: (see :mod:`reportgen.loading.stage`). None: nothing can be proven that way.
    accepts: Callable[[object, object], bool] | None = None

    def inline(self, col: ir.Value, missing: ir.BooleanValue) -> Parsed:
        """Both steps in one expression (for tests and small tables)."""
        return self.finish(self.pre(col), missing)


# -- shared helpers --------------------------------------------------------------


def _is_text(col: ir.Value) -> bool:
    return col.type().is_string()


def clean_text(col: ir.StringValue) -> ir.StringValue:
    """Fold full-width digits, punctuation and the ideographic space (８ → 8, ．→ .,
    U+3000 → space), then trim: "满意\u3000" is "满意"."""
    return col.translate(_FULLWIDTH, _ASCII).strip()


def _one_of(col: ir.StringValue, values: list[str]) -> ir.BooleanValue:
    """Membership in a constant list as one anchored regex. Not ``isin``: DuckDB
    rewrites each IN list into a hash join, and a staging query holds dozens."""
    options = sorted({v for v in values if v})
    pattern = "^(?:" + "|".join(re.escape(v) for v in options) + ")$" if options else "^$"
    # test the regex only on strings short enough to match (ids are longer).
    longest = max((len(v) for v in options), default=0)
    matched = ibis.cases(
        (col.length() <= longest, col.re_search(pattern)), else_=ibis.literal(False)
    )
    return (matched | (col == "")) if "" in values else matched


#: What ``clean_text``/``strip`` remove at either end (ibis compiles ``strip`` to this TRIM).
_TRIMMED = " \t\n\r\v\f"


def needs_care(col: ir.StringValue, na_values: tuple[str, ...]) -> ir.BooleanValue:
    """False only where the text is certainly kept as it is: not NULL, nothing to trim at
    either end and too long to be one of the missing-value spellings.

    A cheap guard (a byte length, the first and the last character) in front of the
    trimming and the spelling test, which cost ≈ 5× more per value: on clean
    identifiers it is false for every row, and only the flagged rows are trimmed.
    Every character ``strip`` removes sorts below ``"!"``, so a value with one at an
    end has its first or its last character below ``"!"``."""
    longest = care_length(na_values)
    return col.notnull() & (
        (_strlen(col) <= longest) | (col < "!") | (_char_at(col, ibis.literal(-1)) < "!")
    )


def care_length(na_values: tuple[str, ...]) -> int:
    """The byte length up to which :func:`needs_care` flags a value (the longest
    missing-value spelling, trimmed)."""
    return max((len(v.strip(_TRIMMED).encode()) for v in na_values), default=0)


def read_differently(col: ir.StringValue, na_values: tuple[str, ...]) -> ir.BooleanValue:
    """True where the text is not its own canonical value: it needs trimming, or it is
    a missing-value spelling (the empty text included). NULL is its own value."""
    stripped = col.strip()
    spelled = _one_of(stripped, [v.strip() for v in na_values] + [""])
    return ibis.cases(
        (needs_care(col, na_values), (stripped != col) | spelled), else_=ibis.literal(False)
    )


def is_nan(col: ir.FloatingValue) -> ir.BooleanValue:
    """NaN, tested twice: by ``isnan`` and on the value's text form.

    A Parquet footer's min/max statistics leave NaN out, and DuckDB folds tests to
    false from them for values read from that file: where min < max, ``isnan(x)``
    and ``x > max`` (2.0); where min == max, the text form, which it takes to be that
    one value's text (2.0.1). Each test holds where the other is folded; both are
    checked by the tests on the two shapes of statistics. The ``fill_null`` (a
    COALESCE) is load-bearing too: in a filter over a min == max group, 2.0.1 folds
    a bare ``isnan(x)`` to false and ``x = min`` to true, NaN rows included — never
    filter on a raw float column that may hold NaN."""
    text = col.cast(dt.string)
    return (col.isnan() | (text == "nan") | (text == "-nan")).fill_null(False)


def without_nan(col: ir.Value, nan_possible: bool = True) -> ir.Value:
    """A typed float column with NaN as NULL (other columns unchanged).

    ``nan_possible=False``: the caller knows the column holds no NaN (a Parquet column
    checked once, see :func:`reportgen.io.parquet_reader.float_columns_with_nan`)."""
    if not col.type().is_floating() or not nan_possible:
        return col
    return ibis.cases((is_nan(col), ibis.null(col.type())), else_=col)


#: What customers write into a free-text box to say they have nothing to say: not a
#: comment (matched after trimming, case-insensitively, with a closing full stop off).
NO_COMMENT = frozenset(
    {
        "无", "没有", "暂无", "无意见", "没有意见", "无建议", "没有建议", "没", "无所谓",
        "none", "no", "nothing", "no comment", "no comments", "n/a", "na", "nil",
        "-", "--", "/", "…", "—",
    }
)  # fmt: skip


def said_something(comment: ir.StringValue) -> ir.BooleanValue:
    """A comment that says something: not NULL, not blank, not a :data:`NO_COMMENT`
    placeholder ("无", "None", "-"). The comments listed, counted and analysed are these."""
    bare = comment.strip().lower().re_replace(r"[.。!！]+$", "")
    return comment.notnull() & (bare != "") & ~bare.isin(sorted(NO_COMMENT))


def is_missing(
    col: ir.Value,
    na_values: tuple[str, ...],
    *,
    nan_possible: bool = True,
    care: ir.BooleanValue | None = None,
) -> ir.BooleanValue:
    """NULL, NaN in a typed float column (Parquet/SQL), or text equal to one of the
    declared missing-value spellings (trimmed).

    ``care``: :func:`needs_care` of the column, when the caller has it already; the
    spelling test then runs only where it is true (the same result, cheaper)."""
    if col.type().is_floating():
        return col.isnull() | is_nan(col) if nan_possible else col.isnull()
    if not _is_text(col):
        return col.isnull()
    spelled = _one_of(col.strip(), [v.strip() for v in na_values] + [""])
    if care is None:
        care = needs_care(col, na_values)
    return col.isnull() | ibis.cases((care, spelled), else_=ibis.literal(False))


def is_missing_value(col: ir.Value, missing: list[str]) -> ir.BooleanValue:
    """NULL or one of the given raw values (found missing among the column's few
    distinct values, e.g. of a unit column)."""
    if not missing:
        return col.isnull()
    return col.isnull() | ibis.cases(
        *[(col == v, ibis.literal(True)) for v in missing], else_=ibis.literal(False)
    )


def _error_if(cond: ir.BooleanValue, reason: str) -> ir.StringValue:
    return ibis.cases((cond, ibis.literal(reason)), else_=_NO_ERROR)


def _as_text(col: ir.Value) -> ir.StringValue:
    """Text form of any column; integral floats lose their trailing .0 (IDs from Excel).

    Only whole floats that fit in int64 go through the integer cast; the test is not
    ``col == col.floor()``, which ibis compiles with a BIGINT cast that fails the whole
    load on NaN, inf or 1e20."""
    if _is_text(col):
        return col.strip()
    if col.type().is_floating():
        integral = (col.abs() < 2.0**63) & (col % 1.0 == 0.0)
        return ibis.cases((integral, col.cast(dt.int64).cast(dt.string)), else_=col.cast(dt.string))
    return col.cast(dt.string)


# -- parsers per kind --------------------------------------------------------------


def text_parser() -> Parser:
    """Free text: kept verbatim; only the empty string becomes missing."""

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        text = col if _is_text(col) else col.cast(dt.string)
        return {"v": ibis.cases((text == "", ibis.null(dt.string)), else_=text)}

    return Parser(pre, lambda r, missing: Parsed(r["v"], _NO_ERROR))


def id_parser() -> Parser:
    """Identifiers and dimension values: text exactly as written (trimmed)."""

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        if care is None or not _is_text(col):
            return {"v": _as_text(col)}
        # trim only where needs_care() says it may change something
        return {"v": ibis.cases((care, col.strip()), else_=col)}

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        return Parsed(ibis.cases((missing, ibis.null(dt.string)), else_=r["v"]), _NO_ERROR)

    return Parser(pre, finish)


def unit_parser(spellings: Mapping[str, str], present: list | None = None) -> Parser:
    """Map unit ids, names and aliases (case-insensitive) to the configured unit id.

    with ``present`` (the distinct raw values of the column, looked up once),
    the CASE compares the raw value with the few values present only."""

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        if present is not None and _is_text(col):
            # (raw value, its lower(trim()) computed by the engine) pairs
            lookup = {v: spellings.get(k) for v, k in present if v is not None}
            pairs = sorted((k, v) for k, v in lookup.items() if v is not None)
            if not pairs:
                return {"v": ibis.null(dt.string)}
            return {
                "v": ibis.cases(
                    *[(col == k, ibis.literal(v)) for k, v in pairs], else_=ibis.null(dt.string)
                )
            }
        key = _as_text(col).lower()
        return {
            "v": ibis.cases(
                *[(key == k, ibis.literal(v)) for k, v in sorted(spellings.items())],
                else_=ibis.null(dt.string),
            )
        }

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        return Parsed(r["v"], _error_if(~missing & r["v"].isnull(), "unknown_unit"))

    return Parser(pre, finish)


def _number_pre(
    col: ir.Value, care: ir.BooleanValue | None = None, *, decimal: str = ".", percent: bool = True
) -> dict[str, ir.Value]:
    if not _is_text(col):
        return {"v": col.cast(dt.float64)}  # NaN is missing (is_missing): no value, no error
    cleaned = clean_text(col).re_replace(r"(?i)^(?:¥|￥|\$|cny|rmb)|(?:元|cny|rmb)$|\s", "")
    # Commas are removed only where they group thousands (1,234.50): "12,5" or
    # "1.234,50" (decimal commas) stay unparseable instead of becoming 125 or 1.2345;
    # with the source's decimal ",", the roles swap (and "1.5" is unparseable).
    # "85%" is a fraction (0.85) where a percentage is a way to write the value
    # (``percent``): planning sheets write ratio targets that way; elsewhere it is no
    # number (an amount of "85%").
    is_percent = cleaned.re_search(r"^[^%]+%$") if percent else ibis.literal(False)
    cleaned = cleaned.re_replace(r"%$", "") if percent else cleaned
    if decimal == ",":
        grouped = cleaned.re_search(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
        plain = ibis.cases(
            (grouped, cleaned.replace(".", "")),
            (cleaned.contains("."), ibis.null(dt.string)),
            else_=cleaned,
        ).replace(",", ".")
    else:
        grouped = cleaned.re_search(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
        plain = ibis.cases((grouped, cleaned.replace(",", "")), else_=cleaned)
    number = plain.try_cast(dt.float64)
    return {"v": ibis.cases((is_percent, number / 100.0), else_=number)}


def number_parser(decimal: str = ".", *, percent: bool = True) -> Parser:
    """Decimal amounts: currency symbols, thousands separators and spaces removed;
    "85%" → 0.85 where ``percent`` (else bad_number); a decimal comma is not guessed
    (bad_number) unless the source's ``decimal`` is ","."""

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        v = r["v"]
        bad = ~missing & (v.isnull() | v.isnan() | v.isinf())
        return Parsed(
            ibis.cases((missing | bad, ibis.null(dt.float64)), else_=v),
            _error_if(bad, "bad_number"),
        )

    return Parser(
        functools.partial(_number_pre, decimal=decimal, percent=percent),
        finish,
        accepts=_finite_numbers,
    )


def integer_parser(decimal: str = ".") -> Parser:
    """Whole counts >= 0 (and below 2**63: larger numbers are not counts).

    Not ``v != v.floor()``: ibis compiles ``floor`` with a cast to BIGINT, which
    fails the whole load on 1e20."""

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        v = r["v"]
        bad_number = ~missing & (v.isnull() | v.isnan() | v.isinf())
        bad_integer = ~missing & ~bad_number & ((v % 1.0 != 0.0) | (v < 0) | (v >= 2.0**63))
        ok = ~missing & ~bad_number & ~bad_integer
        return Parsed(
            ibis.cases((ok, v.cast(dt.int64)), else_=ibis.null(dt.int64)),
            ibis.coalesce(
                _error_if(bad_number, "bad_number"), _error_if(bad_integer, "bad_integer")
            ),
        )

    def accepts(low: object, high: object) -> bool:
        # an integer column only: a float one may hold a fraction between its bounds
        whole = all(isinstance(x, int) and not isinstance(x, bool) for x in (low, high))
        # (below 2**53: cast to a double as the engine does, a larger one may round up
        # to 2**63, which is not a count)
        return whole and low >= 0 and high < 2**53  # type: ignore[operator]

    return Parser(
        functools.partial(_number_pre, decimal=decimal, percent=False), finish, accepts=accepts
    )


def bool_parser(true_values: tuple[str, ...], false_values: tuple[str, ...]) -> Parser:
    """Yes/no flags from the source's declared spellings (是/否, Y/N, 1/0 …)."""

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        if col.type().is_boolean():
            return {"v": col}
        key = (clean_text(col) if _is_text(col) else col.cast(dt.string)).lower()
        return {
            "v": ibis.cases(
                (_one_of(key, [v.lower() for v in true_values]), ibis.literal(True)),
                (_one_of(key, [v.lower() for v in false_values]), ibis.literal(False)),
                else_=ibis.null(dt.boolean),
            )
        }

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        return Parsed(r["v"], _error_if(~missing & r["v"].isnull(), "bad_bool"))

    def accepts(low: object, high: object) -> bool:
        return isinstance(low, bool) and isinstance(high, bool)  # a boolean column

    return Parser(pre, finish, accepts=accepts)


def score_parser(scale: Scale, nan_possible: bool = True, decimal: str = ".") -> Parser:
    """A rating: labels → numbers, "10分" / "８" → 10 / 8, n/a codes → NULL,
    range-checked, reversed scales flipped so that higher is always better."""

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        if not _is_text(col):
            # NaN is no answer (see is_missing); left in, DuckDB would order it above
            # every number and count it in the top box.
            return {"v": without_nan(col, nan_possible).cast(dt.float64)}
        cleaned = clean_text(col)
        number = cleaned.re_replace(r"(?i)\s*(分|points?|pts?)$", "")
        if decimal == ",":  # 4,5 is 4.5; 4.5 is not a number there
            number = ibis.cases((number.contains("."), ibis.null(dt.string)), else_=number)
            number = number.replace(",", ".")
        parsed = number.try_cast(dt.float64)
        # "nan", "inf" and "-Infinity" parse as floats but are no rating (bad_score)
        numeric = ibis.cases((parsed.isnan() | parsed.isinf(), ibis.null(dt.float64)), else_=parsed)
        if not scale.labels:
            return {"v": numeric}
        lowered = cleaned.lower()
        labelled = ibis.cases(
            *[
                (lowered == k.strip().lower(), ibis.literal(float(v)))
                for k, v in sorted(scale.labels.items())
            ],
            else_=ibis.null(dt.float64),
        )
        return {"v": ibis.coalesce(labelled, numeric)}

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        raw = r["v"]
        unparsed = ~missing & raw.isnull()
        # a missing spelling may still parse ("nan" is NaN): missing wins
        answered = ~missing & raw.notnull()
        out_of_range = answered & ((raw < scale.min) | (raw > scale.max))
        valid = answered & ~out_of_range
        if scale.na_codes:
            not_applicable = raw.isin([float(c) for c in scale.na_codes])
            out_of_range = out_of_range & ~not_applicable
            valid = valid & ~not_applicable
        error = ibis.coalesce(
            _error_if(unparsed, "bad_score"), _error_if(out_of_range, "out_of_range")
        )
        flipped = (scale.min + scale.max) - raw if scale.reversed else raw
        return Parsed(ibis.cases((valid, flipped), else_=ibis.null(dt.float64)), error)

    def accepts(low: object, high: object) -> bool:
        # within the scale (n/a codes outside it are not proven: a value between the
        # scale and a code may be out of range)
        return _finite_numbers(low, high) and scale.min <= low and high <= scale.max  # type: ignore[operator]

    return Parser(pre, finish, accepts=accepts)


# -- dates -----------------------------------------------------------------------

_EXCEL_BASE = {1900: _dt.datetime(1899, 12, 30), 1904: _dt.datetime(1904, 1, 1)}
_SLASHED = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"

#: Year-first shapes (after _date_text normalised separators) and their format.
_YEAR_FIRST: tuple[tuple[str, str], ...] = (
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}$", "%Y-%m-%d %H:%M"),
    (r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
    (r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}\.\d{1,6}$", "%Y-%m-%d %H:%M:%S.%f"),
    (r"^\d{8}$", "%Y%m%d"),
)
_DAY_FIRST: tuple[tuple[str, str], ...] = (
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$", "%d/%m/%Y %H:%M"),
    (r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}$", "%d/%m/%Y %H:%M:%S"),
)
_MONTH_FIRST: tuple[tuple[str, str], ...] = tuple(
    (shape, fmt.replace("%d/%m", "%m/%d")) for shape, fmt in _DAY_FIRST
)


def _date_text(col: ir.StringValue) -> ir.StringValue:
    """Cleaned date text in few shapes: 2025年3月5日 / 2025/3/5 / 2025.3.5 → 2025-3-5;
    a 'T' between date and time → space, a zone designator after the time dropped;
    05.03.2025 / 05-03-2025 → 05/03/2025."""
    text = (
        clean_text(col)
        .re_replace(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*", r"\1-\2-\3 ")
        .strip()
    )
    text = text.re_replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3")
    text = text.re_replace(r"^(\d{4}-\d{1,2}-\d{1,2})T", r"\1 ")
    # ISO 8601 as help desks and APIs write it: a zone designator (Z, +08:00, +0800,
    # UTC) is dropped, the time read as it is written (as a Parquet timestamp naming
    # its zone is read: the wall-clock time it shows), and fractions of a second
    # beyond microseconds (.NET's 7 digits) are cut
    text = text.re_replace(
        r"^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?)\d*"
        r"\s*(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)$",
        r"\1",
    )
    text = text.re_replace(r"^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}\.\d{6})\d+$", r"\1")
    return text.re_replace(r"^(\d{1,2})[.-](\d{1,2})[.-](\d{4})", r"\1/\2/\3")


def day_month_readings(col: ir.StringValue) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """Whether a slashed date text can only be day-first (13/07/2025) or only month-first
    (07/13/2025): a column holding both mixes the two conventions, so its ambiguous
    values (05/03/2025) cannot be read either way with confidence."""
    text = _date_text(col)
    first = text.re_extract(_SLASHED, 1).try_cast(dt.int64)
    second = text.re_extract(_SLASHED, 2).try_cast(dt.int64)
    day_first = ((first > 12) & (second <= 12)).fill_null(False)
    month_first = ((second > 12) & (first <= 12)).fill_null(False)
    return day_first, month_first


def _from_serial(num: ir.FloatingValue, epoch: int) -> ir.TimestampValue:
    """Excel serial day numbers (fraction = time of day) → timestamp."""
    in_range = (num >= 1) & (num < 2958466)
    seconds = (num * 86400).round().cast(dt.int64)
    stamp = ibis.timestamp(_EXCEL_BASE[epoch]) + seconds.as_interval("s")
    return ibis.cases((in_range, stamp), else_=ibis.null(dt.timestamp))


#: Numbers from here up are date keys written as digits (20250305), not Excel serials:
#: the last serial day, 9999-12-31, is 2958465.
_FIRST_DATE_KEY = 10000101


def _from_number(num: ir.FloatingValue, epoch: int) -> ir.TimestampValue:
    """A number in a date column: a date key yyyymmdd (as a warehouse stores dates in an
    integer column) from 10000101 up, else an Excel serial day number."""
    digits = num.try_cast(dt.int64)  # NULL when too large
    whole = num == digits  # NULL (not whole) then too
    return ibis.cases(
        (
            num >= _FIRST_DATE_KEY,
            ibis.cases((whole, _try_strptime(digits.cast(dt.string), "%Y%m%d"))),
        ),
        else_=_from_serial(num, epoch),
    )


def _shape_parse(text: ir.StringValue, formats: tuple[tuple[str, str], ...]) -> ir.TimestampValue:
    return ibis.cases(
        *[(text.re_search(shape), _try_strptime(text, fmt)) for shape, fmt in formats],
        else_=ibis.null(dt.timestamp),
    )


def timestamp_parser(
    settings: DateSettings,
    *,
    plausible: tuple[_dt.date, _dt.date],
    excel_epoch: int | None = None,
    nan_possible: bool = True,
    zone: str | None = None,
) -> Parser:
    """Dates and timestamps from ISO text, 2025/3/5, 2025年3月5日, Excel serials (1900 or
    1904 system), date keys 20250305 (text or number), day-first/month-first text per
    the source's ``dates.dayfirst``, extra formats from the config, or typed columns.
    Never guesses day/month: 05/03/2025 is quarantined as ambiguous unless ``dayfirst``
    is set.

    ``zone``: the time zone a typed column of instants names (a Parquet timestamp
    written with one, e.g. by pandas from Asia/Shanghai times): the canonical value is
    the wall-clock time there, as the file shows it. Instants without a named zone are
    taken in UTC (the engine's zone, whatever the machine's)."""
    epoch = excel_epoch or settings.excel_epoch

    def pre(col: ir.Value, care: ir.BooleanValue | None = None) -> dict[str, ir.Value]:
        typ = col.type()
        if zone is not None and typ.is_timestamp() and typ.timezone is not None:
            return {"v": _wall_clock(zone, col), "amb": ibis.literal(False)}
        if typ.is_timestamp() or typ.is_date():
            return {"v": col.cast(dt.timestamp), "amb": ibis.literal(False)}
        if col.type().is_numeric():
            number = without_nan(col, nan_possible).cast(dt.float64)
            return {"v": _from_number(number, epoch), "amb": ibis.literal(False)}
        text = _date_text(col)
        first = text.re_extract(_SLASHED, 1).try_cast(dt.int64)
        second = text.re_extract(_SLASHED, 2).try_cast(dt.int64)
        dmy, mdy = _shape_parse(text, _DAY_FIRST), _shape_parse(text, _MONTH_FIRST)
        if settings.dayfirst is True:
            day_month, ambiguous = dmy, ibis.literal(False)
        elif settings.dayfirst is False:
            day_month, ambiguous = mdy, ibis.literal(False)
        else:
            # Accept only when one reading is impossible (a part > 12) or both agree.
            day_month = ibis.cases(
                (first > 12, dmy),
                (second > 12, mdy),
                (first == second, dmy),
                else_=ibis.null(dt.timestamp),
            )
            ambiguous = ((first <= 12) & (second <= 12) & (first != second)).fill_null(False)
        # One branch per shape: only the parser that can match runs (COALESCE would
        # evaluate every format on every value).
        value = ibis.cases(
            *[(text.re_search(shape), _try_strptime(text, fmt)) for shape, fmt in _YEAR_FIRST],
            (text.re_search(r"^\d{1,7}(\.\d+)?$"), _from_serial(text.try_cast(dt.float64), epoch)),
            (text.re_search(_SLASHED), day_month),
            else_=ibis.null(dt.timestamp),
        )
        if settings.formats:
            # the config's formats are the setting, never a guess: they come first, on
            # the text as written (05.03.2025 for %d.%m.%Y) and as the shapes clean it
            written = clean_text(col)
            custom = ibis.coalesce(
                *[_try_strptime(written, f) for f in settings.formats],
                *[_try_strptime(text, f) for f in settings.formats],
            )
            value = ibis.coalesce(custom, value)
        return {"v": value, "amb": ambiguous}

    lo = ibis.timestamp(_dt.datetime.combine(plausible[0], _dt.time()))
    hi = ibis.timestamp(_dt.datetime.combine(plausible[1], _dt.time(23, 59, 59)))

    def finish(r: Refs, missing: ir.BooleanValue) -> Parsed:
        value = r["v"]
        unparsed = ibis.cases(
            (missing | value.notnull(), _NO_ERROR),
            (r["amb"], ibis.literal("ambiguous_date")),
            else_=ibis.literal("bad_date"),
        )
        implausible = value.notnull() & ((value < lo) | (value > hi))
        return Parsed(
            ibis.cases((implausible, ibis.null(dt.timestamp)), else_=value),
            ibis.coalesce(unparsed, _error_if(implausible, "implausible_date")),
        )

    first = _dt.datetime.combine(plausible[0], _dt.time())
    last = _dt.datetime.combine(plausible[1], _dt.time(23, 59, 59))

    def accepts(low: object, high: object) -> bool:
        # a date or a timestamp without time zone (an aware one does not compare)
        bounds = [_as_datetime(x) for x in (low, high)]
        return None not in bounds and first <= bounds[0] and bounds[1] <= last  # type: ignore[operator]

    return Parser(pre, finish, accepts=accepts)


def _as_datetime(x: object) -> _dt.datetime | None:
    if isinstance(x, _dt.datetime):
        return x if x.tzinfo is None else None
    if isinstance(x, _dt.date):
        return _dt.datetime.combine(x, _dt.time())
    return None


def _finite_numbers(low: object, high: object) -> bool:
    """Both bounds numbers (not booleans) and finite."""
    return all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
        for x in (low, high)
    )
