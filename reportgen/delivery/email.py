"""E-mail delivery: one message per business unit with its KPI summary and workbook.

The flow is *check everything, then send*:

1. :func:`preflight` (before any KPI is computed): the ``email`` section, the SMTP
   settings, the credential variables, the KPI ids and the subject template.
2. :func:`plan_messages`: for every unit, the recipients, the workbook written by
   ``reportgen build`` (and the deck, if configured), the attachment size limit, then
   the complete message. Every problem of every unit is collected; if there is any,
   one :class:`DeliveryError` lists them all and **nothing is sent**.
3. :func:`send_planned` opens one verified SMTP session and sends the messages in
   unit order. A unit whose recipients are partly or wholly refused, or whose message
   the server rejects, is reported and the next unit is still sent; if the connection
   drops, the remaining units are reported as not sent. The :class:`DeliveryReport`
   says per unit what happened, and :meth:`DeliveryReport.raise_for_failures` turns any
   shortfall into a :class:`DeliveryError` (exit code 2), so nothing is half-sent
   silently.

``--dry-run DIR`` (:func:`write_eml`) writes the exact bytes that would be sent, one
``<unit-slug>.eml`` per unit, atomically.

Message layout (what mail clients expect)::

    multipart/mixed
      multipart/alternative
        text/plain                 the same figures as the HTML, as lines
        multipart/related
          text/html                Jinja, autoescaped
          image/png                the trend chart, referenced as cid:
      application/…spreadsheetml   the unit's workbook
      application/…presentationml  the deck (email.attach_deck, when it exists)

Texts come from ``templates/email/<lang>/`` (subject, HTML and plain-text bodies,
short labels); figures are formatted once by :mod:`reportgen.formatting`, so the HTML
and the text part (and the workbook) show the same strings.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2
import pandas as pd
import yaml

from reportgen.config import LANGUAGES, EmailSettings, ReportConfig
from reportgen.delivery.files import atomic_write_bytes
from reportgen.delivery.smtp import (
    Credentials,
    credentials_from_env,
    send_bytes,
    server_size_limit,
    smtp_session,
)
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError, DeliveryError
from reportgen.formatting import format_change, format_n, format_value, significance_mark
from reportgen.model.charts import ChartSpec
from reportgen.model.kpi_charts import target_line
from reportgen.resources import templates_dir
from reportgen.sanitize import slugify

if TYPE_CHECKING:
    from reportgen.pipeline import KpiReport

log = logging.getLogger(__name__)

_MIB = 1024 * 1024
_CONTENT_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
}
SUBJECT_VARIABLES = ("title", "unit", "unit_id", "period", "period_label")


# -- where build writes ----------------------------------------------------------------


def unit_slug(unit_id: str) -> str:
    """The file-name form of a unit id, as ``reportgen build`` names its folders."""
    return slugify(unit_id)


def workbook_path(
    out_dir: Path,
    period_label: str,
    unit_id: str,
    config: ReportConfig | None = None,
    lang: str | None = None,
) -> Path:
    """Where ``reportgen build`` writes the unit's workbook (with ``config``: its
    ``report.file_names`` pattern)."""
    from reportgen.export import output_path, unit_file

    if config is not None:
        return output_path(config, Path(out_dir), period_label, unit_id, ".xlsx", lang)
    return unit_file(Path(out_dir), period_label, unit_id, ".xlsx")


def deck_path(workbook: Path) -> Path:
    """The unit's deck sits next to its workbook, with the same name."""
    return workbook.with_suffix(".pptx")


# -- pure data for the templates -----------------------------------------------------


@dataclass(frozen=True)
class KpiLine:
    """One headline KPI of one unit, formatted for people (HTML and text alike)."""

    kpi: str
    label: str
    value: str
    change: str
    mark: str
    target: str
    n: str
    low_n: bool


@dataclass(frozen=True)
class Recipients:
    to: tuple[str, ...]
    cc: tuple[str, ...]

    @property
    def envelope(self) -> tuple[str, ...]:
        """The bare addresses the server is asked to deliver to (To, then Cc)."""
        return tuple(parseaddr(a)[1] for a in (*self.to, *self.cc))


def recipients_for(config: ReportConfig, unit_id: str) -> Recipients:
    """To = ``email.units.<id>.to`` or the unit's owners, plus ``email.to``;
    Cc = ``email.units.<id>.cc`` plus ``email.cc``. An address appears once."""
    email = _email(config)
    override = email.units.get(unit_id)
    unit_to = override.to if override is not None and override.to is not None else None
    to = (*(unit_to if unit_to is not None else config.unit(unit_id).owners), *email.to)
    cc = (*(override.cc if override is not None else ()), *email.cc)
    seen: set[str] = set()

    def unique(addresses: Sequence[str]) -> tuple[str, ...]:
        out = []
        for a in addresses:
            key = parseaddr(a)[1].lower()
            if key not in seen:
                seen.add(key)
                out.append(a)
        return tuple(out)

    return Recipients(unique(to), unique(cc))


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _sig(value: Any) -> bool | None:
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return None
    return bool(value)


def headline_lines(
    report: KpiReport, unit_id: str, kpi_ids: Sequence[str], lang: str
) -> list[KpiLine]:
    """The unit's current value, change vs the previous period (with its significance
    mark), target and n for each KPI in ``kpi_ids`` that has data, in that order."""
    sc = report.scorecard
    rows = sc[(sc.unit == unit_id) & sc.dimension.isna()]
    out: list[KpiLine] = []
    for kpi_id in kpi_ids:
        if kpi_id not in report.kpis:
            continue  # no data in any unit: compute_kpis already warned
        match = rows[rows.kpi == kpi_id]
        if match.empty:
            continue
        r = match.iloc[0]
        unit = str(r.value_unit)
        change = _num(r.change_prev)
        out.append(
            KpiLine(
                kpi=kpi_id,
                label=report.kpis[kpi_id].label(lang),
                value=format_value(_num(r.value), unit, lang),
                change=format_change(change, unit, lang),
                mark=significance_mark(_sig(r.sig_prev), change, int(r.direction)),
                target=format_value(_num(r.target), unit, lang),
                n=format_n(_num(r.n)),
                low_n=bool(_sig(r.low_n)) and (_num(r.n) or 0) > 0,  # n = 0: just "–"
            )
        )
    return out


def trend_chart(
    report: KpiReport, config: ReportConfig, unit_id: str, kpi_id: str, lang: str
) -> ChartSpec | None:
    """The KPI's trend for the unit against all units, with the unit's target line;
    None when the KPI has no data for the unit in any trend period."""
    if kpi_id not in report.kpis:
        return None
    labels = labels_for(lang)
    kpi = report.kpis[kpi_id]
    periods = [p.label for p in report.trend_periods]
    trends = report.trends[report.trends.kpi == kpi_id]

    def values(unit: str) -> list[float | None]:
        rows = trends[trends.unit == unit]
        by_period = {p: _num(v) for p, v in zip(rows.period, rows.value, strict=True)}
        return [by_period.get(p) for p in periods]

    unit_values = values(unit_id)
    if all(v is None for v in unit_values):
        return None
    # each period's own target (a past quarter is not judged by this one's)
    target = target_line(report, kpi_id, unit_id, labels["target"])
    references = ()
    if target is not None:
        text = f"{labels['target']} {format_value(target.value, kpi.unit, lang)}"
        references = (replace(target, label=text),)
    return ChartSpec.build(
        "line",
        f"{kpi.label(lang)} · {labels['trend']}",
        periods,
        [(config.unit(unit_id).names.get(lang), unit_values), (labels["all_units"], values(ALL))],
        value_unit=kpi.unit,
        references=references,
    )


# -- templates -------------------------------------------------------------------------


def _lang_dir(lang: str) -> Path:
    folder = templates_dir() / "email" / lang
    if lang not in LANGUAGES or not folder.is_dir():
        raise ConfigError(f"no e-mail templates for language {lang!r}; expected one of {LANGUAGES}")
    return folder


@lru_cache(maxsize=8)
def _environment(folder: Path, autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def labels_for(lang: str) -> dict[str, str]:
    """Short texts of a language (chart title suffix, "All units", "Target")."""
    path = _lang_dir(lang) / "labels.yaml"
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def render_subject(email: EmailSettings, lang: str, variables: Mapping[str, str]) -> str:
    """The subject line: ``email.subject`` or the language's template, on one line."""
    folder = _lang_dir(lang)
    env = _environment(folder, autoescape=False)
    try:
        template = (
            env.from_string(email.subject)
            if email.subject is not None
            else env.get_template("subject.txt.j2")
        )
        text = template.render(**variables)
    except jinja2.UndefinedError as exc:
        where = "email.subject" if email.subject is not None else f"{folder}/subject.txt.j2"
        raise ConfigError(
            f"{where}: {exc.message}; the subject can use {list(SUBJECT_VARIABLES)}"
        ) from None
    return " ".join(text.split())  # no line breaks in a header


def render_bodies(lang: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(plain text, HTML): the text unescaped, the HTML autoescaped."""
    folder = _lang_dir(lang)
    text = _environment(folder, autoescape=False).get_template("body.txt.j2").render(**context)
    html = _environment(folder, autoescape=True).get_template("body.html.j2").render(**context)
    return text, html


# -- checks before anything is computed ----------------------------------------------


def _email(config: ReportConfig) -> EmailSettings:
    if config.email is None:
        raise ConfigError(
            "the config has no 'email' section; add one with at least 'from' and 'smtp' "
            "(see the README, 'Sending the reports by e-mail')"
        )
    return config.email


def preflight(
    config: ReportConfig, *, lang: str, dry_run: bool, env: Mapping[str, str] | None = None
) -> Credentials | None:
    """Everything that can be checked without data: the e-mail settings, the KPI ids,
    the subject template and (when sending) the SMTP section and credential variables."""
    from reportgen.engine.registry import kpi_registry

    email = _email(config)
    _lang_dir(lang)
    known = kpi_registry(config)
    for key, ids in (("email.kpis", email.kpis), ("email.chart_kpi", (email.chart_kpi,))):
        unknown = [k for k in ids if k is not None and k not in known]
        if unknown:
            raise ConfigError(f"{key}: unknown KPI {unknown}; expected some of {list(known)}")
    render_subject(email, lang, {name: name for name in SUBJECT_VARIABLES})
    if dry_run:
        return None
    if email.smtp is None:
        raise ConfigError(
            "email.smtp: required to send (host, port, security); "
            "use --dry-run DIR to write the messages as .eml files instead"
        )
    return credentials_from_env(email.smtp, os.environ if env is None else env)


# -- planning: every check before the first message ------------------------------------


@dataclass(frozen=True)
class UnitMessage:
    """One unit's complete message, ready to send or write."""

    unit_id: str
    slug: str
    recipients: Recipients
    message: EmailMessage = field(repr=False)
    data: bytes = field(repr=False)
    attachments: tuple[Path, ...]
    attachment_bytes: int


def plan_messages(
    config: ReportConfig,
    report: KpiReport,
    *,
    out_dir: Path,
    lang: str,
    now: _dt.datetime | None = None,
) -> list[UnitMessage]:
    """Build every unit's message, or raise one DeliveryError listing every problem."""
    email = _email(config)
    problems: list[str] = []
    prepared: list[tuple[str, Recipients, list[Path]]] = []
    slugs: dict[str, str] = {}
    for unit_id in report.units:
        slug = unit_slug(unit_id)
        if slug in slugs:
            problems.append(f"{unit_id}: file name {slug!r} is also used by {slugs[slug]!r}")
        slugs[slug] = unit_id
        recipients = recipients_for(config, unit_id)
        if not recipients.to:
            problems.append(
                f"{unit_id}: no recipients; add 'owners' to the unit or "
                f"email.units.{unit_id}.to / email.to"
            )
        files, problem = _attachments(config, email, out_dir, report.period.label, unit_id, lang)
        if problem:
            problems.append(problem)
        prepared.append((unit_id, recipients, files))
    if problems:
        raise DeliveryError(f"nothing was sent: {len(problems)} problem(s): " + "; ".join(problems))
    return [
        _compose(config, email, report, unit_id, recipients, files, lang, now)
        for unit_id, recipients, files in prepared
    ]


def _attachments(
    config: ReportConfig,
    email: EmailSettings,
    out_dir: Path,
    period: str,
    unit_id: str,
    lang: str,
) -> tuple[list[Path], str | None]:
    workbook = workbook_path(out_dir, period, unit_id, config, lang)
    if not workbook.is_file():
        return [], (
            f"{unit_id}: workbook {workbook} not found; run 'reportgen build --period {period}' "
            f"with the same --out (and --lang {lang}) first"
        )
    if not zipfile.is_zipfile(workbook):
        return [], f"{unit_id}: {workbook} is not an Excel workbook; rebuild it"
    files = [workbook]
    deck = deck_path(workbook)
    if email.attach_deck:
        if deck.is_file():
            files.append(deck)
        else:
            log.info("%s: no deck at %s; sending the workbook only", unit_id, deck)
    total = sum(f.stat().st_size for f in files)
    if total > email.max_attachment_bytes:
        sizes = ", ".join(f"{f.name} {f.stat().st_size / _MIB:.1f} MiB" for f in files)
        return files, (
            f"{unit_id}: attachments are {total / _MIB:.1f} MiB ({sizes}), over "
            f"email.max_attachment_mb = {email.max_attachment_mb:g} MiB"
        )
    return files, None


def _compose(
    config: ReportConfig,
    email: EmailSettings,
    report: KpiReport,
    unit_id: str,
    recipients: Recipients,
    files: list[Path],
    lang: str,
    now: _dt.datetime | None,
) -> UnitMessage:
    from reportgen.branding import palette
    from reportgen.render.png import render_png

    slug = unit_slug(unit_id)
    unit_name = config.unit(unit_id).names.get(lang)
    variables = {
        "title": config.report.title.get(lang),
        "unit": unit_name,
        "unit_id": unit_id,
        "period": report.period.display(lang),
        "period_label": report.period.label,
    }
    subject = render_subject(email, lang, variables)
    chart = (
        trend_chart(report, config, unit_id, email.chart_kpi, lang)
        if email.chart_kpi is not None
        else None
    )
    domain = parseaddr(email.sender)[1].rpartition("@")[2]
    chart_cid = make_msgid(idstring=f"chart.{slug}", domain=domain) if chart else None
    context = {
        **variables,
        "subject": subject,
        "previous": report.previous.display(lang),  # as the subject names the period
        "rows": headline_lines(report, unit_id, email.kpis, lang),
        "alpha": f"{config.statistics.alpha:g}",
        "min_n": config.statistics.min_n,
        "chart_cid": chart_cid[1:-1] if chart_cid else None,
        "chart_alt": chart.title if chart else "",
        "attachments": [f.name for f in files],
        "deck": any(f.suffix == ".pptx" for f in files),
    }
    text, html = render_bodies(lang, context)

    msg = EmailMessage()
    msg["From"] = email.sender
    msg["To"] = ", ".join(recipients.to)
    if recipients.cc:
        msg["Cc"] = ", ".join(recipients.cc)
    msg["Subject"] = subject
    msg["Date"] = formatdate((now or _dt.datetime.now(_dt.UTC)).timestamp(), localtime=True)
    msg["Message-ID"] = make_msgid(idstring=f"reportgen.{slug}", domain=domain)
    msg["X-Reportgen-Unit"] = unit_id
    msg["X-Reportgen-Period"] = report.period.label
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if chart is not None and chart_cid is not None:
        html_part = msg.get_body(("html",))
        assert html_part is not None
        html_part.add_related(
            render_png(chart, lang=lang, colours=palette(config)),
            maintype="image",
            subtype="png",
            cid=chart_cid,
            disposition="inline",
            filename=f"{slug}_{email.chart_kpi}.png",
        )
    for path in files:
        maintype, subtype = _CONTENT_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    data = msg.as_bytes(policy=SMTP_POLICY)  # CRLF line ends: what goes on the wire
    return UnitMessage(
        unit_id=unit_id,
        slug=slug,
        recipients=recipients,
        message=msg,
        data=data,
        attachments=tuple(files),
        attachment_bytes=sum(f.stat().st_size for f in files),
    )


# -- delivering ------------------------------------------------------------------------

Status = Literal["sent", "partly refused", "failed", "not sent", "written"]


@dataclass(frozen=True)
class UnitOutcome:
    unit_id: str
    status: Status
    accepted: tuple[str, ...] = ()
    refused: dict[str, str] = field(default_factory=dict)
    detail: str | None = None
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "written")

    def line(self) -> str:
        if self.status == "written":
            return f"wrote    {self.unit_id}: {self.path} (to: {', '.join(self.accepted)})"
        parts = [f"{self.status:<8} {self.unit_id}:"]
        if self.accepted:
            parts.append(f"delivered to {', '.join(self.accepted)}")
        if self.refused:
            refused = "; ".join(f"{a} ({why})" for a, why in self.refused.items())
            parts.append(f"REFUSED {refused}")
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)


@dataclass(frozen=True)
class DeliveryReport:
    """Per unit, what was sent (or written) and what was not."""

    outcomes: tuple[UnitOutcome, ...]

    @property
    def failed(self) -> tuple[UnitOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    def lines(self, *, only_failures: bool = False) -> list[str]:
        """One line per unit (``only_failures``: the units not fully delivered)."""
        return [o.line() for o in (self.failed if only_failures else self.outcomes)]

    def raise_for_failures(self) -> None:
        """A DeliveryError (exit code 2) when any unit's message was not fully delivered."""
        failed = self.failed
        if failed:
            names = ", ".join(f"{o.unit_id} ({o.status})" for o in failed)
            raise DeliveryError(
                f"{len(failed)} of {len(self.outcomes)} unit message(s) not fully "
                f"delivered: {names}; see the lines above"
            )


def write_eml(planned: Sequence[UnitMessage], directory: Path) -> DeliveryReport:
    """Write each message's exact bytes to ``DIR/<unit-slug>.eml``, atomically."""
    outcomes = []
    for m in planned:
        path = atomic_write_bytes(Path(directory) / f"{m.slug}.eml", m.data)
        outcomes.append(UnitOutcome(m.unit_id, "written", m.recipients.envelope, path=path))
        log.info("%s: wrote %s", m.unit_id, path)
    return DeliveryReport(tuple(outcomes))


def send_planned(
    config: ReportConfig, planned: Sequence[UnitMessage], credentials: Credentials | None
) -> DeliveryReport:
    """Send the planned messages in one SMTP session; see the module docstring for what
    happens when one unit fails."""
    email = _email(config)
    if email.smtp is None:  # preflight says so first; a library caller may skip it
        raise ConfigError("email.smtp: required to send")
    smtp = email.smtp
    ca_bundle = config.path(smtp.ca_bundle) if smtp.ca_bundle is not None else None
    sender = parseaddr(email.sender)[1]
    outcomes: list[UnitOutcome] = []
    with smtp_session(smtp, ca_bundle=ca_bundle, credentials=credentials) as conn:
        limit = server_size_limit(conn)
        too_big = [m for m in planned if limit is not None and len(m.data) > limit]
        if too_big:
            sizes = ", ".join(f"{m.unit_id} {len(m.data) / _MIB:.1f} MiB" for m in too_big)
            raise DeliveryError(
                f"nothing was sent: SMTP server {smtp.host}:{smtp.effective_port} accepts "
                f"messages up to {limit / _MIB:.1f} MiB; too big: {sizes}"
            )
        lost: str | None = None
        for m in planned:
            if lost is not None:
                outcomes.append(UnitOutcome(m.unit_id, "not sent", detail=lost))
                continue
            result = send_bytes(conn, sender, m.recipients.envelope, m.data)
            if result.ok:
                status: Status = "sent"
            elif result.error is None:
                status = "partly refused"
            else:
                status = "failed"
            outcomes.append(
                UnitOutcome(m.unit_id, status, result.accepted, result.refused, result.error)
            )
            log.log(
                logging.INFO if result.ok else logging.ERROR,
                "%s: %s",
                m.unit_id,
                outcomes[-1].line(),
            )
            if result.connection_lost:
                lost = f"not attempted: the connection was lost while sending {m.unit_id}"
    return DeliveryReport(tuple(outcomes))


def deliver(
    config: ReportConfig,
    report: KpiReport,
    *,
    out_dir: Path,
    lang: str,
    dry_run: Path | None = None,
    env: Mapping[str, str] | None = None,
    now: _dt.datetime | None = None,
) -> DeliveryReport:
    """Check, plan and send (or write, with ``dry_run``) every unit's message."""
    credentials = preflight(config, lang=lang, dry_run=dry_run is not None, env=env)
    planned = plan_messages(config, report, out_dir=out_dir, lang=lang, now=now)
    if dry_run is not None:
        return write_eml(planned, dry_run)
    return send_planned(config, planned, credentials)
