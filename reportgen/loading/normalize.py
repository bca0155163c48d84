"""Value normalisation as engine expressions.

Each function turns one raw source column (text from CSV/Excel, or already typed
from Parquet/SQL) into a canonical typed value *and* an error expression: a reason
code when the value cannot be mapped, NULL otherwise. Missing values (the source's
``na_values``) are not errors; required columns are checked by the caller.

Everything here is an ibis expression, so normalisation runs inside the engine
(DuckDB by default) over millions of rows without pulling them into Python.
Reason codes are stable strings documented in :data:`REASONS`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from reportgen.config import DateSettings, Scale

#: Quarantine reason codes → English explanation (used in reports and the CLI).
REASONS: dict[str, str] = {
    "missing_required": "a required value is empty",
    "bad_score": "not a number and not a declared label",
    "out_of_range": "number outside the declared scale (and not a not-applicable code)",
    "bad_date": "not a recognised date",
    "ambiguous_date": "day/month order is ambiguous and periods.dayfirst is not set",
    "implausible_date": "date outside the plausible window (periods.plausible_from/to)",
    "unknown_unit": "business unit not declared in the config (id, name or alias)",
    "bad_number": "not a number",
    "bad_integer": "not a whole number >= 0",
    "bad_bool": "not a recognised yes/no value",
    "negative_duration": "a later timestamp is before the ticket was opened",
    "ragged_row_short": "row has fewer fields than the header",
    "ragged_row_long": "row has more fields than the header",
    "repeated_header": "the header row repeated inside the data",
    "bad_period": "not a period label such as 2025Q3, 2025H1, 2025 or 2025-07",
    "unknown_kpi": "not a KPI id of the registry",
}

_FULLWIDTH = "０１２３４５６７８９．－＋：／，　"
_ASCII = "0123456789.-+:/, "


@ibis.udf.scalar.builtin(name="try_strptime", signature=((dt.string, dt.string), dt.timestamp))
def _try_strptime(s, fmt):  # type: ignore[no-untyped-def]
    """DuckDB's try_strptime: NULL instead of an error when the text does not match."""


@dataclass(frozen=True)
class Parsed:
    """A canonical value and the reason it failed (NULL when it did not)."""

    value: ir.Value
    error: ir.StringValue


_NO_ERROR: ir.StringValue = ibis.null(dt.string)


def _is_text(col: ir.Value) -> bool:
    return col.type().is_string()


def clean_text(col: ir.StringValue) -> ir.StringValue:
    """Trim and fold full-width digits and punctuation (８ → 8, ．→ .)."""
    return col.strip().translate(_FULLWIDTH, _ASCII)


def is_missing(col: ir.Value, na_values: tuple[str, ...]) -> ir.BooleanValue:
    """NULL, or text equal to one of the declared missing-value spellings."""
    if not _is_text(col):
        return col.isnull()
    stripped = col.strip()
    return stripped.isnull() | stripped.isin([v.strip() for v in na_values] + [""])


def _error_if(cond: ir.BooleanValue, reason: str) -> ir.StringValue:
    return ibis.cases((cond, ibis.literal(reason)), else_=_NO_ERROR)


def text_value(col: ir.Value) -> Parsed:
    """Free text: kept verbatim; only the empty string becomes missing."""
    as_text = col if _is_text(col) else col.cast(dt.string)
    return Parsed(ibis.cases((as_text == "", ibis.null(dt.string)), else_=as_text), _NO_ERROR)


def id_value(col: ir.Value, na_values: tuple[str, ...]) -> Parsed:
    """Identifiers stay text exactly as written; integral numbers lose a trailing .0."""
    if _is_text(col):
        value = col.strip()
    elif col.type().is_floating():
        value = ibis.cases(
            (col == col.floor(), col.cast(dt.int64).cast(dt.string)), else_=col.cast(dt.string)
        )
    else:
        value = col.cast(dt.string)
    missing = is_missing(col, na_values)
    return Parsed(ibis.cases((missing, ibis.null(dt.string)), else_=value), _NO_ERROR)


def category_value(col: ir.Value, na_values: tuple[str, ...]) -> Parsed:
    """Dimension values: trimmed text; missing spellings become NULL."""
    return id_value(col, na_values)


def unit_value(col: ir.Value, spellings: dict[str, str], na_values: tuple[str, ...]) -> Parsed:
    """Map unit ids, names and aliases (case-insensitive) to the configured unit id."""
    raw = id_value(col, na_values).value
    key = raw.lower()
    value = ibis.cases(*[(key == k, ibis.literal(v)) for k, v in sorted(spellings.items())],
                       else_=ibis.null(dt.string))
    return Parsed(value, _error_if(raw.notnull() & value.isnull(), "unknown_unit"))


def number_value(col: ir.Value, na_values: tuple[str, ...]) -> Parsed:
    """Decimal amounts: currency symbols, thousands separators and spaces removed."""
    missing = is_missing(col, na_values)
    if _is_text(col):
        cleaned = clean_text(col).re_replace(r"(?i)^(?:¥|￥|\$|cny|rmb)|(?:元|cny|rmb)$|[,\s]", "")
        value = cleaned.try_cast(dt.float64)
    else:
        value = col.cast(dt.float64)
    bad = ~missing & (value.isnull() | value.isnan() | value.isinf())
    value = ibis.cases((missing | bad, ibis.null(dt.float64)), else_=value)
    return Parsed(value, _error_if(bad, "bad_number"))


def integer_value(col: ir.Value, na_values: tuple[str, ...]) -> Parsed:
    """Whole counts >= 0."""
    num = number_value(col, na_values)
    bad = num.value.notnull() & ((num.value != num.value.floor()) | (num.value < 0))
    value = ibis.cases((bad, ibis.null(dt.int64)), else_=num.value.cast(dt.int64))
    return Parsed(value, ibis.coalesce(num.error, _error_if(bad, "bad_integer")))


def bool_value(
    col: ir.Value, true_values: tuple[str, ...], false_values: tuple[str, ...],
    na_values: tuple[str, ...],
) -> Parsed:
    """Yes/no flags from the source's declared spellings (是/否, Y/N, 1/0 …)."""
    missing = is_missing(col, na_values)
    if col.type().is_boolean():
        return Parsed(col, _NO_ERROR)
    key = (clean_text(col) if _is_text(col) else col.cast(dt.string)).lower()
    trues = [v.lower() for v in true_values]
    falses = [v.lower() for v in false_values]
    value = ibis.cases(
        (key.isin(trues), ibis.literal(True)),
        (key.isin(falses), ibis.literal(False)),
        else_=ibis.null(dt.boolean),
    )
    return Parsed(value, _error_if(~missing & value.isnull(), "bad_bool"))


def score_value(col: ir.Value, scale: Scale, na_values: tuple[str, ...]) -> Parsed:
    """A rating: labels → numbers, "10分" / "８" → 10 / 8, n/a codes → NULL,
    range-checked, reversed scales flipped so that higher is always better."""
    missing = is_missing(col, na_values)
    if _is_text(col):
        cleaned = clean_text(col)
        lowered = cleaned.lower()
        labelled = ibis.cases(
            *[(lowered == k.strip().lower(), ibis.literal(float(v)))
              for k, v in sorted(scale.labels.items())],
            else_=ibis.null(dt.float64),
        ) if scale.labels else ibis.null(dt.float64)
        numeric = cleaned.re_replace(r"(?i)\s*(分|points?|pts?)$", "").try_cast(dt.float64)
        raw = ibis.coalesce(labelled, numeric)
    else:
        raw = col.cast(dt.float64)
    unparsed = ~missing & raw.isnull()
    out_of_range = raw.notnull() & ((raw < scale.min) | (raw > scale.max))
    if scale.na_codes:
        not_applicable = raw.isin([float(c) for c in scale.na_codes])
        out_of_range = out_of_range & ~not_applicable
    error = ibis.coalesce(_error_if(unparsed, "bad_score"), _error_if(out_of_range, "out_of_range"))
    valid = raw.notnull() & ~out_of_range
    if scale.na_codes:
        valid = valid & ~not_applicable
    flipped = (scale.min + scale.max) - raw if scale.reversed else raw
    return Parsed(ibis.cases((valid, flipped), else_=ibis.null(dt.float64)), error)


_ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d",
    "%Y%m%d",
)
_EXCEL_BASE = {1900: _dt.datetime(1899, 12, 30), 1904: _dt.datetime(1904, 1, 1)}
_SLASHED = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"


def timestamp_value(
    col: ir.Value,
    settings: DateSettings,
    na_values: tuple[str, ...],
    *,
    plausible: tuple[_dt.date, _dt.date],
    excel_epoch: int | None = None,
) -> Parsed:
    """Dates and timestamps from ISO text, 2025/3/5, 2025年3月5日, Excel serials
    (1900 or 1904 system), day-first/month-first text per the source's setting,
    extra formats from the config, or typed columns. Never guesses day/month."""
    missing = is_missing(col, na_values)
    if col.type().is_timestamp():
        value = col.cast(dt.timestamp)
        error = _NO_ERROR
    elif col.type().is_date():
        value = col.cast(dt.timestamp)
        error = _NO_ERROR
    elif col.type().is_numeric():
        value = _from_serial(col.cast(dt.float64), excel_epoch or settings.excel_epoch)
        error = _error_if(~missing & value.isnull(), "bad_date")
    else:
        value, error = _parse_date_text(col, settings, missing, excel_epoch)
    lo = ibis.timestamp(_dt.datetime.combine(plausible[0], _dt.time()))
    hi = ibis.timestamp(_dt.datetime.combine(plausible[1], _dt.time.max.replace(microsecond=0)))
    implausible = value.notnull() & ((value < lo) | (value > hi))
    error = ibis.coalesce(error, _error_if(implausible, "implausible_date"))
    return Parsed(ibis.cases((implausible, ibis.null(dt.timestamp)), else_=value), error)


def _from_serial(num: ir.FloatingValue, epoch: int) -> ir.TimestampValue:
    """Excel serial day numbers (fraction = time of day) → timestamp."""
    in_range = (num >= 1) & (num < 2958466)
    seconds = (num * 86400).round().cast(dt.int64)
    stamp = ibis.timestamp(_EXCEL_BASE[epoch]) + seconds.as_interval("s")
    return ibis.cases((in_range, stamp), else_=ibis.null(dt.timestamp))


def _parse_date_text(
    col: ir.StringValue, settings: DateSettings, missing: ir.BooleanValue, excel_epoch: int | None
) -> tuple[ir.TimestampValue, ir.StringValue]:
    text = clean_text(col)
    # 2025年3月5日 [14:22] → 2025-3-5 [14:22]
    text = text.re_replace(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", r"\1-\2-\3")
    candidates = [_try_strptime(text, f) for f in (*_ISO_FORMATS, *settings.formats)]
    serial_text = text.re_search(r"^\d{1,7}(\.\d+)?$")
    serial = ibis.cases(
        (serial_text, _from_serial(text.try_cast(dt.float64), excel_epoch or settings.excel_epoch)),
        else_=ibis.null(dt.timestamp),
    )
    slashed = text.re_search(_SLASHED)
    first = text.re_extract(_SLASHED, 1).try_cast(dt.int64)
    second = text.re_extract(_SLASHED, 2).try_cast(dt.int64)
    dmy = ibis.coalesce(*[_try_strptime(text, f) for f in
                          ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")])
    mdy = ibis.coalesce(*[_try_strptime(text, f) for f in
                          ("%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")])
    if settings.dayfirst is True:
        day_month = dmy
        ambiguous = ibis.literal(False)
    elif settings.dayfirst is False:
        day_month = mdy
        ambiguous = ibis.literal(False)
    else:
        # Not configured: accept only when one reading is impossible (a part > 12).
        day_month = ibis.cases((first > 12, dmy), (second > 12, mdy), else_=ibis.null(dt.timestamp))
        ambiguous = slashed & (first <= 12) & (second <= 12) & (first != second)
        same = slashed & (first == second)
        day_month = ibis.cases((same, dmy), else_=day_month)
    value = ibis.coalesce(*candidates, serial, ibis.cases((slashed, day_month),
                                                          else_=ibis.null(dt.timestamp)))
    error = ibis.cases(
        (missing, _NO_ERROR),
        (value.notnull(), _NO_ERROR),
        (ambiguous, ibis.literal("ambiguous_date")),
        else_=ibis.literal("bad_date"),
    )
    return value, error
