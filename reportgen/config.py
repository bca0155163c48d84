"""The report config: one YAML file, validated strictly.

An unknown key, a wrong type or a missing file is a :class:`ConfigError` whose
message names the config file, the dotted path of the key, the bad value and what
was expected. Relative paths in the config are resolved against the folder of the
config file, so a config and its data can be moved together.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from reportgen.branding import DEFAULT_PALETTE
from reportgen.canonical import DEFAULT_ATTRIBUTES, DEFAULT_SCALES, DIMENSIONS, TABLES
from reportgen.errors import ConfigError
from reportgen.sanitize import is_unpresentable, strip_control

Language = Literal["en", "zh-CN"]
LANGUAGES: tuple[str, ...] = ("en", "zh-CN")

#: Text treated as "missing" in non-text columns unless a source overrides it.
DEFAULT_NA_VALUES: tuple[str, ...] = (
    "",
    "NA",
    "N/A",
    "n/a",
    "#N/A",
    "null",
    "NULL",
    "None",
    "nan",
    "NaN",
    "-",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _has_control(text: str) -> bool:
    """Any control character, line breaks and tabs included (U+2028/9 too)."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


class Names(_Model):
    """A display name per language."""

    en: str
    zh_CN: str = Field(alias="zh-CN")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("en", "zh_CN")
    @classmethod
    def _printable(cls, v: str) -> str:
        # names go into titles, file metadata and e-mail subjects: one line, printable
        if _has_control(v):
            raise ValueError(f"{v!r} holds control characters; expected printable text")
        return v

    def get(self, lang: str) -> str:
        return self.zh_CN if lang == "zh-CN" else self.en


class ValueLabel(_Model):
    """How one value of a dimension is shown per language; a language left out shows
    the value as the data spell it."""

    en: Annotated[str, Field(min_length=1)] | None = None
    zh_CN: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="zh-CN")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def get(self, lang: str) -> str | None:
        return self.zh_CN if lang == "zh-CN" else self.en


class Scale(_Model):
    """How a score column is coded in one source.

    ``reversed: true`` means ``min`` is the best answer (1 = very satisfied); values
    are flipped onto the canonical direction (higher is better) on load.
    ``na_codes`` are answers meaning "not applicable" (e.g. 0 or 99): they become
    missing, are counted, and never enter a mean. ``labels`` map text answers
    (非常满意, "Very satisfied") onto numbers *on this source's scale*.
    """

    min: float
    max: float
    reversed: bool = False
    na_codes: tuple[float, ...] = ()
    labels: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        for code in self.na_codes:
            if self.min <= code <= self.max:
                raise ValueError(
                    f"na_code {code} lies inside the scale {self.min}-{self.max}; "
                    "a not-applicable code must be outside the valid range"
                )
        for label, value in self.labels.items():
            if not (self.min <= value <= self.max) and value not in self.na_codes:
                raise ValueError(
                    f"label {label!r} maps to {value}, outside the scale {self.min}-{self.max}"
                )
        return self


class DateSettings(_Model):
    """How dates are written in one source.

    ``dayfirst`` settles 05/03/2025: ``true`` = 5 March, ``false`` = 3 May. When it
    is not set, such ambiguous dates are quarantined rather than guessed.
    ``formats`` are strptime formats tried first, before the built-in ISO, 2025/3/5,
    2025年3月5日, day/month and Excel-serial forms: on the text as written (trimmed,
    full-width digits folded) and as cleaned (a ``T`` before the time is a space, an ISO
    zone designator is dropped, 05.03.2025 becomes 05/03/2025). ``excel_epoch`` is used
    for serial numbers found in text files (workbooks carry their own).
    """

    dayfirst: bool | None = None
    formats: tuple[str, ...] = ()
    excel_epoch: Literal[1900, 1904] = 1900


class SqlSource(_Model):
    """A table or query in a database: a SQLAlchemy URL or ``duckdb:///file.duckdb``."""

    url: str
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SqlSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


class Source(_Model):
    """Where one canonical table comes from and how its columns map."""

    path: Path | None = None
    sql: SqlSource | None = None
    format: Literal["csv", "xlsx", "xls", "html", "parquet"] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: Annotated[int, Field(ge=1)] | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    scales: dict[str, Scale] = Field(default_factory=dict)
    dates: DateSettings = DateSettings()
    #: the decimal mark of numbers written as text: "," for a European export
    #: (1.234,50 is 1234.5 and 99,90 is 99.9; then "." only groups thousands)
    decimal: Literal[".", ","] = "."
    na_values: tuple[str, ...] = DEFAULT_NA_VALUES
    true_values: tuple[str, ...] = ("1", "y", "yes", "true", "是", "有", "t")
    false_values: tuple[str, ...] = ("0", "n", "no", "false", "否", "无", "f")

    @model_validator(mode="after")
    def _one_location(self) -> Source:
        if (self.path is None) == (self.sql is None):
            raise ValueError("give exactly one of 'path' (a file) or 'sql' (a database)")
        return self


class Sources(_Model):
    responses: Source | None = None
    customers: Source | None = None
    orders: Source | None = None
    tickets: Source | None = None
    targets: Source | None = None
    benchmarks: Source | None = None

    def items(self) -> list[tuple[str, Source]]:
        return [(name, src) for name in TABLES if (src := getattr(self, name)) is not None]


class Unit(_Model):
    """A business unit: stable id, display names, and the spellings found in data."""

    id: Annotated[str, Field(min_length=1)]
    names: Names
    aliases: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    #: the benchmark scope (e.g. the unit's industry) compared with first, where a KPI
    #: has one; otherwise the KPI's first listed benchmark
    benchmark_scope: str | None = None

    @field_validator("id")
    @classmethod
    def _printable_id(cls, v: str) -> str:
        # the id is written into file names, results and the e-mail's X-Reportgen-Unit:
        # no control character at all, line breaks included
        if _has_control(v):
            raise ValueError(f"{v!r} holds control characters; expected printable text")
        return v


class Attribute(_Model):
    """An attribute (touchpoint) rating column of the responses table."""

    id: str
    names: Names


class PeriodSettings(_Model):
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = 1
    default: str = "latest"
    trend_periods: Annotated[int, Field(ge=2, le=40)] = 8
    plausible_from: str = "2000-01-01"
    plausible_to: str = "2099-12-31"


class Statistics(_Model):
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95
    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.05
    min_n: Annotated[int, Field(ge=1)] = 30
    flat_threshold: Annotated[float, Field(ge=0)] = 0.0


class KpiSettings(_Model):
    """Which KPIs to compute and their parameters.

    ``csi_weights`` are relative: they are divided by their sum (the common default
    35/25/20/15 adds up to 95%), and per response by the sum of the weights of the
    attributes actually answered.
    """

    select: Literal["all"] | tuple[str, ...] = "all"
    csi_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "product_fit": 0.35,
            "responsiveness": 0.25,
            "brand_trust": 0.20,
            "price_fairness": 0.15,
        }
    )
    top_box: Annotated[int, Field(ge=1, le=3)] = 2
    repurchase_window_days: Annotated[int, Field(ge=1)] | None = None
    clv_relationship_years: Annotated[float, Field(gt=0, le=50)] = 3.0

    @field_validator("csi_weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one weight is needed")
        if any(w < 0 or not math.isfinite(w) for w in v.values()):
            raise ValueError(f"weights must be finite and >= 0, got {v}")
        if sum(v.values()) <= 0:
            raise ValueError(f"at least one weight must be positive, got {v}")
        return v


class TargetRow(_Model):
    unit: str
    period: str
    kpi: str
    target: float


class BenchmarkRow(_Model):
    kpi: str
    scope: str
    value: float
    source: str | None = None


class DeckSettings(_Model):
    """The slide deck: the user's own template (.pptx) and which of its layouts to use.

    ``layouts`` maps a role (``title``, ``section``, ``content``, ``title_only``,
    ``blank``) to a layout name of the template, e.g. ``{title: 封面, section: 章节}``;
    roles not mapped use the default names with the fallback documented in
    :mod:`reportgen.render.pptx_layouts`. Names are checked against the template when
    the deck is built (ConfigError listing the template's layout names)."""

    template: Path | None = None
    layouts: dict[Literal["title", "section", "content", "title_only", "blank"], str] = Field(
        default_factory=dict
    )
    #: The user's report spec (YAML, same schema as ``templates/report_spec.yaml``:
    #: section order, which slides, which KPIs); relative to the config file. It is
    #: checked when the config is loaded; without it the shipped spec is used.
    spec: Path | None = None


class BrandingSettings(_Model):
    """The company's look. ``palette``: series colours as ``#RRGGBB`` (at least three),
    used in order by every chart — native PowerPoint and Excel charts and the PNG charts
    (see :mod:`reportgen.branding`); the default is the shipped template's accents.
    ``font``: a typeface name for the deck's text and charts (Latin and East Asian slots);
    text fitting still measures with the bundled Noto Sans SC, so choose a font of
    similar width. Null: the template's Noto Sans SC."""

    palette: Annotated[tuple[str, ...], Field(min_length=3)] = tuple(
        f"#{c}" for c in DEFAULT_PALETTE
    )
    font: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("palette")
    @classmethod
    def _hex(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for c in v:
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", c):
                raise ValueError(f"colour {c!r} is not of the form #RRGGBB (e.g. #1F5FA8)")
        return v


class ReportSettings(_Model):
    title: Names = Names(
        en="Customer Satisfaction & Loyalty Report", **{"zh-CN": "客户满意度与忠诚度报告"}
    )
    #: shown on the cover and as the deck's author: one text for every language, or
    #: one per language ({en: …, zh-CN: …}; a language left out shows the other's)
    presenter: ValueLabel | None = None
    language: Language = "zh-CN"
    output_dir: Path = Path("out")
    #: Stem of every document's file name; placeholders {unit} (the unit id, "group"
    #: for the group documents), {period} and {lang}. Each part is made a safe name.
    file_names: str = "{unit}_{period}"
    deck: DeckSettings = DeckSettings()
    branding: BrandingSettings = BrandingSettings()

    @field_validator("presenter", mode="before")
    @classmethod
    def _presenter_text(cls, v: object) -> object:
        if isinstance(v, str):  # one text for every language
            if not v.strip():
                raise ValueError("is empty: give a text, or leave presenter out")
            return {"en": v, "zh-CN": v}
        if v is not None and not isinstance(v, dict | ValueLabel):
            raise ValueError("expected a text, or one per language: {en: …, zh-CN: …}")
        return v

    @field_validator("presenter")
    @classmethod
    def _presenter(cls, v: ValueLabel | None) -> ValueLabel | None:
        if v is not None and v.en is None and v.zh_CN is None:
            raise ValueError("names nobody: give en, zh-CN or both (or leave presenter out)")
        return v

    def presenter_in(self, lang: str) -> str:
        """The presenter line in ``lang`` ("" when none is configured); a language the
        config leaves out shows the other's."""
        v = self.presenter
        return "" if v is None else v.get(lang) or v.en or v.zh_CN or ""

    @field_validator("file_names")
    @classmethod
    def _file_names(cls, v: str) -> str:
        import string

        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(v) if f is not None}
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a name pattern: {exc}") from None
        unknown = sorted(fields - FILE_NAME_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {unknown} in {v!r}; expected some of "
                f"{sorted(FILE_NAME_FIELDS)}"
            )
        if "unit" not in fields:
            raise ValueError(f"{v!r} must contain {{unit}} so units get different files")
        return v


#: The placeholders ``report.file_names`` may use.
FILE_NAME_FIELDS = frozenset({"unit", "period", "lang"})


# -- e-mail ------------------------------------------------------------------

#: The KPIs an e-mail summary shows unless ``email.kpis`` says otherwise.
DEFAULT_EMAIL_KPIS: tuple[str, ...] = ("csat", "nps", "csi", "churn_rate", "repurchase_rate", "fcr")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _check_address(value: str) -> str:
    """An e-mail address, plain (a@b.cn) or with a display name (张三 <a@b.cn>)."""
    from email.utils import getaddresses

    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError("an e-mail address cannot contain line breaks")
    found = getaddresses([value])
    if len(found) != 1 or value.strip().endswith(","):
        raise ValueError("one address per entry; write a list to give several")
    addr = found[0][1]
    local, at, domain = addr.rpartition("@")
    labels = domain.split(".")
    if (
        not (at and local and len(labels) >= 2 and all(labels))  # a@.com, a@b..com: no
        or not addr.isascii()
        or " " in addr
    ):
        raise ValueError(
            "not an e-mail address; expected name@example.com or 'Name <name@example.com>' "
            "(ASCII address)"
        )
    return value


EmailAddress = Annotated[str, AfterValidator(_check_address)]


class SmtpSettings(_Model):
    """How to reach the mail server.

    ``security``: ``starttls`` (port 587: plain connect, then upgrade to TLS) or ``ssl``
    (port 465: TLS from the first byte); the server certificate is always verified, against
    ``ca_bundle`` (a PEM file, for servers with an internal CA) if given, else the system's
    CAs. ``none`` sends in clear text and is allowed only for a server on this machine.
    ``username_env`` / ``password_env`` name environment variables holding the login: the
    credentials themselves never appear in the config, and no login is tried without them.
    """

    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    security: Literal["starttls", "ssl", "none"] = "starttls"
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    ca_bundle: Path | None = None
    username_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None
    password_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None

    @model_validator(mode="after")
    def _check(self) -> SmtpSettings:
        if self.security == "none" and self.host.lower() not in _LOCAL_HOSTS:
            raise ValueError(
                f"security 'none' sends mail and passwords in clear text; it is allowed only "
                f"for a server on this machine ({sorted(_LOCAL_HOSTS)}), not {self.host!r}: "
                "use 'starttls' or 'ssl'"
            )
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both 'username_env' and 'password_env', or neither")
        return self

    @property
    def effective_port(self) -> int:
        """The configured port, else the usual one for the security mode (587/465/25)."""
        return self.port if self.port is not None else _DEFAULT_PORTS[self.security]


class UnitRecipients(_Model):
    """Recipients of one unit's message. ``to`` replaces the unit's ``owners``; ``cc`` adds."""

    to: tuple[EmailAddress, ...] | None = None
    cc: tuple[EmailAddress, ...] = ()


class EmailSettings(_Model):
    """``reportgen send``: one message per business unit.

    Recipients: To = ``units.<id>.to`` if given, else the unit's ``owners``; plus ``to``
    (sent every unit's message). Cc = ``units.<id>.cc`` plus ``cc``. ``subject`` is a
    Jinja template (variables: title, unit, unit_id, period, period_label); without it
    the language's ``templates/email/<lang>/subject.txt.j2`` is used. ``kpis`` are the
    headline KPIs of the summary, ``chart_kpi`` the one whose trend is drawn (null: no
    chart). Attachments (the workbook, and the deck when ``attach_deck`` and a .pptx sits
    next to it) may add up to ``max_attachment_mb`` MiB per message.
    """

    smtp: SmtpSettings | None = None
    sender: EmailAddress = Field(alias="from")
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    units: dict[str, UnitRecipients] = Field(default_factory=dict)
    subject: Annotated[str, Field(min_length=1)] | None = None
    kpis: Annotated[tuple[str, ...], Field(min_length=1)] = DEFAULT_EMAIL_KPIS
    chart_kpi: str | None = "nps"
    attach_deck: bool = False
    max_attachment_mb: Annotated[float, Field(gt=0, le=1024)] = 10.0

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True
    )

    @field_validator("subject")
    @classmethod
    def _subject_parses(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import jinja2

        try:
            jinja2.Environment().parse(v)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"not a valid Jinja template: {exc.message}") from None
        return v

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb * 1024 * 1024)


class AnalyticsSettings(_Model):
    """The insight analyses of chapters 4–6 (reportgen.analytics)."""

    enabled: bool = True
    #: A theme dictionary (YAML, same schema as templates/analytics/themes.yaml; start it
    #: with ``extends: default`` to add to the shipped themes); relative to the config.
    themes: Path | None = None
    rfm_bins: Annotated[int, Field(ge=2, le=10)] = 5
    clv_horizon_months: Annotated[int, Field(ge=1, le=120)] = 12
    clv_monthly_discount: Annotated[float, Field(ge=0, lt=1)] = 0.01
    #: Customers per unit beyond which customer-level analyses (segments, CLV, churn)
    #: use a uniform hash sample of this many: 20,000 keeps a held-out churn quarter in
    #: the hundreds of churners and every segment profile's margins small.
    max_customers: Annotated[int, Field(ge=1000)] = 20_000


class ReportConfig(_Model):
    """The whole config. Build it with :func:`load_config`."""

    version: Literal[1] = 1
    report: ReportSettings = ReportSettings()
    periods: PeriodSettings = PeriodSettings()
    statistics: Statistics = Statistics()
    units: tuple[Unit, ...]
    attributes: tuple[Attribute, ...] = ()
    dimensions: tuple[str, ...] = ("segment", "region", "channel", "industry")
    #: dimension → value as in the data → its display name per language (decks and
    #: workbooks; results files keep the data's values)
    value_labels: dict[str, dict[str, ValueLabel]] = Field(default_factory=dict)
    kpis: KpiSettings = KpiSettings()
    sources: Sources
    targets: tuple[TargetRow, ...] = ()
    benchmarks: tuple[BenchmarkRow, ...] = ()
    email: EmailSettings | None = None
    analytics: AnalyticsSettings = AnalyticsSettings()
    base_dir: Path = Path(".")

    @field_validator("dimensions")
    @classmethod
    def _dims(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for d in v:
            if d not in DIMENSIONS:
                raise ValueError(f"unknown dimension {d!r}; expected one of {sorted(DIMENSIONS)}")
        return v

    @field_validator("value_labels")
    @classmethod
    def _value_labels(cls, v: dict[str, dict[str, ValueLabel]]) -> dict[str, dict[str, ValueLabel]]:
        for dim, labels in v.items():
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dim!r}; expected one of {sorted(DIMENSIONS)}")
            for lang in LANGUAGES:
                shown: dict[str, str] = {}
                for value, label in labels.items():
                    text = label.get(lang) or value
                    other = shown.setdefault(text.strip().casefold(), value)
                    if other != value:
                        raise ValueError(
                            f"{dim}: the values {other!r} and {value!r} would both be shown "
                            f"as {text!r} in {lang}; expected a distinct name per value"
                        )
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> ReportConfig:
        ids = [u.id for u in self.units]
        if not ids:
            raise ValueError("declare at least one business unit under 'units'")
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate unit id(s) {dup}")
        seen: dict[str, str] = {}
        for u in self.units:
            for spelling in (u.id, u.names.en, u.names.zh_CN, *u.aliases):
                key = spelling.strip().casefold()
                if key in seen and seen[key] != u.id:
                    raise ValueError(
                        f"the spelling {spelling!r} is used by units {seen[key]!r} and {u.id!r}"
                    )
                seen[key] = u.id
        attribute_ids = set(self.attribute_ids)
        unknown = sorted(set(self.kpis.csi_weights) - attribute_ids)
        if unknown and "csi_weights" not in self.kpis.model_fields_set:
            example = ", ".join(f"{a}: 1" for a in sorted(attribute_ids)[:2])
            raise ValueError(
                f"kpis.csi_weights is not set, and its default weights name {unknown}, "
                f"which are not among the declared attributes {sorted(attribute_ids)}; "
                f"set kpis.csi_weights to weights of your attributes, e.g. {{{example}}}"
            )
        if unknown:
            close = {
                u: c[0] for u in unknown if (c := difflib.get_close_matches(u, attribute_ids, n=1))
            }
            hint = "".join(f" Did you mean {c!r} for {u!r}?" for u, c in close.items())
            raise ValueError(
                f"kpis.csi_weights names {unknown}, which are not attributes; "
                f"expected some of {sorted(attribute_ids)}.{hint}"
            )
        return self

    # -- derived views -------------------------------------------------------

    @property
    def attribute_ids(self) -> tuple[str, ...]:
        declared = tuple(a.id for a in self.attributes)
        return declared or DEFAULT_ATTRIBUTES

    def value_label(self, dimension: str, value: object, lang: str) -> str:
        """A dimension value as decks and workbooks show it in ``lang``
        (``value_labels``; otherwise the value as the data spell it). A value that reads
        like a leaked missing value ("None", "nan", "null": a spelling the source's
        ``na_values`` does not declare missing) is shown in brackets, as the data's own
        word: [None] (the decks' sentences put names in quotes already). Control
        characters are left out (they break slide and chart XML)."""
        text = str(value)
        label = self.value_labels.get(dimension, {}).get(text)
        shown, _ = strip_control((label.get(lang) if label is not None else None) or text)
        return f"[{shown}]" if is_unpresentable(shown) else shown

    def unit(self, unit_id: str) -> Unit:
        for u in self.units:
            if u.id == unit_id:
                return u
        raise ConfigError(f"unknown business unit {unit_id!r}; expected one of {self.unit_ids}")

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units)

    def unit_spellings(self) -> dict[str, str]:
        """Every accepted spelling, casefolded and lower-cased → unit id.

        The engine can only lower-case data ("Groß" → "groß", while casefold gives
        "gross"), so both forms are keys; they never clash across units because
        ``_cross_checks`` rejects spellings that are equal when casefolded."""
        out: dict[str, str] = {}
        for u in self.units:
            for spelling in (u.id, u.names.en, u.names.zh_CN, *u.aliases):
                out[spelling.strip().casefold()] = u.id
                out[spelling.strip().lower()] = u.id
        return out

    def resolve_unit(self, text: str) -> str:
        """Map a unit given on the command line (id, name or alias) to its id."""
        found = self.unit_spellings().get(text.strip().casefold())
        if found is None:
            close = difflib.get_close_matches(text, list(self.unit_ids), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown business unit {text!r}; expected one of {list(self.unit_ids)} "
                f"(or their names/aliases).{hint}"
            )
        return found

    def scale_for(self, table: str, column: str) -> Scale:
        """The declared scale of a score column, or the canonical default."""
        src = getattr(self.sources, table)
        if src is not None and column in src.scales:
            return src.scales[column]
        default = DEFAULT_SCALES.get(column, DEFAULT_SCALES["product_fit"])
        return Scale(min=default.min, max=default.max)

    def path(self, p: Path) -> Path:
        """A config path resolved against the config file's folder."""
        return p if p.is_absolute() else (self.base_dir / p)


# -- loading -----------------------------------------------------------------


def _format_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _explain(err: dict[str, Any], raw: Any, source: str) -> str:
    loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
    # pydantic puts union branches / literal tags into loc; keep the user's key path only
    user_loc: list[Any] = []
    cur = raw
    for item in loc:
        if (
            isinstance(cur, dict)
            and item in cur
            or isinstance(cur, (list, tuple))
            and isinstance(item, int)
            and item < len(cur)
        ):
            user_loc.append(item)
            cur = cur[item]
        elif err["type"] in ("extra_forbidden", "missing") and item == loc[-1]:
            user_loc.append(item)
    path = _format_location(tuple(user_loc))
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(user_loc[:-1]))
        close = difflib.get_close_matches(str(user_loc[-1]), allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"{source}: {path}: unknown key; expected one of {allowed}.{hint}"
    if kind == "missing":
        return f"{source}: {path}: required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if not user_loc and kind == "value_error":
        # a check across keys (the whole config is its input): the message names the keys
        return f"{source}: {msg}"
    value = err.get("input")
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{source}: {path}: bad value {shown}: {msg}"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names (aliases) accepted at a key path, for 'did you mean' hints."""
    model: Any = ReportConfig
    for item in loc:
        if isinstance(item, int):
            continue
        if model is Sources and item in TABLES:
            model = Source
            continue
        field = getattr(model, "model_fields", {}).get(item)
        if field is None:
            return []
        model = _inner_model(field.annotation)
        if model is None:
            return []
    fields = getattr(model, "model_fields", {})
    return sorted(f.alias or name for name, f in fields.items() if name != "base_dir")


def _inner_model(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def load_config(path: str | Path, *, check_files: bool = True) -> ReportConfig:
    """Read and validate a YAML config; raise ConfigError naming the bad key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: config must be UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level, got {raw!r}")
    if "base_dir" in raw:
        raise ConfigError(f"{path}: base_dir: unknown key (paths are relative to the config file)")
    try:
        config = ReportConfig.model_validate({**raw, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        lines = [_explain(e, raw, str(path)) for e in exc.errors()]
        raise ConfigError("; ".join(dict.fromkeys(lines))) from None
    _check_mappings(config, str(path))
    _check_unit_folders(config, str(path))
    _check_email(config, str(path))
    _check_deck_spec(config, str(path))
    _check_themes(config, str(path))
    if check_files:
        check_source_files(config, str(path))
    return config


def _check_mappings(config: ReportConfig, source: str) -> None:
    for table_name, src in config.sources.items():
        table = TABLES[table_name]
        allowed = set(table.column_names)
        if table_name == "responses":
            allowed |= set(config.attribute_ids)
        for canonical in src.columns:
            if canonical not in allowed:
                close = difflib.get_close_matches(canonical, sorted(allowed), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(
                    f"{source}: sources.{table_name}.columns.{canonical}: unknown canonical "
                    f"column; expected one of {sorted(allowed)}.{hint}"
                )
        for col in src.scales:
            kind = table.column(col).kind if col in table.column_names else "score"
            if col not in allowed or kind != "score":
                scored = sorted(c for c in allowed if _is_score(table_name, c, config))
                raise ConfigError(
                    f"{source}: sources.{table_name}.scales.{col}: not a score column of "
                    f"{table_name}; scales apply to {scored}"
                )
        ltr = src.scales.get("ltr") if table_name == "responses" else None
        if ltr is not None and (ltr.min, ltr.max) != (0, 10):
            # promoters 9–10, passives 7–8, detractors 0–6: defined on 0–10 only
            raise ConfigError(
                f"{source}: sources.responses.scales.ltr: min {ltr.min:g}, max {ltr.max:g}; "
                "expected min 0, max 10: the NPS and the recommend rate are defined on "
                "the 0–10 likelihood-to-recommend question (map a 1–5 or 1–10 question "
                "to another score column, e.g. trust)"
            )


def _check_unit_folders(config: ReportConfig, source: str) -> None:
    """Two units may not share an output folder: their ids become ASCII file names
    (:func:`reportgen.sanitize.slugify`: ``a/b`` and ``a_b`` are both ``a_b``), compared
    ignoring case as Windows and macOS file systems do."""
    from reportgen.sanitize import shared_slug

    ids = [u.id for u in config.units]
    clash = shared_slug(ids)
    if clash is not None:
        other, unit, slug = clash
        raise ConfigError(
            f"{source}: units[{ids.index(unit)}].id: {unit!r} and {other!r} would share the "
            f"output folder {slug!r}; expected ids that differ in letters or digits"
        )


def _check_email(config: ReportConfig, source: str) -> None:
    """Per-unit e-mail keys must be unit ids; owners must be e-mail addresses."""
    if config.email is None:
        return
    for unit_id in config.email.units:
        if unit_id not in config.unit_ids:
            close = difflib.get_close_matches(unit_id, list(config.unit_ids), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{source}: email.units.{unit_id}: not a unit id; expected one of "
                f"{list(config.unit_ids)}.{hint}"
            )
    for i, unit in enumerate(config.units):
        for j, owner in enumerate(unit.owners):
            try:
                _check_address(owner)
            except ValueError as exc:
                raise ConfigError(
                    f"{source}: units[{i}].owners[{j}]: bad value {owner!r}: {exc}"
                ) from None


def _check_deck_spec(config: ReportConfig, source: str) -> None:
    """``report.deck.spec`` must exist and name only known slide kinds and KPI ids."""
    spec = config.report.deck.spec
    if spec is None:
        return
    full = config.path(spec)
    if not full.is_file():
        raise ConfigError(
            f"{source}: report.deck.spec: file {str(spec)!r} not found (looked for {full})"
        )
    from reportgen.engine.registry import kpi_registry
    from reportgen.model.deck import load_spec

    try:
        load_spec(full, kpi_ids=kpi_registry(config))
    except ConfigError as exc:
        raise ConfigError(f"{source}: report.deck.spec: {exc}") from None


def _check_themes(config: ReportConfig, source: str) -> None:
    """``analytics.themes`` must exist and be a valid theme dictionary."""
    themes = config.analytics.themes
    if themes is None:
        return
    full = config.path(themes)
    if not full.is_file():
        raise ConfigError(
            f"{source}: analytics.themes: file {str(themes)!r} not found (looked for {full})"
        )
    from reportgen.analytics.themes import load_themes

    try:
        load_themes(full)
    except ConfigError as exc:
        raise ConfigError(f"{source}: analytics.themes: {exc}") from None


def _is_score(table_name: str, column: str, config: ReportConfig) -> bool:
    table = TABLES[table_name]
    if column in table.column_names:
        return table.column(column).kind == "score"
    return table_name == "responses" and column in config.attribute_ids


def check_source_files(config: ReportConfig, source: str) -> None:
    """Every file a source points at must exist (SQL URLs are checked on read)."""
    for table_name, src in config.sources.items():
        if src.path is not None:
            full = config.path(src.path)
            if not full.is_file():
                raise ConfigError(
                    f"{source}: sources.{table_name}.path: file {str(src.path)!r} not found "
                    f"(looked for {full})"
                )
