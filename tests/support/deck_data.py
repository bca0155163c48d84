"""Sample data and KPI results shared by the deck tests (computed once per session)."""

from __future__ import annotations

import tempfile
from datetime import date
from functools import cache
from pathlib import Path

TODAY = date(2026, 11, 23)


@cache
def sample():
    from reportgen import sample_data
    from reportgen.config import load_config

    root = Path(tempfile.mkdtemp(prefix="reportgen-deck-"))
    s = sample_data.generate(root, scale=0.3)
    return load_config(s.config_path)


@cache
def kpis(period: str | None = None):
    from reportgen.pipeline import compute_kpis

    cfg = sample()
    return compute_kpis(cfg, today=TODAY, by=cfg.dimensions, period=period)
