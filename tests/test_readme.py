"""The README is the contract: its two top commands and every documented command work."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def _lines(block: str) -> list[str]:
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]


def test_exactly_two_commands_at_the_top():
    top = _lines(BLOCKS[0])
    assert len(top) == 2, top
    assert top[0].startswith("python3 -m venv .venv && ") and "reportgen build" in top[0]
    assert "--out out" in top[0] and "sample_inputs/reportgen.yaml" in top[0]
    assert top[1].startswith("python3 -m venv .venv && ") and "pytest" in top[1]
    assert README.index("```bash") < README.index("## ")  # before any section


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _lines(BLOCKS[0])[1]
    assert test_command in ci.splitlines()


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    args = shlex.split(command)
    assert args[0] == "reportgen", command
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_main_command_writes_the_outputs(tmp_path):
    """The reportgen part of the first top command, from a checkout-like folder."""
    shutil.copytree(REPO / "sample_inputs", tmp_path / "sample_inputs")
    command = _lines(BLOCKS[0])[0].rsplit("&& ", 1)[1].replace(".venv/bin/reportgen", "reportgen")
    r = _run(command, tmp_path)
    assert r.returncode == 0, r.stderr
    period = tmp_path / "out" / "2026Q3"
    assert (period / "kpis.json").read_text(encoding="utf-8").count('"kpi": "csat"') >= 7
    assert "responses" in (period / "reconciliation.csv").read_text(encoding="utf-8-sig")
    assert (period / "retail" / "retail_2026Q3.xlsx").is_file()


def test_documented_commands_run_in_order(tmp_path):
    """Every `reportgen …` line of the README's other examples, in the order written."""
    commands = [ln for block in BLOCKS[1:] for ln in _lines(block) if ln.startswith("reportgen ")]
    assert len(commands) >= 6
    for command in commands:
        r = _run(command, tmp_path)
        assert r.returncode == 0, (command, r.stderr[-2000:])
    assert (tmp_path / "demo-out" / "2026" / "scorecard.csv").is_file()
    eml = (tmp_path / "demo-mail" / "hotel.eml").read_bytes()
    assert b"zhou.min@example.com" in eml and b"hotel_2026Q3.xlsx" in eml


@pytest.mark.parametrize(
    "kpi",
    [
        "csat",
        "nps",
        "ces",
        "csi",
        "churn_rate",
        "fcr",
        "clv_simple",
        "complaint_resolution_rate",
        "repurchase_rate",
        "aov",
    ],
)
def test_kpis_are_documented(kpi):
    assert f"`{kpi}`" in README


def test_every_registry_kpi_is_documented():
    from reportgen.config import load_config
    from reportgen.engine.registry import kpi_registry

    ids = kpi_registry(load_config(REPO / "sample_inputs" / "reportgen.yaml"))
    for kpi in ids:
        assert f"`{kpi}`" in README or kpi.startswith("attr_"), kpi


def test_every_reason_code_is_documented():
    from reportgen.loading.normalize import REASONS

    for code in REASONS:
        assert f"`{code}`" in README, code


def _recipe_commands() -> list[list[str]]:
    """The reportgen invocations of the cron and systemd recipes."""
    cron = re.findall(r"```cron\n(.*?)```", README, flags=re.S)
    units = re.findall(r"```ini\n(.*?)```", README, flags=re.S)
    assert len(cron) == 1 and len(units) == 2
    lines = [ln for ln in cron[0].splitlines() if ln.strip()]
    assert len(lines) == 1
    fields = lines[0].split(maxsplit=5)
    assert fields[:5] == ["0", "6", "2", "1,4,7,10", "*"]  # quarterly
    parts = [p.strip() for p in fields[5].split("&&")]
    assert parts[0] == "cd /srv/cx"
    commands = [shlex.split(p) for p in parts[1:]]
    service = [ln.split("=", 1)[1] for ln in units[0].splitlines() if ln.startswith("ExecStart=")]
    commands += [shlex.split(c) for c in service]
    assert "OnCalendar=*-01,04,07,10-02 06:00:00" in units[1]
    return commands


def test_cron_and_systemd_recipes_run(tmp_path):
    """The recipes' commands, pointed at the sample data instead of /srv/cx, with today in
    October 2026 (previous-quarter = 2026Q3); `send` as a dry run."""
    shutil.copytree(REPO / "sample_inputs", tmp_path / "cx")
    commands = _recipe_commands()
    assert [c[0].rsplit("/", 1)[-1] for c in commands] == ["reportgen"] * 4
    verbs = [next(a for a in c if a in ("build", "send")) for c in commands]
    assert verbs == ["build", "send", "build", "send"]
    for i, args in enumerate(commands[:2]):  # the cron pair; the systemd pair is the same
        assert commands[i + 2][commands[i + 2].index(verbs[i]) :] == args[args.index(verbs[i]) :]
        argv = ["reportgen"]
        for a in args[1:]:
            a = a.replace("/srv/cx/reportgen.yaml", str(tmp_path / "cx" / "reportgen.yaml"))
            a = a.replace("/srv/cx/out", str(tmp_path / "out"))
            a = a.replace("/var/log/reportgen.log", str(tmp_path / "reportgen.log"))
            argv.append(a)
        argv += ["--today", "2026-10-02"]
        if verbs[i] == "send":
            argv += ["--dry-run", str(tmp_path / "mail")]
        r = _run(shlex.join(argv), tmp_path)
        assert r.returncode == 0, (argv, r.stderr[-2000:])
    assert (tmp_path / "out" / "2026Q3" / "manifest.json").is_file()
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 6
    assert "reportgen" in (tmp_path / "reportgen.log").read_text(encoding="utf-8")
