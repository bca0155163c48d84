"""KPI results → :class:`~reportgen.model.report.ReportModel`, following a report spec.

The spec (default ``templates/report_spec.yaml``) names the sections in order and the
slides of each (a slide *kind* registered in :mod:`reportgen.model.slides` plus its
parameters, e.g. which KPIs). Cover and agenda come first; every section opens with a
divider slide. The deck's date is the period's last day, never the clock.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from reportgen.config import ReportConfig
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.model.narrative import narrator
from reportgen.model.report import Bullets, ReportModel, Section, Slide, TitleSentence
from reportgen.model.slides import BUILDERS, SlideContext
from reportgen.pipeline import KpiReport
from reportgen.resources import read_yaml, templates_dir
from reportgen.texts import load_texts


def default_spec_path() -> Path:
    return templates_dir() / "report_spec.yaml"


def load_spec(
    path: Path | None = None, *, kpi_ids: Collection[str] | None = None
) -> dict[str, Any]:
    """Read and check a report spec (default: the shipped one).

    An unreadable file, a malformed structure, an unknown slide kind or (when ``kpi_ids``
    is given) an unknown KPI id is a ConfigError naming the spec file and the entry."""
    path = Path(path or default_spec_path())
    try:
        spec = read_yaml(path) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the report spec: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the report spec must be UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{path}: expected a mapping with 'sections' at the top level")
    unknown_keys = sorted(set(spec) - {"sections", "self_service_channels"})
    if unknown_keys:
        raise ConfigError(
            f"{path}: unknown key(s) {unknown_keys}; expected 'sections' and optionally "
            "'self_service_channels'"
        )
    sections = spec.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ConfigError(f"{path}: 'sections' must be a non-empty list")
    seen: set[str] = set()
    for i, sec in enumerate(sections):
        if not isinstance(sec, Mapping) or "id" not in sec:
            raise ConfigError(f"{path}: sections[{i}] needs an 'id'")
        if str(sec["id"]) in seen:
            raise ConfigError(f"{path}: sections[{i}].id {sec['id']!r} is used twice")
        seen.add(str(sec["id"]))
        slides = sec.get("slides") or []
        if not isinstance(slides, list):
            raise ConfigError(f"{path}: sections[{i}].slides must be a list")
        for j, sl in enumerate(slides):
            where = f"{path}: sections[{i}].slides[{j}]"
            kind = sl.get("kind") if isinstance(sl, Mapping) else None
            if kind not in BUILDERS:
                close = difflib.get_close_matches(str(kind), list(BUILDERS), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(
                    f"{where}.kind {kind!r} is unknown; expected one of {sorted(BUILDERS)}.{hint}"
                )
            kpis = sl.get("kpis", ())
            if not isinstance(kpis, list | tuple):
                raise ConfigError(f"{where}.kpis must be a list of KPI ids, got {kpis!r}")
            if kpi_ids is not None:
                for k, kpi in enumerate(kpis):
                    if kpi not in kpi_ids:
                        close = difflib.get_close_matches(str(kpi), list(kpi_ids), n=1)
                        hint = f" Did you mean {close[0]!r}?" if close else ""
                        raise ConfigError(
                            f"{where}.kpis[{k}] {kpi!r} is not a KPI id; expected one of "
                            f"{list(kpi_ids)}.{hint}"
                        )
    return dict(spec)


def config_spec(config: ReportConfig) -> dict[str, Any]:
    """The report spec of ``config``: ``report.deck.spec`` if set, else the shipped one."""
    user = config.report.deck.spec
    if user is None:
        return load_spec()
    from reportgen.engine.registry import kpi_registry

    return load_spec(config.path(user), kpi_ids=kpi_registry(config))


def build_report_model(
    report: KpiReport,
    config: ReportConfig,
    unit: str,
    lang: str,
    spec: Mapping[str, Any] | None = None,
) -> ReportModel:
    if unit != ALL:
        config.unit(unit)  # ConfigError for an unknown unit
    spec = spec or config_spec(config)
    texts = load_texts("deck", lang)
    ctx = SlideContext(
        report=report,
        config=config,
        unit=unit,
        lang=lang,
        narrator=narrator(lang),
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
    presenter = config.report.presenter_in(lang)
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
