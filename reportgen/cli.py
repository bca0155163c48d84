"""The command line: parse, call the library, turn errors into one line and an exit code.

Exit codes: 0 ok · 1 unexpected error · 2 bad config or input (a ReportgenError) ·
3 some units of a build failed (the others were written) · 130 interrupted (Ctrl-C) ·
143 terminated (SIGTERM). No command ever prompts.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.exceptions import TyperException

from reportgen import __version__
from reportgen.errors import EXIT_UNEXPECTED, ReportgenError
from reportgen.workers import quiet_noisy_loggers

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Customer satisfaction & loyalty reports from raw CX exports.",
    pretty_exceptions_enable=False,
    # plain help: paragraphs re-wrapped to the terminal (rich keeps the docstrings'
    # line breaks and wraps them again), and <period> shown as written
    rich_markup_mode=None,
)
log = logging.getLogger("reportgen")

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", help="Report config (YAML).", envvar="REPORTGEN_CONFIG"),
]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        "-p",
        help="2025Q3, 2025H1, 2025, 2025-07, 2025-01-01..2025-03-31, previous-quarter, "
        "latest (default from config).",
    ),
]
UnitOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--unit",
        "-u",
        metavar="<unit>",
        help="Business unit id, name or alias; repeat for several.",
    ),
]
AllUnitsOpt = Annotated[bool, typer.Option("--all-units", help="Every configured unit (default).")]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", hidden=True, help="Pretend today is YYYY-MM-DD (relative periods)."),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class _State:
    debug = False
    quiet = False


def _setup_logging(debug: bool, quiet: bool, log_file: Path | None) -> None:
    """stderr: INFO and up (DEBUG with --debug, WARNING with --quiet); the log file,
    if any, gets INFO and up (DEBUG with --debug) whatever --quiet says."""
    level = logging.DEBUG if debug else logging.INFO
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING if quiet and not debug else level)
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(
        level=level,
        handlers=handlers,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_noisy_loggers()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", help="Also log to this file.")
    ] = None,
) -> None:
    _State.debug = debug
    _State.quiet = quiet
    _setup_logging(debug, quiet, log_file)


def _today(text: str | None) -> _dt.date:
    if text is None:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"--today {text!r}: expected YYYY-MM-DD") from None


def _units(unit: list[str] | None, all_units: bool) -> list[str] | None:
    if unit and all_units:
        raise typer.BadParameter("give either --unit or --all-units, not both")
    return None if all_units else unit


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command("sample-data")
def sample_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the data set to.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same files).")] = 7,
    scale: Annotated[float, typer.Option(help="Size multiplier; 1 ≈ 30k responses.")] = 1.0,
    layout: Annotated[
        str, typer.Option(help="'messy' (real-world formats) or 'parquet'.")
    ] = "messy",
) -> None:
    """Generate a realistic synthetic data set with its config."""
    from reportgen.sample_data import generate

    if layout not in ("messy", "parquet"):
        raise typer.BadParameter(f"--layout {layout!r}: expected 'messy' or 'parquet'")
    try:
        result = generate(out, seed=seed, scale=scale, layout=layout)  # type: ignore[arg-type]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for table, path in result.files.items():
        typer.echo(f"{table:<11} {path}  ({result.rows.get(table, 0):,} rows)")
    typer.echo(f"config      {result.config_path}")


@app.command("validate")
def validate(
    config: ConfigOpt = Path("reportgen.yaml"),
    period: PeriodOpt = None,
    today: TodayOpt = None,
) -> None:
    """Check the config and every source without computing KPIs."""
    from reportgen.config import load_config
    from reportgen.engine.registry import kpi_registry
    from reportgen.loading import Scope, load_dataset, warn_suspect_columns
    from reportgen.pipeline import (
        analysis_periods,
        check_config,
        check_period_spec,
        resolve_period,
    )

    cfg = load_config(config)
    check_config(cfg)
    check_period_spec(cfg, period, _today(today))
    ds = load_dataset(cfg, known_kpis=list(kpi_registry(cfg)))
    current = resolve_period(cfg, period, ds, _today(today))
    trend, prev, yoy = analysis_periods(cfg, current)
    periods = (*trend, prev, yoy)
    scope = Scope(start=min(p.start for p in periods), end=max(p.end for p in periods))
    recs = ds.reconcile(scope)
    warn_suspect_columns(recs, ds.quarantine())
    _print_reconciliation(recs)
    quarantined = sum(r.quarantined for r in recs)
    typer.echo(
        f"config OK · period {current.label} · {quarantined:,} row(s) quarantined"
        + (" (see 'reportgen build' → quarantine.csv)" if quarantined else "")
    )


def _print_reconciliation(recs: list) -> None:  # type: ignore[type-arg]
    for r in recs:
        reasons = ", ".join(f"{k} {v}" for k, v in r.quarantine_reasons.items()) or "-"
        filtered = ", ".join(f"{k} {v}" for k, v in r.filtered.items() if v) or "-"
        typer.echo(
            f"{r.table:<11} {r.source}: read {r.read:,} = loaded {r.loaded:,} + "
            f"quarantined {r.quarantined:,} + filtered {r.filtered_total:,}  "
            f"[quarantine: {reasons}; filtered: {filtered}]"
        )
        for w in r.warnings:
            typer.echo(f"            warning: {w}")


@app.command("kpis")
def kpis(
    config: ConfigOpt = Path("reportgen.yaml"),
    period: PeriodOpt = None,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", metavar="<dimension>", help="Break down by a dimension; repeatable."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh-CN.")] = None,
    today: TodayOpt = None,
) -> None:
    """Compute every KPI for the period and print it."""
    from reportgen.config import load_config
    from reportgen.export import to_csv, to_json
    from reportgen.pipeline import compute_kpis

    cfg = load_config(config)
    report = compute_kpis(
        cfg, period=period, units=_units(unit, all_units), today=_today(today), by=tuple(by or ())
    )
    if fmt is OutputFormat.json:
        sys.stdout.write(to_json(report))
    elif fmt is OutputFormat.csv:
        frame = report.scorecard if not by else report.breakdowns
        sys.stdout.write(to_csv(frame))
    else:
        _print_table(report, lang or cfg.report.language, cfg, tuple(by or ()))


def _print_table(report, lang: str, cfg, by: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    from reportgen.formatting import format_change, format_n, format_value, significance_mark
    from reportgen.texts import dimension_name, load_texts

    # Piped output: rich would wrap at 80 columns and split labels across lines.
    console = Console(width=None if sys.stdout.isatty() else 200)
    units = [*report.units, "all"]
    t = load_texts("cli", lang)
    # one table per unit; with --by, one per unit and dimension, a row per KPI × value
    for unit in units:
        name = cfg.unit(unit).names.get(lang) if unit != "all" else t("table.all_units")
        for dim in by or (None,):
            frame = report.scorecard if dim is None else report.breakdowns
            rows = frame[frame.unit == unit]
            rows = rows[rows.dimension.isna()] if dim is None else rows[rows.dimension == dim]
            dim_name = dimension_name(dim, lang) if dim else None
            title = " · ".join(x for x in (name, dim_name, report.period.display(lang)) if x)
            table = Table(title=title, title_justify="left")
            columns = (
                t("table.kpi"),
                *([dim_name] if dim_name else []),
                t("table.value"),
                t("table.n"),
                t("table.prev", period=report.previous.label),
                t("table.yoy", period=report.last_year.label),
                *([] if dim else [t("table.target"), t("table.benchmark")]),
            )
            for i, col in enumerate(columns):
                table.add_column(col, justify="left" if i <= (1 if dim else 0) else "right")
            for r in rows.itertuples(index=False):
                k = report.kpis[r.kpi]
                low = t("table.low_n") if r.low_n else ""
                missing = r.dim_value is None or r.dim_value != r.dim_value  # None or NaN
                value = "–" if missing else cfg.value_label(dim, r.dim_value, lang)
                table.add_row(
                    k.label(lang),
                    *([value] if dim else []),
                    format_value(r.value, r.value_unit, lang) + low,
                    format_n(r.n),
                    f"{format_change(r.change_prev, r.value_unit, lang)} "
                    f"{significance_mark(r.sig_prev, r.change_prev, r.direction)}",
                    f"{format_change(r.change_yoy, r.value_unit, lang)} "
                    f"{significance_mark(r.sig_yoy, r.change_yoy, r.direction)}",
                    *(
                        []
                        if dim
                        else [
                            format_value(r.target, r.value_unit, lang),
                            format_value(r.benchmark, r.value_unit, lang),
                        ]
                    ),
                )
            console.print(table)
    console.print(t("table.legend", alpha=cfg.statistics.alpha, min_n=cfg.statistics.min_n))


@app.command("build", short_help="Write every unit's and the group's deck, workbook and results.")
def build(
    config: ConfigOpt = Path("reportgen.yaml"),
    period: PeriodOpt = None,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Document language: en or zh-CN.")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Units built in parallel (default: CPU cores)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild units whose inputs did not change.")
    ] = False,
    today: TodayOpt = None,
) -> None:
    """Write the period's results (JSON/CSV) and every unit's deck and workbook, plus
    the group deck and workbook, under OUT/<period>/, with a manifest.json.

    Units whose inputs, config and version are unchanged since the last manifest are
    skipped. Exit 3 if some units failed (the others are written)."""
    from reportgen.batch import run_build
    from reportgen.config import LANGUAGES, load_config

    if lang is not None and lang not in LANGUAGES:
        raise typer.BadParameter(f"--lang {lang!r}: expected one of {list(LANGUAGES)}")
    cfg = load_config(config)
    out_dir = out if out is not None else cfg.path(cfg.report.output_dir)
    with _progress() as on_progress:
        result = run_build(
            cfg,
            out_dir=out_dir,
            period=period,
            units=_units(unit, all_units),
            lang=lang,
            jobs=jobs,
            force=force,
            today=_today(today),
            on_progress=on_progress,
        )
    if result.reconciliation and not _State.quiet:
        _print_reconciliation(list(result.reconciliation))
    _summary(result)
    result.raise_for_failures()


def _summary(result: Any) -> None:
    """A command's result lines on stdout; with --quiet only the failures, on stderr:
    a quiet run that went well prints nothing (cron mails any output)."""
    if _State.quiet:
        for line in result.lines(only_failures=True):
            typer.echo(line, err=True)
    else:
        for line in result.lines():
            typer.echo(line)


@contextlib.contextmanager
def _progress():  # type: ignore[no-untyped-def]
    """A progress bar on an interactive terminal (not with --quiet); otherwise nothing
    here — the build logs one line per unit instead."""
    if _State.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("units", total=None)

        def update(unit: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=unit)

        yield update


@app.command("send", short_help="E-mail each unit its workbook and a KPI summary.")
def send(
    config: ConfigOpt = Path("reportgen.yaml"),
    period: PeriodOpt = None,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder that 'build' wrote to.")
    ] = None,
    dry_run: Annotated[
        Path | None,
        typer.Option(
            "--dry-run",
            metavar="DIR",
            help="Write the exact messages as DIR/<unit>.eml instead of sending.",
        ),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh-CN.")] = None,
    today: TodayOpt = None,
) -> None:
    """E-mail each unit its workbook and a KPI summary (config 'email' section).

    Everything is checked first (recipients, workbooks, sizes, credentials); if anything
    is wrong, nothing is sent. Exit 2 if any unit's message was not fully delivered."""
    from reportgen.batch import mismatched_units
    from reportgen.config import load_config
    from reportgen.delivery.email import plan_messages, preflight, send_planned, write_eml
    from reportgen.errors import DeliveryError
    from reportgen.pipeline import compute_kpis

    cfg = load_config(config)
    language = lang or cfg.report.language
    credentials = preflight(cfg, lang=language, dry_run=dry_run is not None)
    report = compute_kpis(cfg, period=period, units=_units(unit, all_units), today=_today(today))
    out_dir = out if out is not None else cfg.path(cfg.report.output_dir)
    # the mail's figures are computed now: the attached files must be of the same data
    stale = mismatched_units(cfg, out_dir, report.period.label, language, report.units)
    if stale:
        raise DeliveryError(
            f"nothing was sent: the files under {out_dir / report.period.label} do not match "
            f"what would be mailed: {'; '.join(stale)}; run 'reportgen build --period "
            f"{report.period.label}' with the same config, --out and --lang first"
        )
    planned = plan_messages(cfg, report, out_dir=out_dir, lang=language)
    if dry_run is not None:
        result = write_eml(planned, dry_run)
    else:
        result = send_planned(cfg, planned, credentials)
    _summary(result)
    result.raise_for_failures()


class Terminated(SystemExit):
    """SIGTERM (systemd stop, kill): unwind so temporary files are removed, exit 143."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated(128 + signum)


def main() -> None:
    """Console-script entry point with the documented exit codes."""
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        # Without standalone mode, a typer.Exit(code) raised in a command comes back as
        # the return value instead of an exception.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except ReportgenError as exc:
        if _State.debug:
            log.exception("error")
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Terminated as exc:
        typer.echo("terminated", err=True)
        sys.exit(exc.code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except TyperException as exc:  # usage errors: typer prints them, exit code 2
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _State.debug:
            raise
        typer.echo(
            f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            err=True,
        )
        sys.exit(EXIT_UNEXPECTED)


if __name__ == "__main__":
    main()
