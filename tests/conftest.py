"""Shared fixtures: tiny real projects (CSV files + YAML config) built in tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

UNITS = [
    {"id": "alpha", "names": {"en": "Alpha", "zh-CN": "阿尔法"}, "aliases": ["A部"]},
    {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}},
]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


class Project:
    """A config plus source files in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {"statistics": {"min_n": 5}}

    def table(
        self, name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], **source: Any
    ) -> Path:
        path = write_csv(self.root / f"{name}.csv", header, rows)
        self.sources[name] = {"path": path.name, **source}
        return path

    def config(self, **overrides: Any) -> Path:
        cfg: dict[str, Any] = {"units": UNITS, "sources": self.sources, **self.extra, **overrides}
        path = self.root / "reportgen.yaml"
        path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def load() -> Callable[[Path], Any]:
    from reportgen.config import load_config

    return load_config


class SampleReport:
    """The generated sample project (scale 0.3) and its KPI results, computed once per
    test session; other periods are computed on first use and kept."""

    TODAY = date(2026, 11, 23)

    def __init__(self, root: Path) -> None:
        from reportgen import sample_data
        from reportgen.config import load_config

        self.root = root
        self.config = load_config(sample_data.generate(root, scale=0.3).config_path)
        self._reports: dict[str | None, Any] = {}

    def kpis(self, period: str | None = None) -> Any:
        """KPI results for ``period`` (None: the latest full quarter before TODAY)."""
        if period not in self._reports:
            from reportgen.pipeline import compute_kpis

            cfg = self.config
            self._reports[period] = compute_kpis(
                cfg, today=self.TODAY, by=cfg.dimensions, period=period
            )
        return self._reports[period]

    @property
    def report(self) -> Any:
        return self.kpis()


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> SampleReport:
    return SampleReport(tmp_path_factory.mktemp("sample"))
