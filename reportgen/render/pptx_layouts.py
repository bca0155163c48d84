"""Choosing template layouts by name, with a documented fallback.

Each slide of the report model asks for a *role*: ``title`` (cover), ``section``
(divider), ``content`` (title + body) or ``title_only`` (title; the renderer places
charts, tables and text itself). A role maps to a layout name: the user's mapping
(``report.layouts`` in the config) when given — an unknown name is a ConfigError listing
the template's layouts — else the first of the default names present. When none is
present the fallback chain is: section → title_only, content → title_only,
title → title_only, title_only → blank; and as the last resort any layout that has a
title placeholder, then the first layout.
"""

from __future__ import annotations

from collections.abc import Mapping

from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.presentation import Presentation
from pptx.slide import SlideLayout

from reportgen.errors import ConfigError

DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("Title Slide", "标题幻灯片"),
    "section": ("Section Header", "节标题"),
    "content": ("Title and Content", "标题和内容"),
    "title_only": ("Title Only", "仅标题"),
    "blank": ("Blank", "空白"),
}
FALLBACK: dict[str, str] = {
    "title": "title_only",
    "section": "title_only",
    "content": "title_only",
    "title_only": "blank",
}
ROLES = tuple(DEFAULT_NAMES)


def layout_names(prs: Presentation) -> list[str]:
    return [layout.name for layout in prs.slide_layouts]


def check_mapping(prs: Presentation, mapping: Mapping[str, str]) -> None:
    names = layout_names(prs)
    for role, name in mapping.items():
        if role not in ROLES:
            raise ConfigError(
                f"report.layouts: unknown role {role!r}; expected one of {list(ROLES)}"
            )
        if name not in names:
            raise ConfigError(
                f"report.layouts.{role}: the template has no layout named {name!r}; "
                f"its layouts are {names}"
            )


def _has_title(layout: SlideLayout) -> bool:
    return any(
        ph.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        for ph in layout.placeholders
    )


def resolve_layout(
    prs: Presentation, role: str, mapping: Mapping[str, str] | None = None
) -> SlideLayout:
    by_name = {layout.name: layout for layout in prs.slide_layouts}
    mapping = mapping or {}
    r: str | None = role
    while r is not None:
        if r in mapping:
            return by_name[mapping[r]]
        for name in DEFAULT_NAMES[r]:
            if name in by_name:
                return by_name[name]
        r = FALLBACK.get(r)
    for layout in prs.slide_layouts:
        if _has_title(layout):
            return layout
    return prs.slide_layouts[0]
