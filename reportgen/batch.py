"""Batch builds: every unit's deck and workbook from one KPI computation, in parallel,
incremental, with a manifest that proves which data produced which numbers.

The flow of :func:`run_build`:

1. Fingerprint the run's inputs: tool version, the validated config, every input file
   (path, size, SHA-256) and the template files the config names. A unit's fingerprint
   adds the period, the language and the unit id.
2. Read the previous manifest of the period (``OUT/<period>/manifest.json``). A unit
   whose fingerprint is unchanged and whose recorded outputs are still on disk with
   the recorded hashes is *skipped* (``force`` rebuilds regardless). When every
   requested unit is skipped, the data are not even loaded.
3. Otherwise compute every KPI once for all units (:func:`reportgen.pipeline.compute_kpis`),
   take the insight analyses' extracts, and write the period's JSON/CSV results.
4. Build the units in ``jobs`` processes, this one and ``jobs - 1`` spawned workers:
   each runs a unit's insight analyses on the unit's extracts, then renders its documents. A
   unit's failure is recorded and the other units complete; files are written
   atomically (:mod:`reportgen.delivery.files`), so a failed or killed unit keeps its
   previous good files.
5. Write the manifest (atomically, last). Units not requested in this run keep their
   entries from the previous manifest, so it always describes the whole folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reportgen import __version__
from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_text, check_writable_folder, sha256_file
from reportgen.engine.compute import ALL
from reportgen.errors import BatchError, PeriodError, ReportgenError
from reportgen.export import GROUP_FOLDER, MANIFEST, output_path, write_results
from reportgen.workers import default_jobs, fed, make_pool, warm

log = logging.getLogger(__name__)

MANIFEST_FORMAT = 1

Status = Literal["built", "skipped", "failed", "kept"]


@dataclass(frozen=True)
class OutputRecord:
    """One written file: its path relative to the output folder, hash and size."""

    path: str
    sha256: str
    bytes: int

    @classmethod
    def of(cls, path: Path, out_dir: Path) -> OutputRecord:
        return cls(
            path=path.relative_to(out_dir).as_posix(),
            sha256=sha256_file(path),
            bytes=path.stat().st_size,
        )

    def intact(self, out_dir: Path) -> bool:
        p = out_dir / self.path
        try:
            return p.stat().st_size == self.bytes and sha256_file(p) == self.sha256
        except OSError:
            return False


@dataclass(frozen=True)
class UnitOutcome:
    """What happened to one unit (or ``all``, the group) in this run."""

    unit: str
    status: Status
    fingerprint: str
    outputs: tuple[OutputRecord, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "fingerprint": self.fingerprint,
            "outputs": [dataclasses.asdict(o) for o in self.outputs],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, unit: str, d: dict[str, Any]) -> UnitOutcome:
        return cls(
            unit=unit,
            status=d["status"],
            fingerprint=d["fingerprint"],
            outputs=tuple(OutputRecord(**o) for o in d.get("outputs", ())),
            seconds=dict(d.get("seconds", {})),
            error=d.get("error"),
        )


@dataclass(frozen=True)
class BuildResult:
    period: str
    out_dir: Path
    manifest: Path
    outcomes: tuple[UnitOutcome, ...]
    results: tuple[OutputRecord, ...]  # the period's JSON/CSV files (empty when all skipped)
    timings: dict[str, float]
    #: the per-file row accounts of this run (empty when nothing was loaded)
    reconciliation: tuple[Any, ...] = ()

    @property
    def failed(self) -> tuple[UnitOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    def lines(self, *, only_failures: bool = False) -> list[str]:
        """One line per file written, unit skipped or unit failed (``only_failures``:
        the failed units' lines alone)."""
        out = (
            []
            if only_failures
            else [f"results: wrote {self.out_dir / r.path}" for r in self.results]
        )
        for o in self.outcomes:
            name = "group" if o.unit == ALL else o.unit
            if o.status == "failed":
                out.append(f"{name}: FAILED: {o.error}")
            elif only_failures:
                continue
            elif o.status == "skipped":
                out.append(f"{name}: unchanged, skipped (--force rebuilds)")
            else:
                for rec in o.outputs:
                    out.append(f"{name}: wrote {self.out_dir / rec.path}")
        if not only_failures:
            out.append(f"manifest: {self.manifest}")
        return out

    def raise_for_failures(self) -> None:
        if self.failed:
            names = ", ".join("group" if o.unit == ALL else o.unit for o in self.failed)
            raise BatchError(
                f"{len(self.failed)} of {len(self.outcomes)} unit build(s) failed ({names}); "
                "the others were written, and the failed units kept their previous files"
            )


# -- fingerprints ----------------------------------------------------------------


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_digest(config: ReportConfig) -> str:
    """SHA-256 of the validated config (comments and formatting do not count)."""
    return _sha256_text(config.model_dump_json(exclude={"base_dir"}))


def input_files(config: ReportConfig) -> list[dict[str, Any]]:
    """Every file the run reads: sources, then the deck template and spec, with size and
    SHA-256. A database reached by URL cannot be hashed: it is listed with
    ``sha256: null`` and makes every unit count as changed."""
    out: list[dict[str, Any]] = []

    def add(role: str, path: Path) -> None:
        p = config.path(path)
        try:
            out.append(
                {"role": role, "path": str(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            )
        except OSError as exc:
            out.append(
                {"role": role, "path": str(p), "bytes": None, "sha256": None, "error": exc.strerror}
            )

    for table, src in config.sources.items():
        if src.path is not None:
            add(table, src.path)
        elif src.sql is not None:
            url = src.sql.url
            for prefix in ("duckdb:///", "sqlite:///"):
                if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
                    add(table, Path(url[len(prefix) :]))
                    break
            else:
                out.append({"role": table, "path": _redact_url(url), "bytes": None, "sha256": None})
    deck = config.report.deck
    for role, p in (("deck_template", deck.template), ("deck_spec", deck.spec)):
        if p is not None:
            add(role, p)
    return out


def _redact_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a SQLAlchemy URL: show only its scheme
        return url.split("://", 1)[0] + "://…"


def unit_fingerprint(
    unit: str, period: str, lang: str, config_sha: str, inputs: Sequence[dict[str, Any]]
) -> str | None:
    """SHA-256 over everything a unit's documents depend on; None if an input could not
    be hashed (then the unit is always rebuilt)."""
    if any(i.get("sha256") is None for i in inputs):
        return None
    doc = {
        "version": __version__,
        "config": config_sha,
        "inputs": [(i["role"], i["sha256"]) for i in inputs],
        "period": period,
        "lang": lang,
        "unit": unit,
    }
    return _sha256_text(json.dumps(doc, sort_keys=True))


# -- the previous manifest -----------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A previous manifest, or None if there is none or it cannot be used (then every
    unit is rebuilt and a new manifest replaces it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable (%s); every unit is rebuilt", path, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        log.warning("%s: not a manifest of this version; every unit is rebuilt", path)
        return None
    return data


def mismatched_units(
    config: ReportConfig, out_dir: Path, label: str, lang: str, units: Sequence[str]
) -> list[str]:
    """Units whose documents under ``OUT/<label>/`` were not built from the inputs, config
    and language given now (per that period's manifest: fingerprints and output hashes),
    each with what differs; empty when they all match. Without a manifest nothing can be
    compared: a warning, no problem."""
    folder = Path(out_dir) / label
    manifest = read_manifest(folder / MANIFEST)
    if manifest is None:
        log.warning("%s: no %s; cannot check that its files match these inputs", folder, MANIFEST)
        return []
    config_sha = config_digest(config)
    inputs = input_files(config)
    differs = []
    if manifest.get("config", {}).get("sha256") != config_sha:
        differs.append("the config changed")
    built = {(i.get("role"), i.get("sha256")) for i in manifest.get("inputs", [])}
    changed = [i["role"] for i in inputs if (i["role"], i.get("sha256")) not in built]
    if changed:
        differs.append(f"input(s) changed: {', '.join(changed)}")
    built_lang = manifest.get("request", {}).get("lang")
    if built_lang != lang:
        differs.append(f"built in {built_lang}, not {lang} (--lang)")
    problems = []
    for unit in units:
        prev = manifest.get("units", {}).get(unit)
        fingerprint = unit_fingerprint(unit, label, lang, config_sha, inputs)
        # (an input that cannot be hashed, e.g. a database URL, has no fingerprint: then
        # only the files are compared)
        if _up_to_date(prev, fingerprint, out_dir) and not differs:
            continue
        if prev is None or prev.get("status") not in _BUILT or not prev.get("outputs"):
            problems.append(f"{unit}: not built in {folder}")
        elif prev.get("fingerprint") != fingerprint or differs:
            problems.append(f"{unit}: built from other data ({'; '.join(differs) or 'changed'})")
        else:
            problems.append(f"{unit}: its files changed since they were built")
    return problems


#: Manifest statuses of a unit whose documents are on disk.
_BUILT = ("built", "skipped", "kept")


def _up_to_date(prev: dict[str, Any] | None, fingerprint: str | None, out_dir: Path) -> bool:
    """Whether the manifest's entry ``prev`` holds documents built with ``fingerprint``
    that are still on disk as recorded."""
    return (
        prev is not None
        and prev.get("fingerprint") == fingerprint
        and prev.get("status") in _BUILT
        and bool(prev.get("outputs"))
        and all(OutputRecord(**o).intact(out_dir) for o in prev["outputs"])
    )


def _resolve_period_label(
    config: ReportConfig,
    spec: str | None,
    today: _dt.date,
    out_dir: Path,
    config_sha: str,
    inputs: Sequence[dict[str, Any]],
) -> str | None:
    """The period label without loading data when possible: explicit and relative
    specs parse on their own; ``latest`` is taken from a previous manifest made from
    the same config and inputs. None when the data must be loaded to know it."""
    from reportgen.periods import parse_period

    spec = spec or config.periods.default
    try:
        return parse_period(
            spec, fiscal_year_start_month=config.periods.fiscal_year_start_month, today=today
        ).label
    except PeriodError:
        pass
    digest = [(i["role"], i["sha256"]) for i in inputs]
    for path in sorted(out_dir.glob(f"*/{MANIFEST}")):
        m = read_manifest(path)
        if (
            m is not None
            and m.get("request", {}).get("period") == spec
            and m.get("config", {}).get("sha256") == config_sha
            and [(i["role"], i["sha256"]) for i in m.get("inputs", [])] == digest
        ):
            return str(m["period"]["label"])
    return None


# -- rendering one unit (in a worker process) ------------------------------------------


@dataclass(frozen=True)
class _Task:
    unit: str
    fingerprint: str
    paths: dict[str, Path]  # kind ("xlsx", "pptx") → target


def _render_unit(
    report: Any,
    kpi_ids: tuple[str, ...],
    config: ReportConfig,
    lang: str,
    task: _Task,
    out_dir: Path,
    insight_job: tuple[Any, ...] | None = None,
) -> UnitOutcome:
    """Run the unit's insight analyses (``insight_job``: the arguments of
    :func:`reportgen.analytics.insights.analyse_unit`, None when the report holds them
    or they are not wanted), then write its documents; never raises (a failure is the
    outcome)."""
    from reportgen.engine.registry import kpi_registry

    seconds: dict[str, float] = {}
    written: list[OutputRecord] = []
    try:
        if not report.kpis:  # came through pickling without its callables: rebuild them
            registry = kpi_registry(config)
            report = dataclasses.replace(report, kpis={k: registry[k] for k in kpi_ids})
        if insight_job is not None:
            from reportgen.analytics.insights import Insights, analyse_unit

            t = time.perf_counter()
            found = analyse_unit(*insight_job)
            report = dataclasses.replace(report, insights=Insights({task.unit: found}))
            seconds["insights"] = time.perf_counter() - t
        for kind, path in task.paths.items():
            t = time.perf_counter()
            _write_document(kind, report, config, task.unit, path, lang)
            seconds[kind] = time.perf_counter() - t
            written.append(OutputRecord.of(path, out_dir))
    except Exception as exc:  # noqa: BLE001 - one unit's failure must not stop the others
        detail = str(exc) if isinstance(exc, ReportgenError) else f"{type(exc).__name__}: {exc}"
        log.debug("%s: build failed", task.unit, exc_info=True)
        return UnitOutcome(task.unit, "failed", task.fingerprint, tuple(written), seconds, detail)
    return UnitOutcome(task.unit, "built", task.fingerprint, tuple(written), seconds)


def _write_document(
    kind: str, report: Any, config: ReportConfig, unit: str, path: Path, lang: str
) -> None:
    if kind == "pptx":
        from reportgen.render.pptx import write_deck

        write_deck(report, config, unit, path, lang)
    elif unit == ALL:
        from reportgen.render.xlsx_group import write_group_workbook

        write_group_workbook(report, config, path, lang)
    else:
        from reportgen.render.xlsx import write_workbook

        write_workbook(report, config, unit, path, lang)


def _worker(payload: tuple[Any, ...]) -> UnitOutcome:
    return _render_unit(*payload)


# -- the run ---------------------------------------------------------------------------


class _WarningLog(logging.Handler):
    """Collects the run's warnings for the manifest."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def run_build(
    config: ReportConfig,
    *,
    out_dir: Path,
    period: str | None = None,
    units: Sequence[str] | None = None,
    lang: str | None = None,
    jobs: int | None = None,
    force: bool = False,
    today: _dt.date | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> BuildResult:
    """Build the requested units' documents (every unit and the group when ``units`` is
    None) for one period. See the module docstring for the steps."""
    from reportgen.pipeline import compute_kpis, resolve_units

    started = time.perf_counter()
    timings: dict[str, float] = {}
    warnings = _WarningLog()
    logging.getLogger("reportgen").addHandler(warnings)
    stack = contextlib.ExitStack()
    try:
        today = today or _dt.date.today()
        lang = lang or config.report.language
        jobs = jobs or default_jobs()
        out_dir = Path(out_dir)
        check_writable_folder(out_dir)  # before the data are loaded, not after
        wanted = resolve_units(config, units)
        group = not units
        targets = [*wanted, *([ALL] if group else [])]

        t = time.perf_counter()
        config_sha = config_digest(config)
        inputs = input_files(config)
        timings["fingerprint"] = time.perf_counter() - t

        label = _resolve_period_label(config, period, today, out_dir, config_sha, inputs)
        # Spawned workers, warming up while the data load; each runs a unit's insight
        # analyses on the unit's extracts, then renders its documents. This process
        # builds units too once the data are loaded, so ``jobs`` = workers + 1.
        pool = make_pool(min(jobs, len(targets)) - 1)
        if pool is not None:
            stack.enter_context(pool)
        report = None
        if label is None:
            warm(pool)
            report = compute_kpis(
                config, period=period, today=today, by=tuple(config.dimensions), insights="inputs"
            )
            label = report.period.label
        folder = out_dir / label
        previous = read_manifest(folder / MANIFEST)
        prev_units: dict[str, Any] = (previous or {}).get("units", {})

        fingerprints = {u: unit_fingerprint(u, label, lang, config_sha, inputs) for u in targets}
        to_build: list[str] = []
        outcomes: dict[str, UnitOutcome] = {}
        for u in targets:
            fp = fingerprints[u]
            prev = prev_units.get(u)
            unchanged = not force and fp is not None and _up_to_date(prev, fp, out_dir)
            if unchanged:
                outcomes[u] = dataclasses.replace(UnitOutcome.from_dict(u, prev), status="skipped")
            else:
                to_build.append(u)

        results: tuple[OutputRecord, ...] = ()
        reconciliation = (previous or {}).get("reconciliation", [])
        period_info = (previous or {}).get("period")
        if to_build:
            if report is None:
                warm(pool)
                report = compute_kpis(
                    config,
                    period=period,
                    today=today,
                    by=tuple(config.dimensions),
                    insights="inputs",
                )
            timings.update({k: round(v, 3) for k, v in report.timings.items()})
            if report.period.label != label:  # a stale manifest named another period
                raise BatchError(
                    f"period {period!r} resolved to {report.period.label}, not {label}; "
                    "rerun with --force"
                )
            t = time.perf_counter()
            results = tuple(OutputRecord.of(p, out_dir) for p in write_results(report, out_dir))
            timings["results"] = time.perf_counter() - t
            reconciliation = [r.as_dict() for r in report.reconciliation]
            period_info = {
                "label": report.period.label,
                "start": report.period.start.isoformat(),
                "end": report.period.last_day.isoformat(),
                "previous": report.previous.label,
                "last_year": report.last_year.label,
            }
            t = time.perf_counter()
            # The group first: the longest task (the all-units analyses and documents);
            # started last, it would leave the other workers idle at the end.
            tasks = [
                _Task(u, fingerprints[u] or "", _document_paths(config, out_dir, label, u, lang))
                for u in sorted(to_build, key=lambda u: u != ALL)
            ]
            rendered = _render_all(report, config, lang, tasks, out_dir, pool)
            for done, outcome in enumerate(rendered, start=1):
                outcomes[outcome.unit] = outcome
                name = "group" if outcome.unit == ALL else outcome.unit
                if outcome.status == "failed":
                    log.error("[%d/%d] %s: FAILED: %s", done, len(tasks), name, outcome.error)
                else:
                    log.info(
                        "[%d/%d] %s: built in %.1f s",
                        done,
                        len(tasks),
                        name,
                        sum(outcome.seconds.values()),
                    )
                if on_progress is not None:
                    on_progress(outcome.unit, done, len(tasks))
            timings["render"] = time.perf_counter() - t
        else:
            log.info("%s: every requested unit is unchanged; nothing rebuilt", label)
            return BuildResult(
                label, out_dir, folder / MANIFEST, tuple(outcomes[u] for u in targets), (), {}
            )

        ordered = tuple(outcomes[u] for u in targets)
        kept = {
            u: dataclasses.replace(UnitOutcome.from_dict(u, d), status="kept")
            for u, d in prev_units.items()
            if u not in outcomes
        }
        timings["total"] = time.perf_counter() - started
        manifest = {
            "format": MANIFEST_FORMAT,
            "tool": {
                "name": "reportgen",
                "version": __version__,
                "python": platform.python_version(),
            },
            "run": {
                "started_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "argv": sys.argv[1:],
            },
            "request": {
                "period": period or config.periods.default,
                "units": list(units) if units else "all",
                "lang": lang,
                "jobs": jobs,
                "force": force,
            },
            "config": {"sha256": config_sha},
            "inputs": inputs,
            "period": period_info,
            "reconciliation": reconciliation,
            "results": [dataclasses.asdict(r) for r in results]
            or (previous or {}).get("results", []),
            "units": {
                **{u: o.as_dict() for u, o in kept.items()},
                **{u: o.as_dict() for u, o in outcomes.items()},
            },
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "warnings": warnings.messages,
        }
        manifest_path = atomic_write_text(
            folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        )
        return BuildResult(
            label,
            out_dir,
            manifest_path,
            ordered,
            results,
            timings,
            tuple(report.reconciliation) if report is not None else (),
        )
    finally:
        stack.close()
        logging.getLogger("reportgen").removeHandler(warnings)


def _document_paths(
    config: ReportConfig, out_dir: Path, label: str, unit: str, lang: str
) -> dict[str, Path]:
    return {k: output_path(config, out_dir, label, unit, f".{k}", lang) for k in ("xlsx", "pptx")}


def _render_all(
    report: Any,
    config: ReportConfig,
    lang: str,
    tasks: Sequence[_Task],
    out_dir: Path,
    pool: ProcessPoolExecutor | None,
) -> Iterator[UnitOutcome]:
    """Yield each task's outcome as it finishes (in this process without a pool)."""
    kpi_ids = tuple(report.kpis)
    inputs = report.insight_inputs

    def job(task: _Task) -> tuple[Any, ...] | None:  # theme names in the documents' language
        return inputs.job(task.unit, lang) if inputs is not None else None

    if pool is None or len(tasks) <= 1:
        for task in tasks:
            yield _render_unit(report, kpi_ids, config, lang, task, out_dir, job(task))
        return
    # The KPI callables do not pickle (workers rebuild them from the config); each
    # worker gets its own unit's extracts, cut when it is free for them.
    portable = dataclasses.replace(report, kpis={}, insight_inputs=None)
    for task, fut in fed(
        pool,
        tasks,
        lambda t: (_worker, (portable, kpi_ids, config, lang, t, out_dir, job(t))),
        here=True,
    ):
        try:
            yield fut.result()
        except Exception as exc:  # noqa: BLE001 - a worker died (e.g. out of memory)
            yield UnitOutcome(
                task.unit,
                "failed",
                task.fingerprint,
                (),
                {},
                f"worker process failed: {type(exc).__name__}: {exc}",
            )


__all__ = [
    "GROUP_FOLDER",
    "MANIFEST",
    "BuildResult",
    "OutputRecord",
    "UnitOutcome",
    "config_digest",
    "mismatched_units",
    "input_files",
    "read_manifest",
    "run_build",
    "unit_fingerprint",
]
