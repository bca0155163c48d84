"""Batch builds: every unit + the group, the manifest, skipping unchanged units, one
unit's failure, a killed run, hostile unit names (issue 5)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from pptx import Presentation

from reportgen.batch import MANIFEST, run_build
from reportgen.config import load_config
from reportgen.delivery.files import sha256_file
from reportgen.errors import EXIT_PARTIAL, BatchError
from reportgen.model.group import group_kpis, ranking, unit_matrix

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)
UNITS = ["retail", "finance", "hotel", "after_sales", "ecommerce", "telecom"]


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: (inode, mtime_ns, sha256)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, sha256_file(p))
    return out


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in sorted(z.namelist())}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from reportgen import sample_data

    root = tmp_path_factory.mktemp("batch_sample")
    sample_data.generate(root, scale=0.1, seed=11)
    return root


@pytest.fixture(scope="module")
def built(sample, tmp_path_factory):
    cfg = load_config(sample / "reportgen.yaml")
    out = tmp_path_factory.mktemp("batch_out")
    result = run_build(cfg, out_dir=out, today=TODAY, jobs=2, lang="en")
    return cfg, out, result


def test_all_units_write_every_document_group_and_manifest(built):
    cfg, out, result = built
    period = out / "2026Q3"
    assert result.period == "2026Q3" and not result.failed
    assert [o.unit for o in result.outcomes] == [*UNITS, "all"]
    assert {o.status for o in result.outcomes} == {"built"}
    for unit in UNITS:
        assert sorted(p.name for p in (period / unit).iterdir()) == [
            f"{unit}_2026Q3.pptx",
            f"{unit}_2026Q3.xlsx",
        ]
    assert sorted(p.name for p in (period / "_group").iterdir()) == [
        "group_2026Q3.pptx",
        "group_2026Q3.xlsx",
    ]
    m = json.loads((period / MANIFEST).read_text(encoding="utf-8"))
    assert m["tool"]["name"] == "reportgen" and m["period"]["label"] == "2026Q3"
    assert m["period"]["previous"] == "2026Q2" and m["period"]["last_year"] == "2025Q3"
    # every input file with its real size and hash
    roles = {i["role"]: i for i in m["inputs"]}
    assert set(roles) >= {"responses", "customers", "orders", "tickets"}
    for i in m["inputs"]:
        assert i["sha256"] == sha256_file(Path(i["path"]))
        assert i["bytes"] == Path(i["path"]).stat().st_size
    # every output listed, with the hash of the file on disk
    listed = [o for u in m["units"].values() for o in u["outputs"]] + m["results"]
    assert len(listed) == 2 * 7 + 6
    for o in listed:
        assert sha256_file(out / o["path"]) == o["sha256"], o["path"]
    # the row account of every input file balances
    for r in m["reconciliation"]:
        filtered = sum(r["filtered"].values())
        assert r["read"] == r["loaded"] + r["quarantined"] + filtered, r["source"]
    assert set(m["timings"]) >= {"load", "kpis", "render", "total"}
    assert all(u["seconds"]["xlsx"] > 0 and u["seconds"]["pptx"] > 0 for u in m["units"].values())
    assert any("quarantine" in w or "rejected" in w for w in m["warnings"]) or m["warnings"] == []


def test_group_workbook_puts_units_side_by_side(built):
    from reportgen.pipeline import compute_kpis

    cfg, out, _ = built
    report = compute_kpis(cfg, today=TODAY, by=cfg.dimensions)
    wb = openpyxl.load_workbook(out / "2026Q3" / "_group" / "group_2026Q3.xlsx")
    assert wb.sheetnames[:5] == [
        "Units side by side",
        "Ranking",
        "Movers",
        "Gaps to target",
        "Scorecard",
    ]
    ws = wb["Units side by side"]
    # find the header row of the values table and the NPS row
    rows = list(ws.iter_rows(values_only=True))
    # the sheets say which KPIs they cover (not "every KPI": attribute scores are not here)
    count = len(group_kpis(report))
    texts = [v for r in rows[:4] for v in r if isinstance(v, str)]
    assert any(f"Every unit on the {count} group KPIs" in v for v in texts), texts
    movers = [v for r in wb["Movers"].iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert any(f"Significant changes of the {count} group KPIs" in v for v in movers)
    # against the previous quarter, then the same quarter last year (as the deck)
    prev, last_year = report.previous.label, report.last_year.label
    assert movers.index(f"Against {prev}") < movers.index(f"Against {last_year}")
    assert f"Δ vs {last_year}" in movers and f"p vs {last_year}" in movers
    from reportgen.model.group import worst_movers

    worst = worst_movers(report, 10, basis="yoy")
    yoy_rows = [
        r for r in wb["Movers"].iter_rows(values_only=True) if r and r[-1] in set(worst.kpi)
    ]
    assert len(yoy_rows) >= len(worst)
    header_i = next(i for i, r in enumerate(rows) if r[0] == "KPI")
    header = rows[header_i]
    names = [cfg.unit(u).names.en for u in report.units]
    assert list(header[1 : 1 + len(names)]) == names
    nps_row = next(r for r in rows[header_i + 1 :] if r[-1] == "nps")
    m = unit_matrix(report)
    for j, u in enumerate(report.units, start=1):
        assert nps_row[j] == pytest.approx(m.values.at["nps", u])
        assert m.values.at["nps", u] == pytest.approx(report.value("nps", u))
    assert nps_row[1 + len(names)] == pytest.approx(report.value("nps"))
    # the heat map: white at the all-units figure (the legend's "better / worse than all
    # units together"), full colour at the unit farthest from it, per KPI row
    nps_at = header_i + 1 + [r[-1] for r in rows[header_i + 1 :]].index("nps") + 1
    rules = [
        rule
        for cf in ws.conditional_formatting
        if any(nps_at == rng.min_row == rng.max_row for rng in cf.sqref.ranges)
        for rule in cf.rules
    ]
    assert rules
    ok = [m.values.at["nps", u] for u in report.units if not m.low_n.at["nps", u]]
    reach = max(abs(v - report.value("nps")) for v in ok)
    for rule in rules:
        low, mid, high = (float(v.val) for v in rule.colorScale.cfvo)
        assert [c.type for c in rule.colorScale.cfvo] == ["num"] * 3
        assert mid == pytest.approx(report.value("nps"))
        assert (low, high) == pytest.approx((mid - reach, mid + reach))
    # the n table: every unit's n and the all-units n
    n_header = next(i for i, r in enumerate(rows) if i > header_i and r[0] == "KPI")
    nps_n = next(r for r in rows[n_header + 1 :] if r[-1] == "nps")
    assert (
        nps_n[1 + len(names)]
        == report.scorecard.query("kpi == 'nps' and unit == 'all'")["n"].iloc[0]
    )
    assert nps_n[1 + len(names)] == sum(nps_n[1 : 1 + len(names)])
    # the group's comments: every unit's, newest first, each with its unit
    cws = wb["Comments"]
    crows = list(cws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(crows) if r[0] == "Unit")
    listed = [r for r in crows[top + 1 :] if r[0] is not None]
    assert len(listed) == min(len(report.comments), 2000) > 0
    assert {r[0] for r in listed} == {cfg.unit(u).names.en for u in report.comments.unit.unique()}
    dates = [r[1] for r in listed]
    assert dates == sorted(dates, reverse=True)
    # ranking sheet: the CSAT block lists units best first, as the model ranks them
    rk = ranking(report, "csat")
    rws = list(wb["Ranking"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rws) if r[0] == report.kpis["csat"].label("en"))
    listed = [r[1] for r in rws[start + 2 : start + 2 + len(rk)]]
    assert listed == [cfg.unit(u).names.en for u in rk.unit]
    values = [r[2] for r in rws[start + 2 : start + 2 + len(rk)]]
    ranked = [v for v, r in zip(values, rk["rank"], strict=True) if r is not None]
    assert ranked == sorted(ranked, reverse=True)


def test_rerun_skips_every_unchanged_unit_without_touching_files(built, sample):
    cfg, out, _ = built
    before = _snapshot(out)
    again = run_build(load_config(sample / "reportgen.yaml"), out_dir=out, today=TODAY, lang="en")
    assert {o.status for o in again.outcomes} == {"skipped"}
    assert again.results == () and again.reconciliation == ()  # nothing was even loaded
    assert _snapshot(out) == before


def test_force_rebuild_gives_identical_documents(built, sample, tmp_path):
    cfg, out, first = built
    copy = tmp_path / "again"
    shutil.copytree(out, copy)
    result = run_build(cfg, out_dir=copy, today=TODAY, lang="en", force=True, jobs=1)
    assert {o.status for o in result.outcomes} == {"built"}
    for o in first.outcomes:
        for rec in o.outputs:
            assert _members(out / rec.path) == _members(copy / rec.path), rec.path
            assert sha256_file(copy / rec.path) == rec.sha256, rec.path  # byte-identical


def test_one_unit_rebuilds_alone_and_others_stay_untouched(built, tmp_path):
    cfg, out, _ = built
    copy = tmp_path / "one"
    shutil.copytree(out, copy)
    before = _snapshot(copy)
    result = run_build(cfg, out_dir=copy, today=TODAY, lang="en", units=["酒店"], force=True)
    assert [(o.unit, o.status) for o in result.outcomes] == [("hotel", "built")]
    after = _snapshot(copy)
    changed = {k for k in after if after[k][:2] != before.get(k, (0, 0, ""))[:2]}
    assert {k for k in changed if "/" in k.removeprefix("2026Q3/")} == {
        "2026Q3/hotel/hotel_2026Q3.pptx",
        "2026Q3/hotel/hotel_2026Q3.xlsx",
    }
    m = json.loads((copy / "2026Q3" / MANIFEST).read_text(encoding="utf-8"))
    assert m["units"]["hotel"]["status"] == "built"
    assert {m["units"][u]["status"] for u in [*UNITS, "all"] if u != "hotel"} == {"kept"}
    # the kept entries still describe the files on disk
    for entry in m["units"].values():
        for o in entry["outputs"]:
            assert sha256_file(copy / o["path"]) == o["sha256"]


def test_changed_input_rebuilds(built, sample, tmp_path):
    cfg, out, _ = built
    src = tmp_path / "src"
    shutil.copytree(sample, src)
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    with (src / "targets.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")  # a blank line: same data, different file
    result = run_build(load_config(src / "reportgen.yaml"), out_dir=copy, today=TODAY, lang="en")
    assert {o.status for o in result.outcomes} == {"built"}


# -- small projects: failures, kills, hostile names ------------------------------------


def _tiny(root: Path, units: list[dict]) -> Path:
    """Two units' responses and tickets over two years, as CSV, and a config."""
    import csv
    import random

    rnd = random.Random(5)
    with (root / "responses.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "unit", "csat", "ltr", "comment"])
        i = 0
        for u in units:
            for q in range(8):
                for _ in range(40):
                    i += 1
                    month = 1 + 3 * (q % 4) + rnd.randrange(3)
                    w.writerow(
                        [
                            f"r{i}",
                            f"{2025 + q // 4}-{month:02d}-15",
                            u["names"]["zh-CN"],
                            rnd.randint(2, 5),
                            rnd.randint(3, 10),
                            "送货慢" if i % 7 == 0 else "",
                        ]
                    )
    cfg = {
        "units": units,
        "statistics": {"min_n": 5},
        "sources": {
            "responses": {
                "path": "responses.csv",
                "columns": {
                    "response_id": "id",
                    "date": "date",
                    "unit": "unit",
                    "csat": "csat",
                    "ltr": "ltr",
                    "comment": "comment",
                },
            }
        },
    }
    path = root / "reportgen.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


TWO = [
    {"id": "alpha", "names": {"en": "Alpha", "zh-CN": "阿尔法"}},
    {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}},
]


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kw,
    )


def test_one_failing_unit_does_not_stop_the_others(tmp_path):
    config = _tiny(tmp_path, TWO)
    out = tmp_path / "out"
    (out / "2026Q3").mkdir(parents=True)
    (out / "2026Q3" / "alpha").write_text("a file where alpha's folder should be")
    p = _cli(
        "--quiet",
        "build",
        "--config",
        str(config),
        "--out",
        str(out),
        "--today",
        "2026-11-23",
        "--period",
        "2026Q3",
        "--jobs",
        "2",
    )
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == EXIT_PARTIAL, stderr
    # --quiet: nothing on stdout, the failure on stderr (cron mails only problems)
    assert stdout == ""
    assert "alpha: FAILED" in stderr and "1 of 3 unit build(s) failed (alpha)" in stderr
    assert (out / "2026Q3" / "beta" / "beta_2026Q3.xlsx").is_file()
    assert (out / "2026Q3" / "_group" / "group_2026Q3.pptx").is_file()
    m = json.loads((out / "2026Q3" / MANIFEST).read_text(encoding="utf-8"))
    assert m["units"]["alpha"]["status"] == "failed" and m["units"]["alpha"]["error"]
    assert m["units"]["beta"]["status"] == "built"
    # the failed unit is retried next time, the others are skipped
    (out / "2026Q3" / "alpha").unlink()
    cfg = load_config(config)
    again = run_build(cfg, out_dir=out, period="2026Q3", today=TODAY)
    assert {o.unit: o.status for o in again.outcomes} == {
        "alpha": "built",
        "beta": "skipped",
        "all": "skipped",
    }


def test_library_raises_batch_error_with_exit_code_3(tmp_path):
    config = _tiny(tmp_path, TWO)
    out = tmp_path / "out"
    (out / "2026Q3").mkdir(parents=True)
    (out / "2026Q3" / "beta").write_text("")
    result = run_build(load_config(config), out_dir=out, period="2026Q3", today=TODAY, jobs=1)
    with pytest.raises(BatchError, match=r"beta") as exc:
        result.raise_for_failures()
    assert exc.value.exit_code == 3


def test_killed_run_leaves_previous_files_intact_and_no_partial_files(tmp_path):
    config = _tiny(tmp_path, TWO)
    out = tmp_path / "out"
    first = run_build(load_config(config), out_dir=out, period="2026Q3", today=TODAY, jobs=1)
    assert not first.failed
    manifest = (out / "2026Q3" / MANIFEST).read_bytes()
    old = _snapshot(out)
    watched = out / "2026Q3" / "alpha" / "alpha_2026Q3.xlsx"
    p = _cli(
        "--quiet",
        "build",
        "--config",
        str(config),
        "--out",
        str(out),
        "--today",
        "2026-11-23",
        "--period",
        "2026Q3",
        "--jobs",
        "1",
        "--force",
    )
    deadline = time.monotonic() + 120
    while watched.stat().st_ino == old["2026Q3/alpha/alpha_2026Q3.xlsx"][0]:
        assert p.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.killpg(p.pid, signal.SIGKILL)  # midway: the first document is replaced, others not
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    # the manifest is the previous run's: the killed run never finished
    assert (out / "2026Q3" / MANIFEST).read_bytes() == manifest
    now = _snapshot(out)
    assert set(now) == set(old), "no new (partial or temporary) file"
    assert not list(out.rglob("*.tmp"))
    for name in now:  # every file is whole: the old one or a complete new one
        path = out / name
        if path.suffix == ".xlsx":
            assert openpyxl.load_workbook(path).sheetnames
        elif path.suffix == ".pptx":
            assert len(Presentation(str(path)).slides) > 5
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    unchanged = [k for k in old if now[k] == old[k]]
    assert unchanged, "documents not yet rewritten are untouched"


def test_sigterm_stops_cleanly_with_no_partial_files(tmp_path):
    config = _tiny(tmp_path, TWO)
    out = tmp_path / "out"
    p = _cli(
        "build",
        "--config",
        str(config),
        "--out",
        str(out),
        "--today",
        "2026-11-23",
        "--period",
        "2026Q3",
        "--jobs",
        "1",
    )
    deadline = time.monotonic() + 120
    while not list(out.rglob("*.xlsx")):
        assert p.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    p.send_signal(signal.SIGTERM)
    _, stderr = p.communicate(timeout=60)
    assert p.returncode == 143, stderr
    assert "terminated" in stderr
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*"))


@pytest.mark.parametrize("hostile", ["../../etc", "售后/服务", "..", "CON", "a\\..\\..\\b"])
def test_unit_names_cannot_write_outside_the_output_folder(tmp_path, hostile):
    units = [
        {"id": hostile, "names": {"en": hostile, "zh-CN": "阿尔法"}},
        {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}},
    ]
    work = tmp_path / "work"
    work.mkdir()
    config = _tiny(work, units)
    out = work / "out"
    outside_before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(work)}
    result = run_build(load_config(config), out_dir=out, period="2026Q3", today=TODAY, jobs=1)
    assert not result.failed
    written = [out / r.path for o in result.outcomes for r in o.outputs]
    assert len(written) == 6
    for path in written:
        assert path.resolve().is_relative_to(out.resolve())
        folder = path.relative_to(out).parts
        assert len(folder) == 3 and all(
            part.isascii() and part not in ("..", ".", "CON") for part in folder
        )
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(work)} == outside_before
    assert not (tmp_path / "etc").exists() and not (work / "etc").exists()


def test_file_name_pattern_from_config(tmp_path):
    config = _tiny(tmp_path, TWO)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["report"] = {"file_names": "CX_{period}_{unit}_{lang}"}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = run_build(
        load_config(config), out_dir=out, period="2026Q3", today=TODAY, jobs=1, lang="en"
    )
    names = sorted(r.path for o in result.outcomes for r in o.outputs)
    assert names == [
        "2026Q3/_group/CX_2026Q3_group_en.pptx",
        "2026Q3/_group/CX_2026Q3_group_en.xlsx",
        "2026Q3/alpha/CX_2026Q3_alpha_en.pptx",
        "2026Q3/alpha/CX_2026Q3_alpha_en.xlsx",
        "2026Q3/beta/CX_2026Q3_beta_en.pptx",
        "2026Q3/beta/CX_2026Q3_beta_en.xlsx",
    ]


def test_bad_file_name_pattern_is_a_config_error(tmp_path):
    from reportgen.errors import ConfigError

    config = _tiny(tmp_path, TWO)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["report"] = {"file_names": "{period}_{owner}"}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"report\.file_names.*owner"):
        load_config(config)


def test_group_deck_has_the_consolidated_slides(built):
    from reportgen.model.group import best_movers, target_gaps
    from reportgen.pipeline import compute_kpis

    cfg, out, _ = built
    report = compute_kpis(cfg, today=TODAY)
    prs = Presentation(str(out / "2026Q3" / "_group" / "group_2026Q3.pptx"))
    titles = [s.shapes.title.text for s in prs.slides if s.shapes.title is not None]
    gaps = target_gaps(report, None)
    met, total = int(gaps.target_met.fillna(False).astype(bool).sum()), len(gaps)
    # (units tied on the most KPIs ahead are named together: "A and B are each ahead …")
    assert any(t.endswith("KPIs") and "ahead of the group on " in t for t in titles)
    # heat-map table: one column per unit plus the group, values as the engine's
    heat = next(
        s for s in prs.slides if s.shapes.title and "ahead of the group on" in s.shapes.title.text
    )
    table = next(sh.table for sh in heat.shapes if sh.has_table)
    header = [table.cell(0, j).text for j in range(len(table.columns))]
    assert header[1:-1] == [cfg.unit(u).names.en for u in report.units]
    assert header[-1] == "All units"
    movers = best_movers(report, 5)
    if len(movers):
        first = movers.iloc[0]
        assert any(cfg.unit(first.unit).names.en in t and "improvement" in t for t in titles)
    unit_deck = Presentation(str(out / "2026Q3" / "hotel" / "hotel_2026Q3.pptx"))
    unit_titles = [s.shapes.title.text for s in unit_deck.slides if s.shapes.title]
    assert not any("ahead of the group on" in t or "unit targets met" in t for t in unit_titles)
    assert f"{met} of {total} unit targets met" in titles or total == 0


@pytest.mark.parametrize("unit", ["kpis.json", "Manifest.json", "quarantine.csv"])
def test_a_unit_named_like_a_results_file_is_a_config_error(tmp_path, unit):
    # its folder would clash with the file the run writes beside the unit folders
    from reportgen.errors import ConfigError

    units = [{"id": unit, "names": {"en": "A", "zh-CN": "甲"}}, *TWO[1:]]
    config = load_config(_tiny(tmp_path, units))
    with pytest.raises(ConfigError, match=r"the name of a file the run writes"):
        run_build(config, out_dir=tmp_path / "out", period="2026Q3", today=TODAY, jobs=1)
    assert not list((tmp_path / "out").rglob("*.pptx"))
