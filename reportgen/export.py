"""The `build` outputs: KPI results as JSON and CSV files, and where every document goes
(the documents themselves are written by :mod:`reportgen.batch` through the renderers).

Numbers are written as numbers (NaN → null / empty), text cells from data are
neutralised against formula injection, files are written atomically, and the
content depends only on inputs and config (no clock), so reruns are identical.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen import __version__
from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_text
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.pipeline import KpiReport
from reportgen.sanitize import csv_safe, ensure_inside, shared_slug, slugify

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


def unit_file(
    out_dir: Path,
    period_label: str,
    unit: str,
    suffix: str,
    pattern: str = "{unit}_{period}",
    lang: str = "",
) -> Path:
    """``OUT/<period>/<unit-slug>/<name><suffix>``; ``unit="all"`` → the group folder.
    ``pattern`` is ``report.file_names`` (placeholders {unit}, {period}, {lang}). The
    one place output names are made (workbooks, decks, e-mail): every part is a safe
    ASCII name and the path must stay inside ``out_dir``."""
    slug = GROUP_FOLDER if unit == ALL else slugify(unit)
    if slug.casefold() in PERIOD_FILES:
        raise ConfigError(
            f"unit {unit!r} would get the output folder {slug!r}, the name of a file "
            f"the run writes beside the unit folders ({', '.join(sorted(PERIOD_FILES))}); "
            "give it another id"
        )
    stem = pattern.format(
        unit="group" if unit == ALL else slug,
        period=slugify(period_label, fallback="period"),
        lang=slugify(lang, fallback="") if lang else "",
    )
    path = (
        Path(out_dir)
        / slugify(period_label, fallback="period")
        / slug
        / (slugify(stem, fallback=slug) + suffix)
    )
    ensure_inside(Path(out_dir), path)
    return path


def output_path(
    config: ReportConfig,
    out_dir: Path,
    period_label: str,
    unit: str,
    suffix: str,
    lang: str | None = None,
) -> Path:
    """:func:`unit_file` with the config's file-name pattern and language."""
    return unit_file(
        out_dir,
        period_label,
        unit,
        suffix,
        config.report.file_names,
        lang or config.report.language,
    )


def workbook_paths(report: KpiReport, out_dir: Path) -> dict[str, Path]:
    """``OUT/<period>/<unit-slug>/<unit-slug>_<period>.xlsx`` per reported unit."""
    return unit_paths(report.units, report.period.label, out_dir, ".xlsx")


def unit_paths(
    units: Sequence[str],
    period_label: str,
    out_dir: Path,
    suffix: str,
    config: ReportConfig | None = None,
) -> dict[str, Path]:
    """One output path per unit (see :func:`unit_file`; with ``config``, its file-name
    pattern and language).

    Unit ids come from the config and are treated as untrusted: each becomes a safe
    ASCII name (:func:`reportgen.sanitize.slugify`), two units may not share one
    (ignoring case, as Windows and macOS file systems do), and every path must stay
    inside the output folder."""
    clash = shared_slug(units)  # (a loaded config has refused such ids already)
    if clash is not None:
        other, unit, slug = clash
        raise ConfigError(
            f"units {other!r} and {unit!r} would share the output folder {slug!r}; "
            "give them ids that differ in letters or digits"
        )
    paths: dict[str, Path] = {}
    for unit in units:
        paths[unit] = (
            output_path(config, out_dir, period_label, unit, suffix)
            if config is not None
            else unit_file(out_dir, period_label, unit, suffix)
        )
    return paths


#: The period's result tables, written beside the unit folders.
RESULT_TABLES = ("scorecard", "trends", "breakdowns", "reconciliation", "quarantine")

#: The run's manifest, beside the unit folders.
MANIFEST = "manifest.json"

#: Every file a run writes in the period folder: no unit folder may take such a name.
PERIOD_FILES = frozenset({"kpis.json", MANIFEST, *(f"{t}.csv" for t in RESULT_TABLES)})


def write_results(report: KpiReport, out_dir: Path) -> list[Path]:
    """kpis.json and the CSV tables (UTF-8 with BOM, for Excel) under
    ``out_dir/<period>/``, each written atomically."""
    folder = Path(out_dir) / slugify(report.period.label, fallback="period")
    ensure_inside(Path(out_dir), folder)
    written = [atomic_write_text(folder / "kpis.json", to_json(report))]
    tables = {
        "scorecard": report.scorecard,
        "trends": report.trends,
        "breakdowns": report.breakdowns,
        "reconciliation": reconciliation_frame(report),
        "quarantine": report.quarantine,
    }
    for name in RESULT_TABLES:
        written.append(
            atomic_write_text(folder / f"{name}.csv", to_csv(tables[name]), encoding="utf-8-sig")
        )
    return written
