"""The README is the contract: its two top commands and every documented command work."""

from __future__ import annotations

import shutil

import pytest
from support.readme import BLOCKS, README, REPO, lines, run


def test_exactly_two_commands_at_the_top():
    top = lines(BLOCKS[0])
    assert len(top) == 2, top
    assert top[0].startswith("python3 -m venv .venv && ") and "reportgen build" in top[0]
    assert "--out out" in top[0] and "sample_inputs/reportgen.yaml" in top[0]
    assert top[1].startswith("python3 -m venv .venv && ") and "pytest" in top[1]
    assert README.index("```bash") < README.index("## ")  # before any section


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = lines(BLOCKS[0])[1]
    assert test_command in ci.splitlines()


def test_main_command_writes_the_outputs(tmp_path):
    """The reportgen part of the first top command, from a checkout-like folder."""
    shutil.copytree(REPO / "sample_inputs", tmp_path / "sample_inputs")
    command = lines(BLOCKS[0])[0].rsplit("&& ", 1)[1].replace(".venv/bin/reportgen", "reportgen")
    r = run(command, tmp_path)
    assert r.returncode == 0, r.stderr
    period = tmp_path / "out" / "2026Q3"
    assert (period / "kpis.json").read_text(encoding="utf-8").count('"kpi": "csat"') >= 7
    assert "responses" in (period / "reconciliation.csv").read_text(encoding="utf-8-sig")
    assert (period / "retail" / "retail_2026Q3.xlsx").is_file()


def test_documented_commands_run_in_order(tmp_path):
    """Every `reportgen …` line of the README's other examples, in the order written."""
    commands = [ln for block in BLOCKS[1:] for ln in lines(block) if ln.startswith("reportgen ")]
    assert len(commands) >= 6
    for command in commands:
        r = run(command, tmp_path)
        assert r.returncode == 0, (command, r.stderr[-2000:])
        if command.startswith("reportgen --quiet "):  # a run that went well prints nothing
            assert r.stdout == "", (command, r.stdout[-2000:])
        else:
            assert r.stdout.strip(), command
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
