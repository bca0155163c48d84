"""Run KPI components in the engine and bring back small frames.

One aggregate query per stage and grouping collects the components of every
selected KPI of that stage at once; only the grouped results (periods × units ×
dimension values) come back to pandas, through Arrow.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from reportgen.engine.registry import COMPONENTS, KpiDef, KpiParams
from reportgen.engine.stages import STAGE_DIMENSIONS, build_stage
from reportgen.loading import Dataset, Scope
from reportgen.periods import Period

log = logging.getLogger(__name__)

#: The unit value of rows that cover all (selected) units together.
ALL = "all"

COMPONENT_COLUMNS: tuple[str, ...] = (
    "x",
    "n",
    "promoters",
    "passives",
    "detractors",
    "sum",
    "sumsq",
    "median",
)


def aggregate(
    ds: Dataset,
    kpis: Mapping[str, KpiDef],
    periods: Sequence[Period],
    scope: Scope,
    params: KpiParams,
    by: Sequence[str | None] = (None,),
) -> pd.DataFrame:
    """Components per KPI × period × unit (and ``ALL``) [× value of each dimension in ``by``;
    ``None`` in ``by`` means no breakdown].

    Columns: kpi, period, unit, dimension, dim_value, and the component columns
    (NaN where a component does not apply to the KPI's kind).
    """
    frames: list[pd.DataFrame] = []
    by_stage: dict[str, list[KpiDef]] = {}
    for k in kpis.values():
        by_stage.setdefault(k.stage, []).append(k)
    for stage, defs in by_stage.items():
        dims = [d for d in by if d is None or d in STAGE_DIMENSIONS[stage]]
        if not dims:
            continue
        with_dims = any(d is not None for d in dims)  # no CRM join without breakdown
        table = build_stage(
            ds,
            stage,
            scope,
            periods,
            params,  # type: ignore[arg-type]
            with_dims=with_dims,
        )
        if table is None:
            log.info("skipping %s: no %s source", [k.id for k in defs], stage)
            continue
        if len(dims) > 1:  # several groupings: join once, then scan a plain table
            table = ds.con.create_table(f"stage_{stage}", table, temp=True, overwrite=True)
        aggs = {
            f"{k.id}__{name}": expr
            for k in defs
            for name, expr in k.components(table, params).items()
        }
        # one scan per grouping; the all-units row is the sum of the per-unit
        # components (counts and sums are additive), only medians need their own query.
        medians = {k: v for k, v in aggs.items() if k.endswith("__median")}
        for dim in dims:
            keys = ["period_id"] + ([dim] if dim else [])
            per_unit = table.group_by([*keys, "unit"]).aggregate(**aggs).to_pyarrow().to_pandas()
            frames.append(_to_long(per_unit, defs, dim))
            additive = [
                c for c in per_unit.columns if c not in medians and c not in keys and c != "unit"
            ]
            total = per_unit.groupby(keys, dropna=False)[additive].sum(min_count=1).reset_index()
            if medians:
                med = table.group_by(keys).aggregate(**medians).to_pyarrow().to_pandas()
                total = total.merge(med, on=keys, how="outer")
            total["unit"] = ALL
            frames.append(_to_long(total, defs, dim))
    if not frames:
        return pd.DataFrame(
            columns=["kpi", "period", "unit", "dimension", "dim_value", *COMPONENT_COLUMNS]
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(
        ["kpi", "period", "unit", "dimension", "dim_value"], kind="stable", na_position="first"
    ).reset_index(drop=True)


def _to_long(wide: pd.DataFrame, defs: Sequence[KpiDef], by: str | None) -> pd.DataFrame:
    parts = []
    for k in defs:
        part = pd.DataFrame(
            {
                "kpi": k.id,
                "period": wide["period_id"].astype(str),
                "unit": wide["unit"].astype(str),
                "dimension": by,
                "dim_value": wide[by].astype(object) if by else None,
            }
        )
        for comp in COMPONENT_COLUMNS:
            col = f"{k.id}__{comp}"
            part[comp] = (
                pd.to_numeric(wide[col], errors="raise").astype("float64")
                if col in wide
                else np.nan
            )
        if k.kind == "nps":
            part["n"] = part[["promoters", "passives", "detractors"]].sum(axis=1)
        missing = [c for c in COMPONENTS[k.kind] if f"{k.id}__{c}" not in wide and c != "n"]
        assert not missing, (k.id, missing)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
