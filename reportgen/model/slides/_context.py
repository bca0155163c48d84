"""What every slide builder reads: the KPI results, the config, the unit and language,
the narrator (sentences) and the fixed labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from reportgen.config import ReportConfig
from reportgen.engine.compute import ALL
from reportgen.model.narrative import Fact, Narrator, fact
from reportgen.model.report import Notes
from reportgen.pipeline import KpiReport
from reportgen.stats import finite
from reportgen.texts import Texts, reason_text, table_name


@dataclass(frozen=True)
class SlideContext:
    report: KpiReport
    config: ReportConfig
    unit: str
    lang: str
    narrator: Narrator
    texts: Texts
    options: Mapping[str, Any] = field(default_factory=dict)

    # -- the period ----------------------------------------------------------------
    @property
    def annual(self) -> bool:
        return self.report.period.kind == "year"

    @property
    def basis(self) -> str:
        """The main comparison: year-over-year for an annual deck, else the previous period."""
        return "yoy" if self.annual else "prev"

    def basis_name(self, which: str) -> str:
        kind = self.report.period.kind
        kind = kind if kind in ("quarter", "year") else "other"
        return self.texts(f"basis.{kind}_{which}")

    @property
    def comparisons(self) -> tuple[str, ...]:
        """Which comparisons the bullets state: annual → last year only (the previous year
        *is* last year); quarterly → previous quarter and same quarter last year."""
        return ("yoy",) if self.annual else ("prev", "yoy")

    # -- names ---------------------------------------------------------------------
    def unit_name(self, unit: str | None = None) -> str:
        unit = unit or self.unit
        if unit == ALL:
            return self.texts("group")
        names = self.config.unit(unit).names
        return names.zh_CN if self.lang == "zh-CN" else names.en

    def label(self, kpi: str) -> str:
        return self.report.kpis[kpi].label(self.lang)

    def aside(self, text: object) -> str:
        """`` (text)`` in English, ``（text）`` in Chinese: a parenthesis after a word."""
        return self.texts("paren", text=text)

    def names(self, values: Iterable[object]) -> str:
        """Names in a run: "a, b, c" / "甲、乙、丙"."""
        return self.texts("name_sep").join(str(v) for v in values)

    def left_out(self, values: Iterable[object]) -> str:
        """The bullet naming the figures below the minimum n: listed, never charted,
        ranked or quoted as best or worst."""
        return self.texts(
            "notes.low_n_left_out", min_n=self.config.statistics.min_n, names=self.names(values)
        )

    def table_name(self, table: str) -> str:
        return table_name(table, self.lang)

    def reason(self, code: str) -> str:
        return reason_text(code, self.lang)

    # -- results -------------------------------------------------------------------
    def kpis(self, wanted: Sequence[str] | None) -> list[str]:
        """The wanted KPIs that were computed, in the wanted order."""
        if wanted is None:
            return list(self.report.kpis)
        return [k for k in wanted if k in self.report.kpis]

    @cached_property
    def _overall(self) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
        """The scorecard rows without a breakdown dimension, and (kpi, unit) → the
        position of its first row (looked up once, not filtered per call)."""
        sc = self.report.scorecard
        overall = sc[sc.dimension.isna()].reset_index(drop=True)
        first: dict[tuple[str, str], int] = {}
        for pos, key in enumerate(zip(overall["kpi"], overall["unit"], strict=True)):
            first.setdefault(key, pos)
        return overall, first

    def row(self, kpi: str, unit: str | None = None) -> dict[str, Any] | None:
        overall, first = self._overall
        pos = first.get((kpi, unit or self.unit))
        return None if pos is None else overall.iloc[pos].to_dict()

    def low_n(self, kpi: str, unit: str | None = None) -> bool:
        """Whether the KPI's figure rests on fewer answers than the minimum n (or has no
        row): no claim is made about it."""
        row = self.row(kpi, unit)
        return row is None or bool(row.get("low_n"))

    def value(self, kpi: str, unit: str | None = None) -> float | None:
        row = self.row(kpi, unit)
        return None if row is None else finite(row["value"])

    def fact(self, kpi: str, unit: str | None = None) -> Fact | None:
        row = self.row(kpi, unit)
        if row is None:
            return None
        return fact(
            row,
            self.label(kpi),
            self.lang,
            self.basis,
            comparisons=self.comparisons,
        )

    def lead_kpi(self, kpis: Sequence[str]) -> str:
        """The KPI a multi-KPI slide's title states: the first with a significant change
        (deteriorations first), else the first."""
        for wanted in ("worsened", "improved"):
            for k in kpis:
                f = self.fact(k)
                if f is not None and f.claim_verdict == wanted:
                    return k
        return kpis[0]

    def headline(self, kpi: str) -> str:
        """The KPI's finding as one sentence: value, the significant comparison (see
        :func:`~reportgen.model.narrative.claim_basis`), target."""
        f = self.fact(kpi)
        if f is None:
            raise KeyError(f"no result for KPI {kpi!r}")
        return self.say("headline", f=f, basis=self.basis_name(f.claim))

    def breakdown(self, kpi: str, dimension: str, unit: str | None = None) -> pd.DataFrame:
        b = self.report.breakdowns
        """The KPI's rows by value of ``dimension``, values as shown in this language
        (config ``value_labels``); the data's spelling in ``raw_value``."""
        rows = b[(b.kpi == kpi) & (b.unit == (unit or self.unit)) & (b.dimension == dimension)]
        rows = rows[rows.dim_value.notna()].reset_index(drop=True)
        shown = [self.config.value_label(dimension, v, self.lang) for v in rows.dim_value]
        return rows.assign(raw_value=rows.dim_value, dim_value=shown)

    def differ(self, kpi: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        """Whether two figures of the same period (rows of the scorecard or of a
        breakdown: two segments, channels or units) differ significantly, with the test
        of the KPI's kind (:func:`~reportgen.engine.results.compare_figures`). False
        when either is below the minimum n or there is no test: no claim is made."""
        from reportgen.engine.results import compare_figures

        if any(bool(r.get("low_n")) for r in (a, b)):
            return False
        s = self.config.statistics
        test = compare_figures(self.report.kpis[kpi], a, b, s.confidence)
        return test is not None and test.significant(s.alpha)

    def significant(self, p: object) -> bool:
        """Whether a test's p value is below the config's alpha (False without one)."""
        f = finite(p)
        return f is not None and f < self.config.statistics.alpha

    def say(self, macro: str, **kw: Any) -> str:
        return self.narrator.say(macro, **kw)

    # -- notes ---------------------------------------------------------------------
    def kpi_notes(self, kpis: Sequence[str], extra: Sequence[str] = ()) -> Notes:
        """Definition, n, period and the change test of each KPI shown."""
        t = self.texts
        lines: list[str] = []
        for k in kpis:
            row = self.row(k)
            if row is None:
                continue
            test = row.get(f"test_{self.basis}") or "none"
            lines += [
                f"{self.label(k)}",
                t("notes.definition", text=self.report.kpis[k].definition(self.lang)),
                t(
                    "notes.sample",
                    n=_n(row.get("n")),
                    period=self.report.period.display(self.lang),
                    prev_n=_n(row.get("prev_n")),
                    yoy_n=_n(row.get("yoy_n")),
                ),
                t(
                    "notes.test",
                    test=t(f"tests.{test}"),
                    alpha=f"{self.config.statistics.alpha:g}",
                ),
                "",
            ]
        lines.append(t("notes.min_n", min_n=self.config.statistics.min_n))
        lines += list(extra)
        return Notes("\n".join(lines).strip())


def _n(v: object) -> str:
    f = finite(v)
    return "0" if f is None else f"{int(f):,}"
