"""Benchmark: ``reportgen`` KPIs vs the same aggregation hand-written in DuckDB SQL.

For each ``--scales`` value this script

1. generates the clean-typed Parquet sample set once (``reportgen.sample_data``,
   ``layout="parquet"``) under ``--data-dir/scale<S>/`` or reuses it (``--reuse``),
   and reports the rows per table;
2. runs, each in a fresh Python subprocess (so that peak memory is per run),
   ``--repeats`` times:

   a. ``reportgen``: ``load_config`` + ``compute_kpis`` for all units, the default
      period (``latest``), ``today`` fixed to 2026-11-23, no breakdowns;
   b. ``direct``: the same KPI components (every KPI of the registry, per unit and
      for all units, for the 8 trailing quarters, which include the previous
      quarter and the same quarter last year) written by hand in DuckDB SQL
      straight over the Parquet files — no staging, validation, quarantine,
      de-duplication or reconciliation;

3. prints a Markdown table (median of the repeats) and the time per stage of
   ``compute_kpis`` (``report.timings``).

Wall time is measured inside the worker around the workload only (interpreter
start-up and imports excluded for both sides). Peak memory is the worker's
``ru_maxrss`` from ``os.wait4`` (whole process: Python, pandas, DuckDB buffers),
so it includes the interpreter and imported libraries (reported separately as
"baseline").

Both sides use the same DuckDB memory limit (``--memory-limit``, default the
``REPORTGEN_MEMORY_LIMIT`` environment variable or 1GB) and the default thread
count. With ``--check`` the KPI values of both sides are compared cell by cell
(they differ only by the few planted bad rows that ``reportgen`` quarantines).

Run from the repository root::

    python benchmarks/bench_kpis.py --scales 33 330 --reuse --check

This is a measurement tool, not a test; it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TODAY = _dt.date(2026, 11, 23)
TREND_QUARTERS = 8
DEFAULT_MEMORY_LIMIT = os.environ.get("REPORTGEN_MEMORY_LIMIT", "1GB")


# -- helpers shared by the workers ---------------------------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _write_result(path: str, result: dict) -> None:
    Path(path).write_text(json.dumps(result, default=str), encoding="utf-8")


# -- worker: reportgen -----------------------------------------------------------------------------


def worker_reportgen(data_dir: Path, result_file: str, memory_limit: str) -> None:
    os.environ["REPORTGEN_MEMORY_LIMIT"] = memory_limit
    sys.path.insert(0, str(REPO))
    from reportgen.config import load_config
    from reportgen.pipeline import compute_kpis

    baseline = _maxrss_mb()
    t0 = time.perf_counter()
    try:
        config = load_config(data_dir / "reportgen.yaml")
        report = compute_kpis(config, today=TODAY)
    except Exception as exc:  # noqa: BLE001 - a failed run is a result too (e.g. out of memory)
        _write_result(
            result_file,
            {
                "wall": time.perf_counter() - t0,
                "timings": {},
                "baseline_rss_mb": baseline,
                "error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}",
            },
        )
        raise
    wall = time.perf_counter() - t0
    values = [
        [r.kpi, r.unit, r.period, None if r.value != r.value else float(r.value), int(r.n)]
        for r in report.trends.itertuples()
    ]
    _write_result(
        result_file,
        {
            "wall": wall,
            "timings": report.timings,
            "baseline_rss_mb": baseline,
            "periods": [p.label for p in report.trend_periods],
            "kpis": len(report.kpis),
            "values": values,
        },
    )


# -- worker: direct DuckDB SQL ---------------------------------------------------------------------


def _quarter_start(d: _dt.date) -> _dt.date:
    return _dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _add_quarters(d: _dt.date, n: int) -> _dt.date:
    m = d.year * 12 + d.month - 1 + 3 * n
    return _dt.date(m // 12, m % 12 + 1, 1)


def latest_complete_quarters(max_date: _dt.date, n: int) -> list[tuple[str, _dt.date, _dt.date]]:
    """The ``n`` quarters ending with the latest one whose last day is <= ``max_date``
    (reportgen's default period "latest", calendar fiscal year)."""
    start = _quarter_start(max_date)
    if _add_quarters(start, 1) - _dt.timedelta(days=1) > max_date:
        start = _add_quarters(start, -1)
    out = []
    for k in range(n - 1, -1, -1):
        s = _add_quarters(start, -k)
        out.append((f"{s.year}Q{(s.month - 1) // 3 + 1}", s, _add_quarters(s, 1)))
    return out


def _sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _direct_queries(
    files: dict[str, str],
    units: list[str],
    csi: dict[str, float],
    attributes: list[str],
    quarters: list[tuple[str, _dt.date, _dt.date]],
) -> dict[str, str]:
    """The KPI components, hand-written. ``units``: the spellings of the configured units.

    Scores are range-checked inline (as a careful analyst would), the reversed effort
    scale (1 = best on 1–7) is flipped and the attributes' 99 = not applicable is NULL;
    nothing else of reportgen's validation is reproduced.
    """
    unit_ok = f"unit IN ({_sql_list(units)})"
    sets = "GROUPING SETS ((period_id, unit), (period_id))"

    def rng(col: str, lo: int, hi: int) -> str:
        return f"CASE WHEN {col} BETWEEN {lo} AND {hi} THEN {col} END"

    attr_cols = ",\n               ".join(f"{rng(a, 1, 5)} AS {a}" for a in attributes)
    wsum = " + ".join(f"{w} * ({a} IS NOT NULL)::INT" for a, w in csi.items())
    wnum = " + ".join(f"COALESCE({w} * ({a} - 1) / 4.0 * 100, 0)" for a, w in csi.items())
    attr_aggs = ",\n           ".join(
        f"count({a}) AS attr_{a}_n, sum({a}) AS attr_{a}_sum, sum({a} * {a}) AS attr_{a}_sumsq"
        for a in attributes
    )
    periods = "periods"
    per_quarter_buyers = " UNION ALL ".join(
        f"""
            SELECT '{label}' AS period_id, o.unit, o.customer_id, count(*) AS orders_n,
                   sum(amount) AS revenue
            FROM read_parquet('{files["orders"]}') o
            WHERE o.date >= DATE '{start}' AND o.date < DATE '{end}' AND o.{unit_ok}
            GROUP BY ALL"""
        for label, start, end in quarters
    )
    return {
        "responses": f"""
        WITH r AS (
            SELECT date, unit,
               {rng("csat", 1, 5)} AS csat, {rng("ltr", 0, 10)} AS ltr,
               8 - {rng("effort", 1, 7)} AS ces,
               {rng("trust", 1, 5)} AS trust, {rng("repurchase_intent", 1, 5)} AS rpi,
               {attr_cols}
            FROM read_parquet('{files["responses"]}') WHERE {unit_ok}
        ), s AS (
            SELECT p.period_id, r.*,
                   CASE WHEN ({wsum}) > 0 THEN ({wnum}) / ({wsum}) END AS csi
            FROM r JOIN {periods} p ON r.date >= p.p_start AND r.date < p.p_end
        )
        SELECT period_id, unit,
           count(csat) AS csat_n, count(*) FILTER (csat >= 4) AS csat_x,
           count(*) FILTER (ltr >= 9) AS promoters,
           count(*) FILTER (ltr BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (ltr <= 6) AS detractors,
           count(ces) AS ces_n, sum(ces) AS ces_sum, sum(ces * ces) AS ces_sumsq,
           count(csi) AS csi_n, sum(csi) AS csi_sum, sum(csi * csi) AS csi_sumsq,
           count(trust) AS trust_n, count(*) FILTER (trust >= 4) AS trust_x,
           count(ltr) AS rec_n, count(*) FILTER (ltr >= 9) AS rec_x,
           count(rpi) AS rpi_n, count(*) FILTER (rpi >= 4) AS rpi_x,
           {attr_aggs}
        FROM s GROUP BY {sets}""",
        "customers": f"""
        WITH c AS (
            SELECT p.period_id, c.unit,
                   c.join_date < p.p_start
                     AND (c.churn_date IS NULL OR c.churn_date >= p.p_start) AS active,
                   c.churn_date >= p.p_start AND c.churn_date < p.p_end AS lost
            FROM read_parquet('{files["customers"]}') c CROSS JOIN {periods} p
            WHERE c.{unit_ok}
        )
        SELECT period_id, unit, count(*) FILTER (active) AS active_n,
               count(*) FILTER (active AND lost) AS lost_n
        FROM c GROUP BY {sets}""",
        "orders": f"""
        SELECT p.period_id, o.unit, count(amount) AS aov_n, sum(amount) AS aov_sum,
               sum(amount * amount) AS aov_sumsq
        FROM read_parquet('{files["orders"]}') o
        JOIN {periods} p ON o.date >= p.p_start AND o.date < p.p_end
        WHERE o.{unit_ok}
        GROUP BY {sets}""",
        # one per-customer aggregation per quarter (UNION ALL): the groups of one quarter
        # fit in memory, those of eight at once spill (measured: 17 s vs 9 s at 10M)
        "buyers": f"""
        WITH b AS ({per_quarter_buyers})
        SELECT period_id, unit, count(*) AS buyers, count(*) FILTER (orders_n >= 2) AS repeat_n,
               count(revenue) AS rev_n, sum(revenue) AS rev_sum,
               sum(revenue * revenue) AS rev_sumsq,
               sum(orders_n) AS freq_sum, sum(orders_n * orders_n) AS freq_sumsq
        FROM b GROUP BY {sets}""",
        "tickets": f"""
        WITH t AS (
            SELECT p.period_id, t.unit, t.contacts, t.complaint, t.resolved_at,
                   (epoch(t.first_response_at) - epoch(t.opened_at)) / 3600.0 AS frt,
                   (epoch(t.resolved_at) - epoch(t.opened_at)) / 3600.0 AS rt
            FROM read_parquet('{files["tickets"]}') t
            JOIN {periods} p ON t.opened_at >= p.p_start AND t.opened_at < p.p_end
            WHERE t.{unit_ok}
        )
        SELECT period_id, unit, count(*) AS tickets,
               count(*) FILTER (resolved_at IS NOT NULL AND contacts = 1) AS fcr_x,
               count(frt) AS frt_n, median(frt) AS frt_median, sum(frt) AS frt_sum,
               count(rt) AS rt_n, median(rt) AS rt_median, sum(rt) AS rt_sum,
               count(complaint) AS complaint_n, count(*) FILTER (complaint) AS complaint_x,
               count(*) FILTER (complaint) AS cres_n,
               count(*) FILTER (complaint AND resolved_at IS NOT NULL) AS cres_x
        FROM t GROUP BY {sets}""",
    }


def _direct_values(frames: dict, unit_ids: dict[str, str], clv_years: float) -> list[list]:
    """KPI values per (kpi, unit id, period) from the component frames (for --check)."""
    out: list[list] = []

    def emit(kpi, row, value, n):
        unit = "all" if row["unit"] is None or row["unit"] != row["unit"] else unit_ids[row["unit"]]
        out.append([kpi, unit, row["period_id"], value, n])

    def ratio(x, n):
        return float(x) / float(n) if n else None

    for row in frames["responses"].to_dict("records"):
        emit("csat", row, ratio(row["csat_x"], row["csat_n"]), row["csat_n"])
        n = row["promoters"] + row["passives"] + row["detractors"]
        emit("nps", row, ratio(100 * (row["promoters"] - row["detractors"]), n), n)
        emit("ces", row, ratio(row["ces_sum"], row["ces_n"]), row["ces_n"])
        emit("csi", row, ratio(row["csi_sum"], row["csi_n"]), row["csi_n"])
        emit("trust_rate", row, ratio(row["trust_x"], row["trust_n"]), row["trust_n"])
        emit("recommend_rate", row, ratio(row["rec_x"], row["rec_n"]), row["rec_n"])
        emit("repurchase_intent_rate", row, ratio(row["rpi_x"], row["rpi_n"]), row["rpi_n"])
        for col in row:
            if col.startswith("attr_") and col.endswith("_n"):
                a = col[: -len("_n")]
                emit(a, row, ratio(row[f"{a}_sum"], row[col]), row[col])
    for row in frames["customers"].to_dict("records"):
        emit("churn_rate", row, ratio(row["lost_n"], row["active_n"]), row["active_n"])
        emit(
            "retention_rate",
            row,
            ratio(row["active_n"] - row["lost_n"], row["active_n"]),
            row["active_n"],
        )
    for row in frames["orders"].to_dict("records"):
        emit("aov", row, ratio(row["aov_sum"], row["aov_n"]), row["aov_n"])
    for row in frames["buyers"].to_dict("records"):
        emit("repurchase_rate", row, ratio(row["repeat_n"], row["buyers"]), row["buyers"])
        arpu = ratio(row["rev_sum"], row["rev_n"])
        emit("arpu", row, arpu, row["rev_n"])
        emit("purchase_frequency", row, ratio(row["freq_sum"], row["buyers"]), row["buyers"])
        emit("clv_simple", row, None if arpu is None else arpu * clv_years / 0.25, row["rev_n"])
    for row in frames["tickets"].to_dict("records"):
        emit("fcr", row, ratio(row["fcr_x"], row["tickets"]), row["tickets"])
        emit("first_response_hours_median", row, row["frt_median"], row["frt_n"])
        emit("first_response_hours_mean", row, ratio(row["frt_sum"], row["frt_n"]), row["frt_n"])
        emit("resolution_hours_median", row, row["rt_median"], row["rt_n"])
        emit("resolution_hours_mean", row, ratio(row["rt_sum"], row["rt_n"]), row["rt_n"])
        emit(
            "complaint_rate", row, ratio(row["complaint_x"], row["complaint_n"]), row["complaint_n"]
        )
        emit("complaint_resolution_rate", row, ratio(row["cres_x"], row["cres_n"]), row["cres_n"])
    return [[k, u, p, None if v is None else float(v), int(n)] for k, u, p, v, n in out]


def _read_config_facts(
    data_dir: Path,
) -> tuple[dict[str, str], dict[str, str], dict[str, float], list[str], float]:
    """Files, unit spelling → id, CSI weights, attributes, CLV years from reportgen.yaml."""
    import yaml

    cfg = yaml.safe_load((data_dir / "reportgen.yaml").read_text(encoding="utf-8"))
    files = {
        t: str(data_dir / s["path"])
        for t, s in cfg["sources"].items()
        if s.get("format") == "parquet"
    }
    spellings: dict[str, str] = {}
    for u in cfg["units"]:
        for s in [u["id"], *u["names"].values(), *u.get("aliases", [])]:
            spellings[s] = u["id"]
    kpis = cfg.get("kpis", {})
    weights = kpis.get("csi_weights")
    attributes = [a["id"] for a in cfg.get("attributes", [])]
    return files, spellings, weights, attributes, float(kpis.get("clv_relationship_years", 3.0))


def worker_direct(data_dir: Path, result_file: str, memory_limit: str) -> None:
    import duckdb
    import pandas  # noqa: F401 - imported before the clock starts, as on the reportgen side
    import pyarrow  # noqa: F401

    baseline = _maxrss_mb()
    t0 = time.perf_counter()
    files, spellings, weights, attributes, clv_years = _read_config_facts(data_dir)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/direct-duckdb'")
    # The default period "latest": the last complete quarter in the data.
    max_date = max(
        con.execute(f"SELECT max({col})::DATE FROM read_parquet('{files[t]}')").fetchone()[0]
        for t, col in (("responses", "date"), ("orders", "date"), ("tickets", "opened_at"))
    )
    quarters = latest_complete_quarters(max_date, TREND_QUARTERS)
    con.execute("CREATE TEMP TABLE periods (period_id VARCHAR, p_start DATE, p_end DATE)")
    con.executemany("INSERT INTO periods VALUES (?, ?, ?)", quarters)
    timings: dict[str, float] = {}
    frames = {}
    queries = _direct_queries(files, list(spellings), weights, attributes, quarters)
    for name, sql in queries.items():
        t = time.perf_counter()
        frames[name] = con.sql(sql).to_arrow_table().to_pandas()
        timings[name] = time.perf_counter() - t
    # Group rows hold the raw unit spelling; all-units rows hold NULL.
    values = _direct_values(frames, spellings, clv_years)
    wall = time.perf_counter() - t0
    _write_result(
        result_file,
        {
            "wall": wall,
            "timings": timings,
            "baseline_rss_mb": baseline,
            "periods": [q[0] for q in quarters],
            "values": values,
        },
    )


# -- the parent: data, subprocesses, tables --------------------------------------------------------


def ensure_data(data_dir: Path, scale: float, seed: int, reuse: bool) -> dict[str, int]:
    sys.path.insert(0, str(REPO))
    out = data_dir / f"scale{scale:g}"
    if not (reuse and (out / "reportgen.yaml").exists()):
        from reportgen.sample_data import generate

        print(f"generating scale {scale:g} into {out} …", flush=True)
        t = time.perf_counter()
        generate(out, seed=seed, scale=scale, layout="parquet")
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return table_rows(out)


def table_rows(out: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    rows = {}
    for name in ("responses", "customers", "orders", "tickets"):
        rows[name] = pq.ParquetFile(out / f"{name}.parquet").metadata.num_rows
    return rows


def run_worker(kind: str, data_dir: Path, memory_limit: str) -> dict:
    """One run in a fresh interpreter; peak RSS of that child alone via wait4.

    Each worker gets a private TMPDIR: reportgen spills to
    ``$TMPDIR/reportgen-duckdb``, a path otherwise shared by every reportgen
    process on the machine (DuckDB's spill file names are not per process)."""
    with tempfile.TemporaryDirectory(prefix="bench-kpis-") as tmp:
        result_file = os.path.join(tmp, "result.json")
        log_file = os.path.join(tmp, "log.txt")
        private_tmp = os.path.join(tmp, "tmp")
        os.mkdir(private_tmp)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            kind,
            "--worker-data",
            str(data_dir),
            "--worker-result",
            result_file,
            "--memory-limit",
            memory_limit,
        ]
        env = {
            **os.environ,
            "TMPDIR": private_tmp,
            "PYTHONPATH": os.pathsep.join(
                [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        with open(log_file, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        process_wall = time.perf_counter() - t
        try:
            result = json.loads(Path(result_file).read_text())
        except FileNotFoundError:
            result = {"wall": process_wall, "timings": {}, "baseline_rss_mb": float("nan")}
        if proc.returncode != 0:
            result.setdefault("error", f"exit code {proc.returncode}")
            result["log_tail"] = Path(log_file).read_text()[-2000:]
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["process_wall"] = process_wall
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # whole process, incl. start-up
    result["loadavg"] = (load_before, os.getloadavg()[0])
    return result


def compare(a: list[list], b: list[list]) -> dict[str, object]:
    """Cell-by-cell comparison of (kpi, unit, period) values of two runs."""
    left = {(k, u, p): (v, n) for k, u, p, v, n in a}
    right = {(k, u, p): (v, n) for k, u, p, v, n in b}
    common = sorted(set(left) & set(right))
    worst = (0.0, None)
    n_diff = 0
    for key in common:
        (va, na), (vb, nb) = left[key], right[key]
        if na != nb:
            n_diff += 1
        if va is None or vb is None:
            continue
        rel = abs(va - vb) / max(abs(va), abs(vb), 1e-12)
        if rel > worst[0]:
            worst = (rel, key)
    return {
        "cells": len(common),
        "only_this": len(set(left) - set(right)),
        "only_ref": len(set(right) - set(left)),
        "n_differs": n_diff,
        "max_rel_diff": worst[0],
        "max_rel_diff_at": worst[1],
    }


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _summarise(runs: list[dict]) -> dict[str, object]:
    ok = [r for r in runs if "error" not in r]
    failed = [r for r in runs if "error" in r]
    out: dict[str, object] = {"ok": len(ok), "failed": len(failed)}
    if failed:
        out["error"] = failed[0]["error"]
        out["failed_after_s"] = _median(failed, "wall")
        out["failed_peak_rss_mb"] = _median(failed, "peak_rss_mb")
    if ok:
        out.update(
            {
                "wall": _median(ok, "wall"),
                "wall_min": min(r["wall"] for r in ok),
                "wall_max": max(r["wall"] for r in ok),
                "peak_rss_mb": _median(ok, "peak_rss_mb"),
                "cpu_s": _median(ok, "cpu_s"),
                "baseline_rss_mb": _median(ok, "baseline_rss_mb"),
                "timings": {
                    k: statistics.median(r["timings"][k] for r in ok) for k in ok[0]["timings"]
                },
                "periods": ok[0]["periods"],
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=[33, 330],
        help="sample-data scales (1 ≈ 30k responses; 330 ≈ 10M)",
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=REPO / "bench_data",
        help="where the data sets are written (git-ignored)",
    )
    ap.add_argument("--reuse", action="store_true", help="reuse an existing data set")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help="DuckDB memory limit for both sides (REPORTGEN_MEMORY_LIMIT)",
    )
    ap.add_argument("--only", choices=["reportgen", "direct"], help="run one side only")
    ap.add_argument(
        "--check", action="store_true", help="compare the KPI values of both sides cell by cell"
    )
    ap.add_argument("--json", type=Path, help="also write every run's raw figures here")
    ap.add_argument("--worker", choices=["reportgen", "direct"], help=argparse.SUPPRESS)
    ap.add_argument("--worker-data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker-result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker == "reportgen":
        worker_reportgen(args.worker_data, args.worker_result, args.memory_limit)
        return 0
    if args.worker == "direct":
        worker_direct(args.worker_data, args.worker_result, args.memory_limit)
        return 0

    kinds = [args.only] if args.only else ["reportgen", "direct"]
    summary = []
    raw: dict[str, object] = {}
    for scale in args.scales:
        rows = ensure_data(args.data_dir, scale, args.seed, args.reuse)
        print(f"\nscale {scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()), flush=True)
        data = args.data_dir / f"scale{scale:g}"
        runs: dict[str, list[dict]] = {k: [] for k in kinds}
        for i in range(args.repeats):
            for kind in kinds:
                r = run_worker(kind, data, args.memory_limit)
                runs[kind].append(r)
                stages = " ".join(f"{k}={v:.2f}" for k, v in r["timings"].items())
                status = f"FAILED: {r['error']}" if "error" in r else stages
                print(
                    f"  run {i + 1} {kind:9s} {r['wall']:7.2f} s  cpu {r['cpu_s']:7.1f} s"
                    f"  peak {r['peak_rss_mb']:6.0f} MB (baseline {r['baseline_rss_mb']:.0f} MB)"
                    f"  load {r['loadavg'][0]:.1f}→{r['loadavg'][1]:.1f}  {status}",
                    flush=True,
                )
        entry: dict[str, object] = {"scale": scale, "rows": rows}
        for kind in kinds:
            entry[kind] = _summarise(runs[kind])
        if args.check and len(kinds) == 2:
            ref = next((r for r in runs["direct"] if "values" in r), None)
            checks = []
            for kind in kinds:
                for i, r in enumerate(runs[kind]):
                    if ref is not None and "values" in r and r is not ref:
                        c = compare(r["values"], ref["values"])
                        checks.append({"run": f"{kind} {i + 1}", **c})
                        print(f"  check {kind} run {i + 1} vs direct run 1: {c}", flush=True)
            entry["check"] = checks
        summary.append(entry)
        raw[f"{scale:g}"] = {
            k: [{kk: vv for kk, vv in r.items() if kk != "values"} for r in v]
            for k, v in runs.items()
        }

    print(
        f"\nmedian of {args.repeats} runs; DuckDB memory limit {args.memory_limit}; "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| scale | responses | reportgen time | reportgen peak RSS | direct time "
        "| direct peak RSS | ratio (time) | reportgen CPU | direct CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in summary:
        rg, di = e.get("reportgen"), e.get("direct")
        cells = [f"{e['scale']:g}", f"{e['rows']['responses']:,}"]
        for side in (rg, di):
            if side is None:
                cells += ["–", "–"]
            elif "wall" in side:
                cells += [f"{side['wall']:.2f} s", f"{side['peak_rss_mb'] / 1024:.2f} GB"]
            else:
                cells += [
                    f"failed after {side['failed_after_s']:.0f} s ({side['error'][:40]})",
                    f"{side['failed_peak_rss_mb'] / 1024:.2f} GB",
                ]
        ok = rg and di and "wall" in rg and "wall" in di
        cells.append(f"{rg['wall'] / di['wall']:.1f}×" if ok else "–")
        cells += [
            f"{side['cpu_s']:.0f} s" if side and "cpu_s" in side else "–" for side in (rg, di)
        ]
        print("| " + " | ".join(cells) + " |")
    for kind, title in (
        ("reportgen", "reportgen time per stage (report.timings, median s)"),
        ("direct", "direct DuckDB time per query (median s)"),
    ):
        done = [e for e in summary if kind in e and e[kind].get("timings")]
        if not done:
            continue
        stages = list(done[0][kind]["timings"])
        print(f"\n{title}:\n")
        print("| scale | " + " | ".join(stages) + " | min–max total |")
        print("|---:|" + "---:|" * (len(stages) + 1))
        for e in done:
            t = e[kind]["timings"]
            print(
                f"| {e['scale']:g} | "
                + " | ".join(f"{t[s]:.2f}" for s in stages)
                + f" | {e[kind]['wall_min']:.2f}–{e[kind]['wall_max']:.2f} |"
            )
    failures = [(e["scale"], k, e[k]) for e in summary for k in kinds if e[k]["failed"]]
    for scale, kind, side in failures:
        print(f"\nscale {scale:g}: {side['failed']} {kind} run(s) failed: {side['error']}")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": raw}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
