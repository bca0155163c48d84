"""The README's cron and systemd recipes run as written (against the sample data).

Its own file so that the test runner can run it beside the other README tests."""

from __future__ import annotations

import re
import shlex
import shutil

from support.readme import README, REPO, run


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
        r = run(shlex.join(argv), tmp_path)
        assert r.returncode == 0, (argv, r.stderr[-2000:])
        # --quiet: cron mails any output; a run that went well shows only warnings
        assert r.stdout == "", r.stdout[-2000:]
        assert " INFO " not in r.stderr, r.stderr[-2000:]
    assert (tmp_path / "out" / "2026Q3" / "manifest.json").is_file()
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 6
    log = (tmp_path / "reportgen.log").read_text(encoding="utf-8")
    assert re.search(r" INFO reportgen\.batch: \[\d+/7\] hotel: built in ", log), log[-2000:]
    assert " WARNING " in log  # the sample's rejected ragged rows
