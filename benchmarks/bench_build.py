"""Benchmark: the quarterly batch build (``reportgen build``), end to end.

Two scenarios (give one or both):

``--sample``
    ``reportgen build`` on the bundled ``sample_inputs/reportgen.yaml`` (≈ 30k
    responses, 6 units): every unit and the group, ``--jobs`` default (CPU cores).
``--large``
    A generated clean-typed Parquet set (``reportgen.sample_data.generate(...,
    layout="parquet", units=10, volumes=...)``): ≈ 10M responses, ≈ 50M order lines,
    ≈ 2M tickets across 10 units (customers: ``--customers``, default responses / 3).
    Generated once under ``--data-dir``; ``--reuse`` skips the generation.

For each scenario, each in a **fresh Python subprocess** with a private ``TMPDIR``
(so DuckDB's spill folder is not shared with other processes on the machine):

1. ``build`` — the real command ``python -m reportgen build --config … --out … --today``
   into an empty output folder (``--repeats`` times). Stage times come from the
   manifest the build writes (``OUT/<period>/manifest.json``: ``timings`` load,
   reconcile, kpis, breakdowns, insights, results, render, total; per-unit seconds
   of the xlsx and pptx files, measured inside the render workers).
2. ``rebuild`` — the same command again on the unchanged inputs: every unit is
   skipped (fingerprints match; the data are not loaded).
3. ``no-insights`` — the build on a copy of the config with ``analytics.enabled:
   false`` (file paths made absolute), i.e. without the insight analyses.
4. ``stages`` — one in-process run that splits what the manifest cannot: it calls
   ``compute_kpis`` exactly as the build does (``by`` = the config's dimensions,
   ``insights=True``), records peak RSS before and after the insight analyses and
   their time per analysis, then renders every unit's workbook and deck **serially**
   with timers around the chart, model, serialisation and file-writing functions of
   the renderers (charts / render / write). It does not replace the build figures:
   it explains them.

How the figures are taken (parent side):

- **wall** — the subprocess from start to exit (interpreter start-up and imports
  included; the manifest's ``total`` is the time inside ``run_build``).
- **CPU** — user + sys from ``os.wait4`` of the build process. Linux adds the usage of
  children that the process has reaped, so this is the **sum over the whole process
  tree** (the build and its render workers). CPU seconds are the steadier figure on
  a shared machine.
- **peak RSS (max process)** — ``ru_maxrss`` from ``os.wait4``: for a reaped tree
  Linux reports the **maximum** over the build process and its children, not the sum
  (exact, but blind to workers running at the same time).
- **peak tree memory (sum)** — sampled every ``--sample-interval`` s: the sum over
  every live process of the tree of RSS and of PSS (``/proc/<pid>/smaps_rollup``;
  PSS shares common pages out fairly, so the PSS sum does not count shared libraries
  twice). Sampling can miss a spike shorter than the interval.
- **peak memory** — the larger of the PSS sum and the max-process peak: the figure
  compared with the memory target.
- **spill** — the largest size of the private ``TMPDIR`` (DuckDB's spill files), sampled.
- **load** — the 1-minute load average before and after, and the CPU seconds the rest
  of the machine used during the run (``/proc/stat`` busy time minus this run's CPU and
  the sampler's; the sampler runs in this parent process, not in the measured tree).

DuckDB's memory limit is ``REPORTGEN_MEMORY_LIMIT`` (``--memory-limit`` sets it; by
default the environment is left alone and the engine's default applies); the value
in effect is read back from a connection made by ``reportgen.engine.backend.connect``.

Run from the repository root::

    python benchmarks/bench_build.py --sample --large --reuse --json bench_data/build/r.json

This is a measurement tool, not a test; it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TODAY = _dt.date(2026, 11, 23)
SAMPLE_CONFIG = REPO / "sample_inputs" / "reportgen.yaml"
TARGET_WALL_S = 60.0
TARGET_MEMORY_MB = 2048.0
MB = 1024 * 1024


# -- helpers shared by the workers ---------------------------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _write_result(path: str, result: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(result, default=str, indent=1), encoding="utf-8")


# -- worker: generate the large data set -----------------------------------------------------------


def worker_generate(out: Path, params: dict[str, Any], result_file: str) -> None:
    from reportgen.sample_data import generate

    t = time.perf_counter()
    s = generate(
        out,
        seed=params["seed"],
        scale=params["customers"] / 10_000,
        layout="parquet",
        units=params["units"],
        volumes={k: params[k] for k in ("responses", "orders", "tickets", "customers")},
    )
    _write_result(result_file, {"seconds": time.perf_counter() - t, "rows": s.rows})


# -- worker: stages (KPIs + insights + serial render with timers) ---------------------------------


class _Timer:
    """Accumulates inclusive seconds per category; a category nested in itself counts once."""

    def __init__(self) -> None:
        self.kind = ""
        self.acc: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth: dict[str, int] = defaultdict(int)
        self.installed: list[str] = []
        self.missing: list[str] = []

    def wrap(self, fn: Callable[..., Any], category: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            key = f"{self.kind}.{category}"
            if self._depth[key]:
                return fn(*args, **kwargs)
            self._depth[key] += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.acc[key] += time.perf_counter() - t
                self.calls[key] += 1
                self._depth[key] -= 1

        return timed

    def install(self, targets: list[tuple[str, str, str]]) -> None:
        """Wrap ``module.attr`` (``attr`` may be ``Class.method``) wherever a ``reportgen``
        module holds a reference to it (``from x import f`` copies the reference)."""
        import importlib

        for module_name, attr, category in targets:
            try:
                owner: Any = importlib.import_module(module_name)
                *path, name = attr.split(".")
                for part in path:
                    owner = getattr(owner, part)
                original = getattr(owner, name)
            except (ImportError, AttributeError):
                self.missing.append(f"{module_name}.{attr}")
                continue
            wrapped = self.wrap(original, category)
            setattr(owner, name, wrapped)
            if not path:
                for mod_name, mod in list(sys.modules.items()):
                    if mod_name.startswith("reportgen") and getattr(mod, name, None) is original:
                        setattr(mod, name, wrapped)
            self.installed.append(f"{module_name}.{attr}")

    def take(self) -> dict[str, float]:
        out = dict(self.acc)
        self.acc.clear()
        return out


#: What is timed inside the renderers: (module, function, category). Categories are
#: prefixed with the document kind ("pptx" / "xlsx") at run time.
_RENDER_PROBES: list[tuple[str, str, str]] = [
    ("reportgen.model.deck", "build_report_model", "model"),
    ("reportgen.render.pptx", "render_model", "render"),
    ("reportgen.render.pptx_charts", "add_chart", "charts"),
    ("reportgen.render.pptx_charts", "add_scatter", "charts"),
    ("reportgen.render.png", "render_png", "charts"),
    ("reportgen.render.xlsx_charts", "chart_to_openpyxl", "charts"),
    ("pptx.presentation", "Presentation.save", "serialise"),
    ("reportgen.render.xlsx_package", "fixed_time_zip", "serialise"),
    ("reportgen.render.xlsx_package", "workbook_bytes", "serialise"),
    ("reportgen.render.xlsx", "build_workbook", "build"),
    ("reportgen.render.xlsx_group", "build_group_workbook", "build"),
    ("reportgen.delivery.files", "atomic_write_bytes", "write"),
]


def _split_document(kind: str, total: float, acc: dict[str, float]) -> dict[str, float]:
    """Exclusive seconds of one document: charts, render (the rest of building it),
    serialise (to zip bytes) and write (atomic write + reopen check)."""

    def g(category: str) -> float:
        return acc.get(f"{kind}.{category}", 0.0)

    charts, serialise, write = g("charts"), g("serialise"), g("write")
    built = g("model") + g("render") if kind == "pptx" else g("build")
    # pptx: render_model contains the chart calls and the save; xlsx: build contains charts
    return {
        "charts": charts,
        "render": max(built - charts - (serialise if kind == "pptx" else 0.0), 0.0),
        "serialise": serialise,
        "write": write,
        "other": max(total - built - write - (0.0 if kind == "pptx" else serialise), 0.0),
        "total": total,
    }


def worker_stages(config_path: Path, out_dir: Path, result_file: str, today: _dt.date) -> None:
    import reportgen.analytics.insights as insights_mod
    import reportgen.pipeline as pipeline
    from reportgen.config import load_config
    from reportgen.engine.compute import ALL
    from reportgen.export import output_path
    from reportgen.pipeline import compute_kpis
    from reportgen.render.pptx import write_deck
    from reportgen.render.xlsx import write_workbook
    from reportgen.render.xlsx_group import write_group_workbook

    baseline = _maxrss_mb()
    probes: dict[str, Any] = {}
    # wall and CPU seconds (all threads of this process, DuckDB's included) per phase
    phases: dict[str, dict[str, float]] = defaultdict(lambda: {"wall": 0.0, "cpu": 0.0})

    def phase(fn: Callable[..., Any], name_of: Callable[[dict[str, Any]], str]) -> Any:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = name_of(kwargs)
            if name == "insights":
                probes["peak_rss_before_insights_mb"] = _maxrss_mb()
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name]["wall"] += time.perf_counter() - w
                phases[name]["cpu"] += time.process_time() - c
                if name == "insights":
                    probes["peak_rss_after_insights_mb"] = _maxrss_mb()

        return timed

    pipeline.load_dataset = phase(pipeline.load_dataset, lambda kw: "load")  # type: ignore[assignment]
    pipeline.aggregate = phase(  # type: ignore[assignment]
        pipeline.aggregate,
        lambda kw: "breakdowns (aggregate)" if kw.get("by") else "kpis (aggregate)",
    )
    insights_mod.insight_inputs = phase(
        insights_mod.insight_inputs, lambda kw: "insights (extracts)"
    )
    insights_mod.run_insights = phase(insights_mod.run_insights, lambda kw: "insights")
    t0, c0 = time.perf_counter(), time.process_time()
    config = load_config(config_path)
    report = compute_kpis(config, today=today, by=tuple(config.dimensions), insights=True)
    kpi_wall, kpi_cpu = time.perf_counter() - t0, time.process_time() - c0
    phases["other (config, reconcile, results, comments)"] = {
        "wall": kpi_wall - sum(p["wall"] for p in phases.values()),
        "cpu": kpi_cpu - sum(p["cpu"] for p in phases.values()),
    }
    probes["insights_wall"] = phases["insights"]["wall"]
    peak_after_kpis = _maxrss_mb()

    found = report.insights
    per_analysis: dict[str, float] = defaultdict(float)
    per_unit_insights: dict[str, float] = {}
    if found is not None:
        for unit, ui in found.units.items():
            per_unit_insights[unit] = sum(ui.seconds.values())
            for name, sec in ui.seconds.items():
                per_analysis[name] += sec
        per_analysis["extract (shared)"] = found.seconds.get("extract", 0.0)

    timer = _Timer()
    timer.install(_RENDER_PROBES)
    lang = config.report.language
    label = report.period.label
    documents: dict[str, dict[str, Any]] = {}
    for unit in (*report.units, ALL):
        documents[unit] = {}
        for kind in ("xlsx", "pptx"):
            path = output_path(config, out_dir, label, unit, f".{kind}", lang)
            timer.kind = kind
            t, c = time.perf_counter(), time.process_time()
            try:
                if kind == "pptx":
                    write_deck(report, config, unit, path, lang)
                elif unit == ALL:
                    write_group_workbook(report, config, path, lang)
                else:
                    write_workbook(report, config, unit, path, lang)
                error = None
            except Exception as exc:  # noqa: BLE001 - a failed document is a result too
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            split = _split_document(kind, time.perf_counter() - t, timer.take())
            split["cpu"] = time.process_time() - c
            if error:
                split["error"] = error
            documents[unit][kind] = split
    _write_result(
        result_file,
        {
            "baseline_rss_mb": baseline,
            "kpi_wall": kpi_wall,
            "kpi_cpu": kpi_cpu,
            "phases": dict(phases),
            "timings": report.timings,
            "peak_rss_after_kpis_mb": peak_after_kpis,
            "peak_rss_end_mb": _maxrss_mb(),
            "insights": {
                **probes,
                "per_analysis": dict(per_analysis),
                "per_unit": per_unit_insights,
                "total_inside": (found.seconds.get("total") if found is not None else None),
                "sampled": (
                    next(iter(found.units.values())).sampled if found and found.units else {}
                ),
            },
            "documents": documents,
            "probes_installed": timer.installed,
            "probes_missing": timer.missing,
            "period": label,
            "units": list(report.units),
        },
    )


def worker_memory_limit(result_file: str) -> None:
    from reportgen.engine.backend import connect

    con = connect()
    row = con.raw_sql(
        "SELECT current_setting('memory_limit'), current_setting('threads')"
    ).fetchone()
    _write_result(
        result_file,
        {
            "env": os.environ.get("REPORTGEN_MEMORY_LIMIT"),
            "effective": row[0],
            "threads": row[1],
        },
    )


# -- the parent: process-tree measurement ---------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def _tree(root: int) -> list[int]:
    seen: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        seen.append(pid)
        stack.extend(_children(pid))
    return seen


_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kib(pid: int) -> int:
    """Resident set size from /proc/<pid>/statm (cheap)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * _PAGE_KIB
    except (OSError, ValueError, IndexError):
        return 0


def _rss_pss_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS from /proc/<pid>/smaps_rollup (walks the page tables: costlier)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def _dir_bytes(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class _TreeSampler(threading.Thread):
    """Samples the summed RSS/PSS of a process tree and the size of its spill folder."""

    def __init__(self, root: int, spill_dir: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.spill_dir = spill_dir
        self.interval = interval
        self.stop = threading.Event()
        self.peak_rss_kib = self.peak_pss_kib = self.peak_spill = 0
        self.procs_at_peak = 0
        self.max_procs = 0
        self.samples = 0
        self.timeline: list[tuple[float, int, int, int]] = []  # t, procs, RSS MiB, spill MiB
        self.cpu_s = 0.0

    def run(self) -> None:
        t0 = time.perf_counter()
        n = 0
        while not self.stop.is_set():
            pids = _tree(self.root)
            rss_each = [_rss_kib(p) for p in pids]
            live = sum(1 for r in rss_each if r)
            rss = sum(rss_each)
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            # PSS <= RSS: the page-table walk is only worth it when a new PSS peak is possible
            if rss > self.peak_pss_kib:
                pss = sum(_rss_pss_kib(p)[1] for p in pids)
                if pss > self.peak_pss_kib:
                    self.peak_pss_kib, self.procs_at_peak = pss, live
            spill = _dir_bytes(self.spill_dir) if n % 4 == 0 else self.peak_spill
            self.peak_spill = max(self.peak_spill, spill)
            self.max_procs = max(self.max_procs, live)
            if n % 4 == 0:
                self.timeline.append(
                    (round(time.perf_counter() - t0, 2), live, rss // 1024, spill // MB)
                )
            n += 1
            self.samples = n
            self.stop.wait(self.interval)
        self.cpu_s = resource.getrusage(resource.RUSAGE_THREAD).ru_utime + (
            resource.getrusage(resource.RUSAGE_THREAD).ru_stime
        )


def _env(private_tmp: str, memory_limit: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "TMPDIR": private_tmp,
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    if memory_limit:
        env["REPORTGEN_MEMORY_LIMIT"] = memory_limit
    return env


def measure(
    cmd: list[str], log_file: Path, memory_limit: str | None, interval: float
) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process with a private TMPDIR; figures of its whole tree."""
    private_tmp = tempfile.mkdtemp(prefix="bench-build-")
    try:
        env = _env(private_tmp, memory_limit)
        load_before = os.getloadavg()[0]
        busy0 = _busy_cpu_s()
        t = time.perf_counter()
        with open(log_file, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(REPO)
            )
            sampler = _TreeSampler(proc.pid, private_tmp, interval)
            sampler.start()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        sampler.stop.set()
        sampler.join()
        busy = _busy_cpu_s() - busy0
    finally:
        shutil.rmtree(private_tmp, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "cmd": cmd[1:],
        "exit_code": proc.returncode,
        "wall": wall,
        "cpu_s": cpu,
        "cpu_user_s": usage.ru_utime,
        "cpu_sys_s": usage.ru_stime,
        "peak_rss_max_process_mb": usage.ru_maxrss / 1024,
        "peak_tree_rss_sum_mb": sampler.peak_rss_kib / 1024,
        "peak_tree_pss_sum_mb": sampler.peak_pss_kib / 1024,
        # the figure held against the memory target: the sampled tree sum, or the exact
        # single-process peak when a short spike slipped between two samples
        "peak_memory_mb": max(sampler.peak_pss_kib, usage.ru_maxrss) / 1024,
        "procs_at_pss_peak": sampler.procs_at_peak,
        "max_procs": sampler.max_procs,
        "peak_spill_mb": sampler.peak_spill / MB,
        "samples": sampler.samples,
        "sampler_cpu_s": sampler.cpu_s,
        "timeline": sampler.timeline,
        "loadavg": (load_before, os.getloadavg()[0]),
        "machine_busy_cpu_s": busy,
        "others_cpu_s": max(busy - cpu - sampler.cpu_s, 0.0),
        "log": str(log_file),
    }


def _self_cmd(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def _worker_json(
    name: str, args: list[str], work: Path, memory_limit: str | None, interval: float
) -> dict[str, Any]:
    result_file = work / f"{name}.json"
    result_file.unlink(missing_ok=True)
    m = measure(
        _self_cmd(*args, "--worker-result", str(result_file)),
        work / f"{name}.log",
        memory_limit,
        interval,
    )
    try:
        m["result"] = json.loads(result_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        m["result"] = {}
        m["log_tail"] = Path(m["log"]).read_text(encoding="utf-8", errors="replace")[-3000:]
    return m


# -- the parent: scenarios -------------------------------------------------------------------------


def _git_state() -> dict[str, str]:
    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False)
        return r.stdout.strip()

    return {
        "head": git("log", "-1", "--format=%h %s"),
        "diff_stat_reportgen": git("diff", "--stat", "--", "reportgen/"),
        "untracked_reportgen": git("ls-files", "--others", "--exclude-standard", "reportgen/"),
        "when": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def ensure_large(
    data_dir: Path, params: dict[str, Any], reuse: bool, memory_limit: str | None
) -> tuple[Path, dict[str, Any]]:
    name = "large-u{units}-r{responses}-o{orders}-t{tickets}-c{customers}-s{seed}".format(**params)
    out = data_dir / name
    stamp = out / "bench_params.json"
    if reuse and stamp.exists() and (out / "reportgen.yaml").exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        print(f"reusing {out}", flush=True)
        return out, info
    print(f"generating {out} …", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    m = _worker_json(
        "generate",
        ["--worker", "generate", "--worker-dir", str(out), "--worker-params", json.dumps(params)],
        out,
        memory_limit,
        1.0,
    )
    if m["exit_code"] != 0:
        raise SystemExit(f"generation failed:\n{m.get('log_tail', '')}")
    info = {
        "params": params,
        "rows": m["result"]["rows"],
        "generate_wall": m["wall"],
        "generate_peak_rss_mb": m["peak_rss_max_process_mb"],
        "bytes": {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()},
    }
    stamp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    print(f"  generated in {m['wall']:.0f} s: {info['rows']}", flush=True)
    return out, info


def _manifest(out: Path) -> dict[str, Any] | None:
    found = sorted(out.glob("*/manifest.json"))
    return json.loads(found[0].read_text(encoding="utf-8")) if found else None


def _build_cmd(config: Path, out: Path, jobs: int | None, today: _dt.date) -> list[str]:
    """``reportgen build`` as a user runs it (INFO logging goes to the run's log file)."""
    cmd = [sys.executable, "-m", "reportgen", "build", "--config", str(config)]
    cmd += ["--out", str(out), "--today", today.isoformat()]
    return cmd + (["--jobs", str(jobs)] if jobs else [])


def _config_without_insights(config: Path, work: Path) -> Path:
    """A copy of ``config`` with ``analytics.enabled: false`` (the build without the insight
    analyses), written to ``work`` with every relative file path made absolute."""
    import yaml

    base = config.parent
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))

    def absolute(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: absolute(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [absolute(v) for v in node]
        relative = isinstance(node, str) and node and not os.path.isabs(node)
        if relative and key != "output_dir" and (base / node).exists():
            return str((base / node).resolve())
        return node

    doc = absolute(doc)
    doc.setdefault("analytics", {})["enabled"] = False
    out = work / f"{config.stem}-no-insights.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def _outcomes(manifest: dict[str, Any] | None) -> dict[str, Any]:
    if manifest is None:
        return {}
    units = manifest.get("units", {})
    status: dict[str, int] = defaultdict(int)
    for u in units.values():
        status[u["status"]] += 1
    errors = sorted({u["error"] for u in units.values() if u.get("error")})
    return {
        "status": dict(status),
        "errors": errors,
        "unit_seconds": {k: v.get("seconds", {}) for k, v in units.items()},
        "timings": manifest.get("timings", {}),
        "period": (manifest.get("period") or {}).get("label"),
        "jobs": manifest.get("request", {}).get("jobs"),
    }


def run_scenario(name: str, config: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    entry: dict[str, Any] = {"name": name, "config": str(config), "git": _git_state()}
    lim = _worker_json("memory_limit", ["--worker", "memory-limit"], work, args.memory_limit, 1.0)
    entry["memory_limit"] = lim["result"]
    print(f"\n== {name}: {config}", flush=True)
    print(f"   DuckDB memory limit: {lim['result']}", flush=True)
    builds = []
    for i in range(args.repeats):
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        m = measure(
            _build_cmd(config, out, args.jobs, args.today),
            work / f"build{i + 1}.log",
            args.memory_limit,
            args.sample_interval,
        )
        m.update(_outcomes(_manifest(out)))
        builds.append(m)
        _print_run(f"build {i + 1}", m)
    entry["builds"] = builds
    if not args.no_rebuild:
        before = _manifest(work / "out")
        m = measure(
            _build_cmd(config, work / "out", args.jobs, args.today),
            work / "rebuild.log",
            args.memory_limit,
            args.sample_interval,
        )
        after = _manifest(work / "out")
        m["manifest_rewritten"] = (before or {}).get("run") != (after or {}).get("run")
        m["skipped_lines"] = sum(
            "unchanged, skipped" in line
            for line in Path(m["log"]).read_text(encoding="utf-8").splitlines()
        )
        entry["rebuild"] = m
        _print_run("rebuild", m)
    if not args.no_variant:
        variant = _config_without_insights(config, work)
        out = work / "out_no_insights"
        shutil.rmtree(out, ignore_errors=True)
        m = measure(
            _build_cmd(variant, out, args.jobs, args.today),
            work / "build_no_insights.log",
            args.memory_limit,
            args.sample_interval,
        )
        m.update(_outcomes(_manifest(out)))
        entry["no_insights"] = m
        _print_run("no-insights", m)
    if not args.no_stages:
        scratch = work / "stages_out"
        shutil.rmtree(scratch, ignore_errors=True)
        m = _worker_json(
            "stages",
            [
                "--worker",
                "stages",
                "--worker-config",
                str(config),
                "--worker-dir",
                str(scratch),
                "--today",
                args.today.isoformat(),
            ],
            work,
            args.memory_limit,
            args.sample_interval,
        )
        entry["stages"] = m
        _print_run("stages", m)
    entry["git_after"] = _git_state()
    return entry


def _print_run(label: str, m: dict[str, Any]) -> None:
    t = m.get("timings") or m.get("result", {}).get("timings") or {}
    stages = " ".join(f"{k}={v:.1f}" for k, v in t.items())
    status = m.get("status", "")
    print(
        f"   {label:8s} exit {m['exit_code']}  wall {m['wall']:6.1f} s  cpu {m['cpu_s']:6.1f} s"
        f"  peak max-proc {m['peak_rss_max_process_mb']:5.0f} MB"
        f"  tree PSS {m['peak_tree_pss_sum_mb']:5.0f} MB (RSS {m['peak_tree_rss_sum_mb']:5.0f})"
        f"  spill {m['peak_spill_mb']:5.0f} MB  load {m['loadavg'][0]:.1f}→{m['loadavg'][1]:.1f}"
        f"  others {m['others_cpu_s']:.0f} cpu-s  {status} {stages}",
        flush=True,
    )
    for err in m.get("errors", []):
        print(f"            unit error: {err}", flush=True)
    if m.get("log_tail"):
        print(m["log_tail"], flush=True)


# -- the parent: tables ----------------------------------------------------------------------------


def _f(v: float | None, fmt: str = ".1f") -> str:
    return "–" if v is None else format(v, fmt)


def _stage_sums(stages: dict[str, Any]) -> dict[str, float]:
    """Serial seconds over every unit's documents: charts / render / write."""
    out: dict[str, float] = defaultdict(float)
    for docs in stages.get("documents", {}).values():
        for kind, d in docs.items():
            out["charts"] += d["charts"]
            out["render"] += d["render"] + d["other"]
            out["write"] += d["serialise"] + d["write"]
            out[f"{kind}_total"] += d["total"]
            out["documents"] += d["total"]
            out["documents_cpu"] += d.get("cpu", 0.0)
    return dict(out)


def print_summary(entry: dict[str, Any]) -> None:
    builds = entry["builds"]
    print(f"\n### {entry['name']}\n")
    print(
        "| run | exit | wall s | CPU s | peak memory MB | max process RSS MB "
        "| tree PSS (RSS) sum MB | spill MB | load avg | others' CPU s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for i, b in enumerate(builds, 1):
        _row(f"build {i}", b)
    if "rebuild" in entry:
        _row("rebuild (unchanged)", entry["rebuild"])
    if "no_insights" in entry:
        _row("build without insights", entry["no_insights"])
    if "stages" in entry:
        _row("stages (serial render)", entry["stages"])
    b = sorted(builds, key=lambda x: x["wall"])[len(builds) // 2]  # the median run
    t = b.get("timings", {})
    print("\nmanifest timings (s):", ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
    us = b.get("unit_seconds", {})
    if us:
        xs = [v.get("xlsx", 0.0) for v in us.values()]
        ps = [v.get("pptx", 0.0) for v in us.values()]
        print(
            f"per-unit documents (in the workers): xlsx Σ {sum(xs):.1f} s (max {max(xs):.1f}),"
            f" pptx Σ {sum(ps):.1f} s (max {max(ps):.1f}); status {b.get('status')}"
        )
    st = entry.get("stages", {}).get("result", {})
    if st:
        sums = _stage_sums(st)
        ins = st.get("insights", {})
        print(
            "stages run, compute_kpis phases (wall / CPU s): "
            + ", ".join(
                f"{k} {v['wall']:.1f} / {v['cpu']:.1f}" for k, v in st.get("phases", {}).items()
            )
        )
        print(
            "stages run: charts {charts:.1f} s, render {render:.1f} s, write {write:.1f} s"
            " (serial Σ over documents {documents:.1f} s, CPU {documents_cpu:.1f} s)".format(
                **{
                    "charts": 0.0,
                    "render": 0.0,
                    "write": 0.0,
                    "documents": 0.0,
                    "documents_cpu": 0.0,
                    **sums,
                }
            )
        )
        print(
            f"insights: {_f(ins.get('insights_wall'))} s; per analysis (Σ units): "
            + ", ".join(f"{k} {v:.1f}" for k, v in sorted(ins.get("per_analysis", {}).items()))
        )
        before = _f(ins.get("peak_rss_before_insights_mb"), ".0f")
        after = _f(ins.get("peak_rss_after_insights_mb"), ".0f")
        print(
            f"peak RSS of the stages process: load + KPIs {before} MB, with insights {after} MB,"
            f" after rendering {_f(st.get('peak_rss_end_mb'), '.0f')} MB"
        )
        if st.get("probes_missing"):
            print("probes not found (renderer changed?):", st["probes_missing"])
    ok = b["exit_code"] == 0
    mem = b["peak_memory_mb"]
    print(
        f"\ntarget < {TARGET_WALL_S:.0f} s and < {TARGET_MEMORY_MB / 1024:.0f} GB: wall "
        f"{b['wall']:.1f} s → {'met' if b['wall'] < TARGET_WALL_S else 'NOT met'}; peak memory "
        f"{mem:.0f} MB → {'met' if mem < TARGET_MEMORY_MB else 'NOT met'}"
        f"{'' if ok else ' (the build exited with ' + str(b['exit_code']) + ')'}"
    )


def _row(label: str, m: dict[str, Any]) -> None:
    print(
        f"| {label} | {m['exit_code']} | {m['wall']:.1f} | {m['cpu_s']:.1f} "
        f"| {m['peak_memory_mb']:.0f} "
        f"| {m['peak_rss_max_process_mb']:.0f} | {m['peak_tree_pss_sum_mb']:.0f} "
        f"({m['peak_tree_rss_sum_mb']:.0f}) | {m['peak_spill_mb']:.0f} "
        f"| {m['loadavg'][0]:.1f}→{m['loadavg'][1]:.1f} | {m['others_cpu_s']:.0f} |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sample", action="store_true", help="build the bundled sample inputs")
    ap.add_argument("--large", action="store_true", help="build the generated 10-unit set")
    ap.add_argument("--sample-config", type=Path, default=SAMPLE_CONFIG)
    ap.add_argument(
        "--data-dir", type=Path, default=REPO / "bench_data" / "build", help="git-ignored"
    )
    ap.add_argument("--reuse", action="store_true", help="reuse the generated data set")
    ap.add_argument("--units", type=int, default=10)
    ap.add_argument("--responses", type=float, default=10e6)
    ap.add_argument("--orders", type=float, default=50e6)
    ap.add_argument("--tickets", type=float, default=2e6)
    ap.add_argument("--customers", type=float, help="default: responses / 3")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, help="reportgen build --jobs (default: its own)")
    ap.add_argument("--repeats", type=int, default=1, help="build runs per scenario")
    ap.add_argument(
        "--memory-limit",
        help="set REPORTGEN_MEMORY_LIMIT for the runs (default: leave the environment alone)",
    )
    ap.add_argument("--no-rebuild", action="store_true", help="skip the unchanged second run")
    ap.add_argument("--no-stages", action="store_true", help="skip the in-process stage split")
    ap.add_argument(
        "--no-variant", action="store_true", help="skip the build with analytics.enabled: false"
    )
    ap.add_argument("--sample-interval", type=float, default=0.2, help="memory sampling, s")
    ap.add_argument("--today", type=_dt.date.fromisoformat, default=TODAY)
    ap.add_argument("--json", type=Path, help="also write every run's raw figures here")
    ap.add_argument(
        "--worker", choices=["generate", "stages", "memory-limit"], help=argparse.SUPPRESS
    )
    ap.add_argument("--worker-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker-config", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker-params", help=argparse.SUPPRESS)
    ap.add_argument("--worker-result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        sys.path.insert(0, str(REPO))
        if args.worker == "generate":
            worker_generate(args.worker_dir, json.loads(args.worker_params), args.worker_result)
        elif args.worker == "stages":
            worker_stages(args.worker_config, args.worker_dir, args.worker_result, args.today)
        else:
            worker_memory_limit(args.worker_result)
        return 0
    if not (args.sample or args.large):
        ap.error("give --sample and/or --large")

    entries = []
    if args.sample:
        entry = run_scenario("sample", args.sample_config.resolve(), args.data_dir / "sample", args)
        print_summary(entry)
        entries.append(entry)
    if args.large:
        params = {
            "units": args.units,
            "responses": int(args.responses),
            "orders": int(args.orders),
            "tickets": int(args.tickets),
            "customers": int(args.customers or args.responses / 3),
            "seed": args.seed,
        }
        data, info = ensure_large(args.data_dir, params, args.reuse, args.memory_limit)
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in info["rows"].items()))
        entry = run_scenario("large", data / "reportgen.yaml", args.data_dir / "large", args)
        entry["data"] = info
        print_summary(entry)
        entries.append(entry)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(entries, indent=1, default=str), encoding="utf-8")
        print(f"\nraw figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
