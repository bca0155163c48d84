"""KPI results → :class:`~reportgen.model.report.ReportModel`, following a report spec.

The spec (default ``templates/report_spec.yaml``) names the sections in order and the
slides of each (a slide *kind* registered in :mod:`reportgen.model.slides` plus its
parameters, e.g. which KPIs). Cover and agenda come first; every section opens with a
divider slide. The deck's date is the period's last day, never the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from reportgen.config import ReportConfig
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.model.narrative import Narrator
from reportgen.model.report import Bullets, ReportModel, Section, Slide, TitleSentence
from reportgen.model.slides import BUILDERS, SlideContext
from reportgen.pipeline import KpiReport
from reportgen.resources import templates_dir
from reportgen.texts import load_texts


def default_spec_path() -> Path:
    return templates_dir() / "report_spec.yaml"


def load_spec(path: Path | None = None) -> dict[str, Any]:
    """Read and check a report spec: unknown slide kinds are a ConfigError naming them."""
    path = path or default_spec_path()
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    sections = spec.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ConfigError(f"{path}: 'sections' must be a non-empty list")
    for i, sec in enumerate(sections):
        if not isinstance(sec, Mapping) or "id" not in sec:
            raise ConfigError(f"{path}: sections[{i}] needs an 'id'")
        for j, sl in enumerate(sec.get("slides") or []):
            kind = sl.get("kind") if isinstance(sl, Mapping) else None
            if kind not in BUILDERS:
                raise ConfigError(
                    f"{path}: sections[{i}].slides[{j}].kind {kind!r} is unknown; "
                    f"expected one of {sorted(BUILDERS)}"
                )
    return spec


def build_report_model(
    report: KpiReport,
    config: ReportConfig,
    unit: str,
    lang: str,
    spec: Mapping[str, Any] | None = None,
) -> ReportModel:
    if unit != ALL:
        config.unit(unit)  # ConfigError for an unknown unit
    spec = spec or load_spec()
    texts = load_texts("deck", lang)
    ctx = SlideContext(
        report=report,
        config=config,
        unit=unit,
        lang=lang,
        narrator=Narrator(lang),
        texts=texts,
        options={"self_service_channels": tuple(spec.get("self_service_channels") or ())},
    )
    sections: list[Section] = []
    for sec in spec["sections"]:
        sid = str(sec["id"])
        title = (
            texts(f"sections.{sid}") if sid in texts.raw("sections") else str(sec.get("title", sid))
        )
        slides: list[Slide] = []
        for params in sec.get("slides") or []:
            slides += BUILDERS[params["kind"]](ctx, dict(params))
        if not slides:
            continue
        divider = Slide(f"{sid}.divider", "section", TitleSentence(title))
        sections.append(Section(sid, title, (divider, *slides)))

    period = report.period
    names = config.report.title
    deck_title = names.zh_CN if lang == "zh-CN" else names.en
    presenter = config.report.presenter or ""
    date = period.last_day
    date_text = date.isoformat() if lang != "zh-CN" else f"{date.year}年{date.month}月{date.day}日"
    cover = Slide(
        "cover",
        "title",
        TitleSentence(deck_title),
        subtitle="\n".join(
            x
            for x in (
                texts("cover_subtitle", unit=ctx.unit_name(), period=period.display(lang)),
                texts("cover_meta", presenter=presenter, date=date_text).strip(" ·"),
            )
            if x
        ),
    )
    agenda_items = [s.title for s in sections]
    agenda = Slide(
        "agenda",
        "content",
        TitleSentence(texts("agenda")),
        blocks=(Bullets(tuple(agenda_items[:5])),)
        if len(agenda_items) <= 5
        else (Bullets(tuple(agenda_items[:4])), Bullets(tuple(agenda_items[4:9]))),
    )
    front = Section("front", deck_title, (cover, agenda))
    return ReportModel(
        title=deck_title,
        unit=unit,
        unit_name=ctx.unit_name(),
        period_label=period.label,
        period_display=period.display(lang),
        lang=lang,
        presenter=presenter,
        date=date,
        sections=(front, *sections),
    )
