"""What every sheet builder of the workbook needs: the report, the unit, the words."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reportgen.branding import palette
from reportgen.config import ReportConfig
from reportgen.engine.compute import ALL
from reportgen.pipeline import KpiReport
from reportgen.render.xlsx_cells import Counters
from reportgen.texts import Texts


@dataclass
class Context:
    """One unit's workbook in the making (counters and table names are per workbook)."""

    report: KpiReport
    config: ReportConfig
    unit: str
    lang: str
    t: Texts
    counters: Counters = field(default_factory=Counters)
    _tables: int = 0

    @property
    def unit_name(self) -> str:
        return (
            self.group_name
            if self.unit == ALL
            else self.config.unit(self.unit).names.get(self.lang)
        )

    @property
    def group_name(self) -> str:
        return self.t("all_units")

    def table_name(self, stem: str) -> str:
        """A workbook-unique Excel table name (ASCII letters and digits)."""
        self._tables += 1
        return f"{stem}{self._tables}"

    @property
    def colours(self) -> tuple[str, ...]:
        """The branding palette (``RRGGBB``) for the workbook's chart series."""
        return palette(self.config)

    def kpi_label(self, kpi: str) -> str:
        return self.report.kpis[kpi].label(self.lang)

    def scorecard_rows(self, unit: str) -> pd.DataFrame:
        """The unit's scorecard rows (no dimension), indexed by KPI id."""
        sc = self.report.scorecard
        return sc[(sc.unit == unit) & sc.dimension.isna()].set_index("kpi")

    def breakdown_rows(self, dimension: str, unit: str) -> pd.DataFrame:
        b = self.report.breakdowns
        return b[(b.dimension == dimension) & (b.unit == unit)]

    def dim_label(self, value: object, dimension: str) -> str:
        """A dimension value as shown (config ``value_labels``): missing values are
        named, not left blank."""
        if value is None or (isinstance(value, float) and value != value):
            return self.t("words.missing")
        return self.config.value_label(dimension, value, self.lang)

    @property
    def title(self) -> str:
        return self.t(
            "title",
            report=self.config.report.title.get(self.lang),
            unit=self.unit_name,
            period=self.report.period.display(self.lang),
        )
