"""The same numbers everywhere: engine = workbook = deck = e-mail, for one unit."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation

from reportgen.export import unit_file
from reportgen.formatting import format_value

HEADLINE = ("csat", "nps", "csi", "churn_rate", "repurchase_rate", "fcr")
UNIT = "hotel"


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def outputs(request, sample_report, tmp_path_factory):
    from reportgen.delivery.email import plan_messages, write_eml
    from reportgen.render.pptx import write_deck
    from reportgen.render.xlsx import write_workbook

    lang = request.param
    cfg = sample_report.config
    report = dataclasses.replace(sample_report.report, units=(UNIT,))
    out = tmp_path_factory.mktemp(f"consistency-{lang}")
    workbook = unit_file(out, report.period.label, UNIT, ".xlsx")
    deck = unit_file(out, report.period.label, UNIT, ".pptx")
    write_workbook(report, cfg, UNIT, workbook, lang)
    write_deck(report, cfg, UNIT, deck, lang)
    write_eml(plan_messages(cfg, report, out_dir=out, lang=lang), out / "mail")
    return lang, report, workbook, deck, out / "mail" / f"{UNIT}.eml"


def _engine(report, kpi):
    sc = report.scorecard
    row = sc[(sc.kpi == kpi) & (sc.unit == UNIT)].iloc[0]
    return float(row.value), row.value_unit


def _workbook_values(path: Path, labels: dict[str, str]) -> dict[str, float]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    by_label: dict[str, float] = {}
    for row in ws.iter_rows(values_only=True):  # first occurrence: the scorecard table
        if row and row[0] is not None:
            by_label.setdefault(row[0], row[1])
    return {kpi: by_label[label] for kpi, label in labels.items()}


def _deck_text(path: Path) -> str:
    parts = []
    for slide in Presentation(path).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
    return "\n".join(parts)


def _mail_text(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_headline_kpis_agree_across_outputs(outputs):
    lang, report, workbook, deck, eml = outputs
    labels = {k: report.kpis[k].label(lang) for k in HEADLINE if k in report.kpis}
    assert len(labels) == len(HEADLINE)
    in_workbook = _workbook_values(workbook, labels)
    deck_text, mail_text = _deck_text(deck), _mail_text(eml)
    for kpi in labels:
        value, unit = _engine(report, kpi)
        shown = format_value(value, unit, lang)
        assert in_workbook[kpi] == pytest.approx(value, rel=1e-12), kpi
        assert shown in deck_text, (kpi, shown)
        assert shown in mail_text, (kpi, shown)


def test_the_mail_attaches_the_workbook_on_disk(outputs):
    _, _, workbook, _, eml = outputs
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    attached = [p for p in msg.iter_attachments() if p.get_filename() == workbook.name]
    assert len(attached) == 1 and attached[0].get_content() == workbook.read_bytes()
