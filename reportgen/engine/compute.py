"""Run KPI components in the engine and bring back small frames.

One aggregate query per stage and grouping collects the components of every
selected KPI of that stage at once; only the grouped results (periods × units ×
dimension values) come back to pandas, through Arrow.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from reportgen.engine.registry import COMPONENTS, KpiDef, KpiParams
from reportgen.engine.stages import STAGE_DIMENSIONS, STAGE_SOURCE, build_stage
from reportgen.loading import Dataset, Scope
from reportgen.loading.parallel import run_parallel
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
    breakdown_periods: Sequence[Period] | None = None,
) -> pd.DataFrame:
    """Components per KPI × period × unit (and ``ALL``) [× value of each dimension in ``by``;
    ``None`` in ``by`` means no breakdown].

    ``breakdown_periods``: the periods (among ``periods``) that get the breakdowns of
    ``by``'s dimensions (default: all). With ``None`` in ``by`` as well, the
    per-unit rows of those periods are the breakdown cube's roll-up, not a scan of
    their own (see :func:`_stage_frames`).

    Columns: kpi, period, unit, dimension, dim_value, and the component columns
    (NaN where a component does not apply to the KPI's kind).
    """
    by_stage: dict[str, list[KpiDef]] = {}
    for k in kpis.values():
        by_stage.setdefault(k.stage, []).append(k)
    # Stages are independent: two run at a time, each on its own engine cursor (the
    # second core is busy while the other query is in a single-threaded phase); the
    # views they read are created first, before the threads share the catalog.
    sources = {STAGE_SOURCE[s] for s in by_stage}
    if any(d is not None for d in by):
        sources.add("customers")
    ds.prepare_views(sources)
    # Two phases, the plain scans of every stage and then the breakdown cubes (with the
    # CRM join): two cube queries at a time hold less than a cube beside a plain scan
    # (the 10-unit set's peak: 1.48 GB in phases, 1.64 GB mixed).
    frames: list[pd.DataFrame] = []
    for part in ("plain", "cube"):
        per_stage = run_parallel(
            ds.con,
            lambda stage, part=part: _stage_frames(  # type: ignore[misc]
                ds, stage, by_stage[stage], periods, scope, params, by, breakdown_periods, part
            ),
            list(by_stage),
            first=_HEAVY_FIRST.index,
        )
        frames += [f for stage in by_stage for f in per_stage[stage]]
    if not frames:
        return pd.DataFrame(
            columns=["kpi", "period", "unit", "dimension", "dim_value", *COMPONENT_COLUMNS]
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(
        ["kpi", "period", "unit", "dimension", "dim_value"], kind="stable", na_position="first"
    ).reset_index(drop=True)


#: Every stage, in order of its cost at scale (the costliest is started first).
_HEAVY_FIRST = ("buyers", "orders", "responses", "tickets", "customers")


def _stage_frames(
    ds: Dataset,
    stage: str,
    defs: list[KpiDef],
    periods: Sequence[Period],
    scope: Scope,
    params: KpiParams,
    by: Sequence[str | None],
    breakdown_periods: Sequence[Period] | None = None,
    part: Literal["plain", "cube"] = "plain",
) -> list[pd.DataFrame]:
    """The component frames of one stage's KPIs (see :func:`aggregate`): its plain
    per-unit scan (``part="plain"``) or its breakdown cube (``"cube"``)."""
    frames: list[pd.DataFrame] = []
    dims = [d for d in by if d is None or d in STAGE_DIMENSIONS[stage]]
    if not dims:
        return frames
    if not ds.has(STAGE_SOURCE[stage]):
        if part == "plain":  # (said once)
            log.info("skipping %s: no %s source", [k.id for k in defs], stage)
        return frames

    def stage_table(ps: Sequence[Period], with_dims: bool) -> ir.Table:
        table = build_stage(ds, stage, scope, ps, params, with_dims=with_dims)  # type: ignore[arg-type]
        assert table is not None  # (its source is staged)
        return table

    breakdown = [d for d in dims if d is not None]
    wanted = set(periods if breakdown_periods is None else breakdown_periods)
    cube_periods = [p for p in periods if p in wanted] if breakdown else []
    # The per-unit rows of the breakdown periods are the cube's roll-up: one scan (with
    # the CRM join) serves both, the plain scan reads only the other periods.
    plain_periods = [p for p in periods if p not in cube_periods] if None in dims else []
    if part == "plain":
        if not plain_periods:
            return frames
        table = stage_table(plain_periods, with_dims=False)
        aggs = _components(defs, table, params)
        medians = [c for c in aggs if c.endswith("__median")]
        # the all-units row is the sum of the per-unit components (counts and sums are
        # additive), only medians need their own query.
        per_unit = _frame(table.group_by(["period_id", "unit"]).aggregate(**aggs))
        return _with_total(per_unit, table, [], medians, defs, params)
    if not cube_periods:
        return frames
    table = stage_table(cube_periods, with_dims=True)
    aggs = _components(defs, table, params)
    medians = [c for c in aggs if c.endswith("__median")]
    # Breakdowns: ONE scan of the stage (with its CRM join) into the cube of every
    # breakdown dimension at once (periods × units × segment × region × …: small),
    # then each dimension is a roll-up of that cube — instead of one scan of a
    # materialised copy of the joined stage per dimension. The CRM join is a left
    # join: every row of the stage is in the cube (a missing dimension value is a
    # group of its own), so its roll-up over all dimensions is the per-unit total.
    additive = [c for c in aggs if c not in medians]
    cube = (
        table.group_by(["period_id", "unit", *breakdown])
        .aggregate(**{c: aggs[c] for c in additive})
        .to_pyarrow()
    )
    if medians:  # a median does not roll up: it reads the (materialised) stage again
        table = ds.con.create_table(f"stage_{stage}", table, temp=True, overwrite=True)
    groupings: list[list[str]] = [[]] if None in dims else []
    for dims_of in [*groupings, *([d] for d in breakdown)]:
        keys = ["period_id", *dims_of, "unit"]
        per_unit = _roll_up(cube, keys, additive)
        if medians:
            own = _components(defs, table, params)
            per_unit_medians = table.group_by(keys).aggregate(**{c: own[c] for c in medians})
            per_unit = per_unit.merge(_frame(per_unit_medians), on=keys, how="outer")
        frames += _with_total(per_unit, table, dims_of, medians, defs, params)
    # free the engine's memory for what follows (insights, the render workers)
    ds.con.drop_table(f"stage_{stage}", force=True)
    return frames


def _components(defs: Sequence[KpiDef], table: ir.Table, params: KpiParams) -> dict[str, Any]:
    """``{kpi}__{component}`` → aggregate expression over ``table``."""
    return {
        f"{k.id}__{name}": expr for k in defs for name, expr in k.components(table, params).items()
    }


def _frame(expr: ir.Table) -> pd.DataFrame:
    return expr.to_pyarrow().to_pandas()


def _roll_up(cube: pa.Table, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """The sums of ``columns`` per ``keys`` over the breakdown cube, in Arrow: the cube
    is small (periods × units × dimension values), so one engine query per dimension
    would cost more in planning than in summing. Exact, as in the engine: counts are
    integers and sums fixed-point decimals; a group whose values are all missing sums
    to missing."""
    out = cube.group_by(keys, use_threads=False).aggregate([(c, "sum") for c in columns])
    out = out.rename_columns([n.removesuffix("_sum") for n in out.column_names])
    return out.select([*keys, *columns]).to_pandas()


def _with_total(
    per_unit: pd.DataFrame,
    table: ir.Table,
    dims: list[str],
    medians: Sequence[str],
    defs: Sequence[KpiDef],
    params: KpiParams,
) -> list[pd.DataFrame]:
    """The long frames of ``per_unit`` and of its all-units total (summed components;
    medians from their own query over ``table``)."""
    keys = ["period_id", *dims]
    dim = dims[0] if dims else None
    additive = [c for c in per_unit.columns if c not in medians and c not in keys and c != "unit"]
    total = per_unit.groupby(keys, dropna=False)[additive].sum(min_count=1).reset_index()
    if medians:
        own = _components(defs, table, params)
        med = _frame(table.group_by(keys).aggregate(**{c: own[c] for c in medians}))
        total = total.merge(med, on=keys, how="outer")
    total["unit"] = ALL
    return [_to_long(per_unit, defs, dim), _to_long(total, defs, dim)]


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
