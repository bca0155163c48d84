"""The `build` outputs: KPI results as JSON and CSV files, and one workbook per unit.

Numbers are written as numbers (NaN → null / empty), text cells from data are
neutralised against formula injection, files are written atomically, and the
content depends only on inputs and config (no clock), so reruns are identical.
"""

from __future__ import annotations

import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen import __version__
from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_text
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.pipeline import KpiReport
from reportgen.sanitize import csv_safe, ensure_inside, slugify

log = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _clean(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → JSON-ready records (NaN → None, numpy scalars → Python)."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def report_dict(report: KpiReport) -> dict[str, Any]:
    """Everything of a KPI run as one JSON-ready mapping."""
    return {
        "reportgen_version": __version__,
        "period": report.period.label,
        "previous_period": report.previous.label,
        "same_period_last_year": report.last_year.label,
        "trend_periods": [p.label for p in report.trend_periods],
        "units": list(report.units),
        "kpis": {
            k.id: {
                "kind": k.kind,
                "unit": k.unit,
                "direction": k.direction,
                "label": dict(k.labels),
                "definition": dict(k.definitions),
            }
            for k in report.kpis.values()
        },
        "scorecard": records(report.scorecard),
        "breakdowns": records(report.breakdowns),
        "trends": records(report.trends),
        "targets": records(report.targets),
        "benchmarks": records(report.benchmarks),
        "reconciliation": [r.as_dict() for r in report.reconciliation],
        "quarantine": records(report.quarantine),
    }


def to_json(report: KpiReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text (UTF-8 with BOM added by the writer for Excel) with unsafe text neutralised."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(csv_safe)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def reconciliation_frame(report: KpiReport) -> pd.DataFrame:
    rows = []
    for r in report.reconciliation:
        rows.append(
            {
                "table": r.table,
                "source": r.source,
                "format": r.real_format,
                "encoding": r.encoding,
                "read": r.read,
                "loaded": r.loaded,
                "quarantined": r.quarantined,
                **{f"filtered_{k}": v for k, v in r.filtered.items()},
                "balanced": r.balanced,
            }
        )
    return pd.DataFrame(rows)


#: Folder (and file stem) of the group-level outputs, beside the unit folders.
GROUP_FOLDER = "_group"


def unit_file(out_dir: Path, period_label: str, unit: str, suffix: str) -> Path:
    """``OUT/<period>/<unit-slug>/<unit-slug>_<period><suffix>``; ``unit="all"`` → the
    group folder. The one place output names are made (workbooks, decks, e-mail)."""
    slug = GROUP_FOLDER if unit == ALL else slugify(unit)
    period = slugify(period_label, fallback="period")
    stem = "group" if unit == ALL else slug
    path = Path(out_dir) / period_label / slug / f"{stem}_{period}{suffix}"
    ensure_inside(Path(out_dir), path)
    return path


def workbook_paths(report: KpiReport, out_dir: Path) -> dict[str, Path]:
    """``OUT/<period>/<unit-slug>/<unit-slug>_<period>.xlsx`` per reported unit."""
    return unit_paths(report, out_dir, ".xlsx")


def unit_paths(report: KpiReport, out_dir: Path, suffix: str) -> dict[str, Path]:
    """One output path per reported unit (see :func:`unit_file`).

    Unit ids come from the config and are treated as untrusted: each becomes a safe
    ASCII name (:func:`reportgen.sanitize.slugify`), two units may not share one
    (ignoring case, as Windows and macOS file systems do), and every path must stay
    inside the output folder."""
    paths: dict[str, Path] = {}
    taken: dict[str, str] = {GROUP_FOLDER.casefold(): ALL}
    for unit in report.units:
        slug = slugify(unit)
        other = taken.setdefault(slug.casefold(), unit)
        if other != unit:
            raise ConfigError(
                f"units {other!r} and {unit!r} would share the output folder {slug!r}; "
                "give them ids that differ in letters or digits"
            )
        paths[unit] = unit_file(out_dir, report.period.label, unit, suffix)
    return paths


def write_decks(
    report: KpiReport, config: ReportConfig, out_dir: Path, lang: str | None = None
) -> list[Path]:
    """One deck per reported unit, plus the group deck when every unit is reported."""
    from reportgen.render.pptx import write_deck

    lang = lang or config.report.language
    targets = dict(unit_paths(report, out_dir, ".pptx"))
    if set(report.units) == set(config.unit_ids):
        targets[ALL] = unit_file(out_dir, report.period.label, ALL, ".pptx")
    written = []
    for unit, path in targets.items():
        written.append(write_deck(report, config, unit, path, lang))
        log.info("%s: deck written", path)
    return written


def write_workbooks(
    report: KpiReport, config: ReportConfig, out_dir: Path, lang: str | None = None
) -> list[Path]:
    """One Excel workbook per reported unit (see :mod:`reportgen.render.xlsx`)."""
    from reportgen.render.xlsx import write_workbook

    lang = lang or config.report.language
    written = []
    for unit, path in workbook_paths(report, out_dir).items():
        summary = write_workbook(report, config, unit, path, lang)
        if summary.control_chars_removed or summary.truncated_cells or summary.truncated_rows:
            log.warning(
                "%s: %d control character(s) removed, %d cell(s) cut at 32,767 characters, "
                "%d row(s) left out at the sheet limit (noted in the workbook)",
                path,
                summary.control_chars_removed,
                summary.truncated_cells,
                summary.truncated_rows,
            )
        log.info("%s: workbook written in %.2f s", path, summary.seconds)
        written.append(summary.path)
    return written


def write_outputs(
    report: KpiReport,
    out_dir: Path,
    config: ReportConfig | None = None,
    lang: str | None = None,
) -> list[Path]:
    """Write kpis.json and the CSV tables under ``out_dir/<period>/``, and with a config
    one workbook and one deck per unit under ``out_dir/<period>/<unit>/`` (and the group
    deck under ``out_dir/<period>/_group/`` when every unit is reported)."""
    folder = Path(out_dir) / report.period.label
    written = [atomic_write_text(folder / "kpis.json", to_json(report))]
    tables = {
        "scorecard.csv": report.scorecard,
        "trends.csv": report.trends,
        "breakdowns.csv": report.breakdowns,
        "reconciliation.csv": reconciliation_frame(report),
        "quarantine.csv": report.quarantine,
    }
    for name, frame in tables.items():
        written.append(atomic_write_text(folder / name, to_csv(frame), encoding="utf-8-sig"))
    if config is not None:
        written += write_workbooks(report, config, out_dir, lang)
        written += write_decks(report, config, out_dir, lang)
    return written
