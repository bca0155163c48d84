"""KPI results as JSON and CSV files (the `build` output until decks/workbooks land).

Numbers are written as numbers (NaN → null / empty), text cells from data are
neutralised against formula injection, files are written atomically, and the
content depends only on inputs and config (no clock), so reruns are identical.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen import __version__
from reportgen.delivery.files import atomic_write_text
from reportgen.pipeline import KpiReport
from reportgen.sanitize import csv_safe


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


def write_outputs(report: KpiReport, out_dir: Path) -> list[Path]:
    """Write kpis.json and the CSV tables under ``out_dir/<period>/``."""
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
    return written
