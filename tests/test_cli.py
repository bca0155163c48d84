"""The command line as a user runs it: real processes, real files, real exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    r = run("sample-data", "--out", str(out), "--scale", "0.3", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert "survey_responses.csv" in r.stdout and "reportgen.yaml" in r.stdout
    return out


def test_validate_prints_balanced_reconciliation(sample):
    r = run("validate", "--config", str(sample / "reportgen.yaml"), "--today", TODAY)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if " read " in ln]
    assert {ln.split()[0] for ln in lines} >= {"responses", "customers", "orders", "tickets"}
    for ln in lines:  # "read A = loaded B + quarantined C + filtered D"
        nums = [
            int(tok.replace(",", ""))
            for tok in ln.split("[")[0].split()
            if tok.replace(",", "").isdigit()
        ]
        read, loaded, quarantined, filtered = nums[:4]
        assert read == loaded + quarantined + filtered, ln
    assert "config OK · period 2026Q3" in r.stdout


def test_kpis_json_matches_library(sample):
    from reportgen.config import load_config
    from reportgen.pipeline import compute_kpis

    r = run(
        "kpis", "--config", str(sample / "reportgen.yaml"), "--format", "json", "--today", TODAY
    )
    assert r.returncode == 0, r.stderr

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")  # NaN/Infinity must be null

    data = json.loads(r.stdout, parse_constant=no_constants)
    assert data["period"] == "2026Q3" and data["previous_period"] == "2026Q2"
    assert data["same_period_last_year"] == "2025Q3"
    lib = compute_kpis(load_config(sample / "reportgen.yaml"), today=pd.Timestamp(TODAY).date())
    for unit in ("hotel", "all"):
        cli = next(x for x in data["scorecard"] if x["kpi"] == "nps" and x["unit"] == unit)
        assert cli["value"] == pytest.approx(lib.value("nps", unit))
        assert cli["n"] > 0 and cli["moe"] > 0


def test_kpis_csv_for_one_unit_by_alias(sample):
    r = run(
        "kpis",
        "--config",
        str(sample / "reportgen.yaml"),
        "--unit",
        "酒店",
        "--format",
        "csv",
        "--today",
        TODAY,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("kpi,unit,period")
    units = {ln.split(",")[1] for ln in lines[1:]}
    assert units == {"hotel", "all"}


def test_kpis_table_in_chinese(sample):
    r = run(
        "kpis",
        "--config",
        str(sample / "reportgen.yaml"),
        "--unit",
        "hotel",
        "--lang",
        "zh-CN",
        "--today",
        TODAY,
    )
    assert r.returncode == 0, r.stderr
    assert "酒店集团 · 2026年第三季度" in r.stdout
    assert "净推荐值（NPS）" in r.stdout and "首次解决率（FCR）" in r.stdout


def test_kpis_table_by_dimension_and_unknown_dimensions(sample):
    from reportgen.config import load_config
    from reportgen.pipeline import compute_kpis

    args = ("kpis", "--config", str(sample / "reportgen.yaml"), "--today", TODAY)
    r = run(*args, "--unit", "hotel", "--by", "channel", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Hotels · Channel · Q3 2026" in r.stdout
    cfg = load_config(sample / "reportgen.yaml")
    report = compute_kpis(cfg, today=dt.date(2026, 11, 23), by=("channel",))
    b = report.breakdowns
    row = b[(b.unit == "hotel") & (b.kpi == "csat") & (b.dim_value == "电话")].iloc[0]
    phone = cfg.value_label("channel", "电话", "en")
    line = next(x for x in r.stdout.splitlines() if x.startswith("│ CSAT ") and f" {phone} " in x)
    assert f"{row.value:.1%}" in line and f" {int(row.n)} " in line
    r = run(*args, "--unit", "hotel", "--by", "channel", "--lang", "zh-CN")
    assert "酒店集团 · 渠道 · 2026年第三季度" in r.stdout
    for fmt in ("table", "csv"):
        r = run(*args, "--by", "bogus", "--format", fmt)
        assert r.returncode == 2 and "unknown breakdown dimension(s) ['bogus']" in r.stderr


def _members(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_build_writes_outputs_deterministically(sample, tmp_path):
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        r = run(
            "build", "--config", str(sample / "reportgen.yaml"), "--out", str(out), "--today", TODAY
        )
        assert r.returncode == 0, r.stderr
        outs.append(out / "2026Q3")
    names = sorted(p.name for p in outs[0].iterdir() if p.is_file())
    units = ["after_sales", "ecommerce", "finance", "hotel", "retail", "telecom"]
    assert sorted(p.name for p in outs[0].iterdir() if p.is_dir()) == ["_group", *units]
    for unit in units:  # content: tests/test_render_xlsx.py and tests/test_deck.py
        assert sorted(p.name for p in (outs[0] / unit).iterdir()) == [
            f"{unit}_2026Q3.pptx",
            f"{unit}_2026Q3.xlsx",
        ]
    assert sorted(p.name for p in (outs[0] / "_group").iterdir()) == [
        "group_2026Q3.pptx",
        "group_2026Q3.xlsx",
    ]
    for office in [*outs[0].glob("*/*.xlsx"), *outs[0].glob("*/*.pptx")]:
        twin = outs[1] / office.relative_to(outs[0])
        assert _members(office) == _members(twin), office  # same document content
    assert names == [
        "breakdowns.csv",
        "kpis.json",
        "manifest.json",
        "quarantine.csv",
        "reconciliation.csv",
        "scorecard.csv",
        "trends.csv",
    ]
    for name in names:
        if name != "manifest.json":  # it records the run (time, timings)
            assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    score = pd.read_csv(outs[0] / "scorecard.csv", encoding="utf-8-sig")
    assert set(score.unit) == {
        "retail",
        "finance",
        "hotel",
        "after_sales",
        "ecommerce",
        "telecom",
        "all",
    }
    quarantine = pd.read_csv(outs[0] / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    assert len(quarantine) > 0 and {"file", "row", "column", "value", "reason"} <= set(
        quarantine.columns
    )
    # values written to CSV can't start a formula (a planted '-1' becomes text)
    assert not quarantine.value.dropna().str.match(r"^[=+\-@]").any()
    # send mails figures it computes now: only beside files built from the same data
    config = sample / "reportgen.yaml"
    send = ("send", "--out", str(tmp_path / "out0"), "--today", TODAY, "--unit", "hotel")
    r = run(*send, "--config", str(config), "--dry-run", str(tmp_path / "mail"))
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["hotel.eml"]
    r = run(*send, "--config", str(config), "--dry-run", str(tmp_path / "m2"), "--lang", "en")
    assert r.returncode == 2 and not (tmp_path / "m2").exists()
    assert "hotel: built from other data (built in zh-CN, not en (--lang))" in r.stderr
    edited = sample / "edited.yaml"
    edited.write_text(config.read_text(encoding="utf-8").replace("  min_n: 30", "  min_n: 31"))
    r = run(*send, "--config", str(edited), "--dry-run", str(tmp_path / "m3"))
    assert r.returncode == 2 and not (tmp_path / "m3").exists()
    assert "hotel: built from other data (the config changed)" in r.stderr
    assert "run 'reportgen build --period 2026Q3' with the same config" in r.stderr


def test_bad_config_key_is_one_line_and_exit_2(tmp_path, sample):
    cfg = (sample / "reportgen.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(cfg.replace("  min_n: 30", "  min_nn: 30"), encoding="utf-8")
    r = run("kpis", "--config", str(bad))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0, r.stderr
    assert "statistics.min_nn: unknown key" in r.stderr and "Did you mean 'min_n'" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kpis", "--config", "missing.yaml"], "config file 'missing.yaml' not found"),
        (["kpis", "--unit", "nowhere"], "unknown business unit 'nowhere'"),
        (["kpis", "--period", "2025Q5"], "quarter 5"),
        # a period after the data end: no invented figures (churn 0 % from the CRM alone)
        (["kpis", "--period", "2027Q1"], "period 2027Q1 (2027-01-01 – 2027-03-31) has no data"),
        (
            ["build", "--period", "previous-quarter", "--today", "2027-06-01", "--out", "o"],
            "period 2027Q1 (2027-01-01 – 2027-03-31) has no data: the latest survey response",
        ),
        # and before the data start: the build crashed with exit 1 (ArrowInvalid)
        (
            ["build", "--period", "2015", "--out", "o"],
            "period 2015 (2015-01-01 – 2015-12-31) has no data: no survey response, order or "
            "ticket is dated in it",
        ),
        (["validate", "--period", "2015"], "period 2015 (2015-01-01 – 2015-12-31) has no data"),
        # a spec that means no period at all is refused before the data are loaded
        (["validate", "--period", "2025-13"], "2025-13"),
        (["kpis", "--period", ""], "--period is empty"),
    ],
)
def test_user_errors_exit_2(sample, args, message):
    if "--config" not in args:
        args = [*args, "--config", str(sample / "reportgen.yaml")]
    r = run(*args, cwd=sample)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert not (sample / "o").exists()


def test_an_output_folder_that_cannot_be_written_is_exit_2_before_loading(sample, tmp_path):
    # "NotADirectoryError ... exit 1" after loading every source: now one line, exit 2
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder", encoding="utf-8")
    config = str(sample / "reportgen.yaml")
    for out in (blocker, blocker / "sub"):
        r = run("build", "--config", config, "--out", str(out))
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert f"'{blocker}' is a file, not a folder" in r.stderr
        assert "loading" not in r.stderr and "Traceback" not in r.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    if os.geteuid() != 0:  # root writes anywhere: only a non-root run can test this
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            r = run("build", "--config", config, "--out", str(locked / "out"))
        finally:
            locked.chmod(0o700)
        assert r.returncode == 2 and f"cannot write in '{locked}'" in r.stderr, r.stderr


def test_usage_error_exit_2():
    r = run("kpis", "--no-such-option")
    assert r.returncode == 2 and "No such option" in r.stderr


def test_debug_shows_traceback(sample):
    r = run("--debug", "kpis", "--config", str(sample / "reportgen.yaml"), "--unit", "x")
    assert r.returncode == 2 and "Traceback" in r.stderr


def test_unexpected_error_exit_1(monkeypatch, capsys):
    """A bug (not a user error) exits 1 with one line pointing at --debug."""
    import reportgen.config
    from reportgen import cli

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sys, "argv", ["reportgen", "kpis", "--config", "x.yaml"])
    monkeypatch.setattr(reportgen.config, "load_config", boom)
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: kaboom" in err and "--debug" in err


def test_exit_code_raised_inside_a_command_is_kept(monkeypatch):
    import typer

    from reportgen import cli

    def exits(*args, **kwargs):
        raise typer.Exit(3)

    monkeypatch.setattr(sys, "argv", ["reportgen", "kpis", "--config", "x.yaml"])
    import reportgen.config

    monkeypatch.setattr(reportgen.config, "load_config", exits)
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 3


def test_help_reads_as_written_and_is_rewrapped() -> None:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", "--help"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "OUT/<period>/" in r.stdout  # not taken for markup
    # a docstring's line breaks are not kept: its paragraphs are wrapped to the width
    assert "are skipped" in r.stdout and max(map(len, r.stdout.splitlines())) <= 80
    assert "-u, --unit <unit>" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "reportgen", "--help"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "build        Write every unit's and the group's deck, workbook and results." in r.stdout


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["kpis"].update(select=["csat", "nsp"]),
            "kpis.select: unknown KPI id(s) ['nsp']",
        ),
        (
            lambda c: c.update(
                targets=[{"unit": "家居", "period": "2026Q3", "kpi": "csat", "target": 0.8}]
            ),
            "targets[0].unit: unknown business unit '家居'",
        ),
        (
            lambda c: c.update(
                targets=[{"unit": "all", "period": "2026Q5", "kpi": "csat", "target": 0.8}]
            ),
            "targets[0].period: '2026Q5'",
        ),
    ],
)
def test_validate_catches_what_kpis_would_reject(sample, tmp_path, edit, message):
    import yaml

    data = yaml.safe_load((sample / "reportgen.yaml").read_text(encoding="utf-8"))
    data.setdefault("kpis", {})
    edit(data)
    bad = sample / f"bad-{tmp_path.name}.yaml"  # beside the data its paths name
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for command in ("validate", "kpis"):
        r = run(command, "--config", str(bad), "--today", TODAY, cwd=sample)
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        assert message in r.stderr and "config OK" not in r.stdout


def test_a_mistyped_future_date_does_not_move_latest(sample, tmp_path):
    # one response dated 2029 (for 2025): 'latest' stays the latest complete period
    # before the run date, and the row is named as suspect
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    responses = data / "survey_responses.csv"
    last = responses.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    fields = last.split(b",")
    typo = b",".join([b"SX" + fields[0][2:], fields[1], b"2029-01-01", *fields[3:]])
    responses.write_bytes(responses.read_bytes().rstrip(b"\r\n") + b"\n" + typo + b"\n")
    r = run("validate", "--config", str(data / "reportgen.yaml"))  # the run date: today
    assert r.returncode == 0, r.stderr
    assert "period 2026Q3" in r.stdout, r.stdout
    assert "responses: 1 row(s) dated after the run date" in r.stderr
    assert "the latest 2029-01-01: mistyped dates?" in r.stderr
