"""The PowerPoint renderer: a :class:`~reportgen.model.report.ReportModel` on a template.

Layouts are chosen by name (:mod:`reportgen.render.pptx_layouts`), placeholders are
filled by type and unused ones removed. Text is measured with the real font and kept in
its box (:mod:`reportgen.render.pptx_text`): shrink within a floor, wrap, and move what
still does not fit to the speaker notes. A title-only slide lays out KPI tiles on top,
then a chart or a table with the bullets beside it, or a chart and a table side by side
with the bullets below both. Every run gets the Latin and the East Asian
font. Charts are native (:mod:`reportgen.render.pptx_charts`). Document properties come
from the period, not the clock, so a rerun gives the same content. The file is written
atomically and reopened before it replaces the previous one.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.text.text import _Run
from pptx.util import Emu, Pt

from reportgen.branding import DEFAULT_PALETTE, palette
from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_bytes
from reportgen.errors import ReportgenError
from reportgen.model.report import Bullets, Chart, KpiTiles, ReportModel, Slide, Table
from reportgen.pipeline import KpiReport
from reportgen.render import pptx_text as tx
from reportgen.render.deck_template import EAST_ASIAN_FONT, LATIN_FONT, default_template_path
from reportgen.render.pptx_charts import NATIVE, add_chart
from reportgen.render.pptx_layouts import check_mapping, resolve_layout
from reportgen.render.xlsx_package import fixed_time_zip

EMU_IN = 914400
MARGIN = int(0.45 * EMU_IN)
TITLE_TOP = int(0.3 * EMU_IN)
TITLE_H = int(1.0 * EMU_IN)
BODY_TOP = int(1.45 * EMU_IN)
BOTTOM = int(0.35 * EMU_IN)
GAP = int(0.25 * EMU_IN)
#: Text frame insets (python-pptx / PowerPoint defaults): 0.1" left/right, 0.05" top/bottom.
INSET_X, INSET_Y = 91440, 45720
DARK = RGBColor(0x1F, 0x29, 0x33)
GREY = RGBColor(0x5F, 0x6B, 0x7A)
VERDICT_COLOURS = {
    "improved": RGBColor(0x3A, 0x9D, 0x5D),
    "worsened": RGBColor(0xC4, 0x4E, 0x52),
}
TILE_FILL = RGBColor(0xF2, 0xF4, 0xF7)
# sizes (pt): nominal and floor
TITLE_SIZE, TITLE_FLOOR = 24.0, 16.0
BODY_SIZE, BODY_FLOOR = 16.0, 10.0
TABLE_SIZE, TABLE_FLOOR = 12.0, 8.0
#: The share of its box a table is planned to fill: renderers lay out a table's rows
#: a little taller than the font's metrics say (LibreOffice cut the last of 13 RFM rows).
TABLE_FILL = 0.92
#: A slide with a chart and a table: the chart's share of the width, and the share of
#: the body height left to the bullets below them.
CHART_SHARE, BULLET_BAND = 0.5, 0.3


class DeckError(ReportgenError):
    """The deck could not be written or did not reopen."""


def pt(emu: int) -> float:
    return emu / tx.EMU_PER_PT


# -- runs and fonts ------------------------------------------------------------------


def style_run(run, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:  # type: ignore[no-untyped-def]
    """Size, weight, colour, and both font slots (Latin and East Asian) of one run.

    The run's properties are a copy of those made once per style (:func:`_run_properties`):
    a deck styles a thousand runs in a few dozen styles, and python-pptx's property
    setters cost ≈ 0.7 ms a run."""
    properties = copy.deepcopy(_run_properties(size, bold, None if color is None else str(color)))
    r = run._r
    old = r.rPr
    if old is None:
        r.insert(0, properties)
    else:
        r.replace(old, properties)


@functools.lru_cache(maxsize=256)
def _run_properties(size: float, bold: bool, color: str | None):  # type: ignore[no-untyped-def]
    """The ``<a:rPr>`` of a run in this style, as python-pptx writes it (made on a
    scratch paragraph; never modified, only copied)."""
    p = parse_xml(f"<a:p {nsdecls('a')}/>")
    run = _Run(p.add_r(), None)
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
    font.name = LATIN_FONT
    rpr = run._r.get_or_add_rPr()
    ea = rpr.makeelement(qn("a:ea"), {"typeface": EAST_ASIAN_FONT})
    rpr.find(qn("a:latin")).addnext(ea)
    return rpr


def write_paragraphs(
    tf, paragraphs: Sequence[str], size: float, *, bold: bool = False, color: RGBColor = DARK
) -> None:  # type: ignore[no-untyped-def]
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.clear()
    for i, text in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if i > 0:
            p.space_before = Pt(size * tx.PARAGRAPH_SPACING)
        run = p.add_run()
        run.text = text
        style_run(run, size, bold=bold, color=color)


def fit_into(
    shape, paragraphs: Sequence[str], size: float, floor: float, **style: object
) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """Write ``paragraphs`` into ``shape`` at the largest size that fits; return what did
    not fit (for the notes). A single paragraph too long at the floor is cut."""
    w = pt(shape.width - 2 * INSET_X)
    h = pt(shape.height - 2 * INSET_Y)
    f = tx.fit(list(paragraphs), w, h, size_pt=size, floor_pt=floor)
    kept = list(f.kept)
    moved = list(f.moved)
    if kept and tx.text_height(kept, w, f.size_pt) > h:
        full = kept[-1]
        others = kept[:-1]
        room = h - (
            tx.text_height(others, w, f.size_pt) + tx.PARAGRAPH_SPACING * f.size_pt if others else 0
        )
        kept[-1] = tx.truncate_to(full, w, max(room, f.size_pt * tx.LINE_SPACING), f.size_pt)
        moved.insert(0, full)
    write_paragraphs(shape.text_frame, kept, f.size_pt, **style)  # type: ignore[arg-type]
    return tuple(moved)


# -- layout helpers ------------------------------------------------------------------


def _placeholder(slide, *types: PP_PLACEHOLDER):  # type: ignore[no-untyped-def]
    for ph in slide.placeholders:
        if ph.placeholder_format.type in types:
            return ph
    return None


def _remove_unused(slide, used: set[int]) -> None:  # type: ignore[no-untyped-def]
    for ph in list(slide.placeholders):
        if ph.shape_id not in used:
            ph._element.getparent().remove(ph._element)


class _Renderer:
    def __init__(  # type: ignore[no-untyped-def]
        self,
        prs,
        layouts: Mapping[str, str],
        colours: tuple[str, ...] = DEFAULT_PALETTE,
        font: str | None = None,
    ) -> None:
        self.prs = prs
        self.layouts = layouts
        self.colours = colours
        self.fonts = (font, font) if font else (LATIN_FONT, EAST_ASIAN_FONT)
        self.W = int(prs.slide_width)
        self.H = int(prs.slide_height)

    # each slide --------------------------------------------------------------------
    def slide(self, s: Slide) -> None:
        layout = resolve_layout(self.prs, s.layout, self.layouts)
        slide = self.prs.slides.add_slide(layout)
        used: set[int] = set()
        moved: list[str] = []
        title_ph = _placeholder(slide, PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        if title_ph is None:
            title_ph = slide.shapes.add_textbox(MARGIN, TITLE_TOP, self.W - 2 * MARGIN, TITLE_H)
        else:
            used.add(title_ph.shape_id)
        if s.layout in ("title_only", "content"):
            title_ph.left, title_ph.top = Emu(MARGIN), Emu(TITLE_TOP)
            title_ph.width, title_ph.height = Emu(self.W - 2 * MARGIN), Emu(TITLE_H)
            title_ph.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        title_size = 36.0 if s.layout in ("title", "section") else TITLE_SIZE
        moved += fit_into(
            title_ph, [s.title.text], title_size, TITLE_FLOOR, bold=s.layout != "title_only"
        )
        if s.layout == "title" and s.subtitle:
            sub = _placeholder(slide, PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)
            if sub is None:
                sub = slide.shapes.add_textbox(
                    MARGIN, self.H // 2, self.W - 2 * MARGIN, self.H // 4
                )
            else:
                used.add(sub.shape_id)
            moved += fit_into(sub, s.subtitle.split("\n"), 20.0, 12.0, color=GREY)
        if s.layout == "content":
            body = _placeholder(slide, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.BODY)
            items = [i for b in s.blocks_of(Bullets) for i in b.items]  # type: ignore[union-attr]
            if body is not None and items:
                used.add(body.shape_id)
                body.left, body.top = Emu(MARGIN), Emu(BODY_TOP)
                body.width, body.height = Emu(self.W - 2 * MARGIN), Emu(self.H - BODY_TOP - BOTTOM)
                moved += fit_into(body, items, 22.0, BODY_FLOOR)
        elif s.layout == "title_only":
            moved += self.body(slide, s)
        _remove_unused(slide, used)
        self.notes(slide, s, moved)

    def notes(self, slide, s: Slide, moved: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
        parts = [s.notes.text] if s.notes else []
        if moved:
            parts.append("\n".join(["…", *moved]))
        if not parts:
            return
        tf = slide.notes_slide.notes_text_frame
        write_paragraphs(tf, "\n\n".join(parts).split("\n"), 12.0)

    # the body of a title-only slide -----------------------------------------------
    def body(self, slide, s: Slide) -> list[str]:  # type: ignore[no-untyped-def]
        x0, y0 = MARGIN, BODY_TOP
        w = self.W - 2 * MARGIN
        h = self.H - BODY_TOP - BOTTOM
        moved: list[str] = []
        tiles = next(iter(s.blocks_of(KpiTiles)), None)
        visual = next((b for b in s.blocks if isinstance(b, Chart | Table)), None)
        bullets = [i for b in s.blocks_of(Bullets) for i in b.items]  # type: ignore[union-attr]
        if tiles is not None:
            band = int(1.75 * EMU_IN)
            self.tiles(slide, tiles, (x0, y0, w, band))  # type: ignore[arg-type]
            y0 += band + GAP
            h -= band + GAP
        chart = next(iter(s.blocks_of(Chart)), None)
        table = next(iter(s.blocks_of(Table)), None)
        if chart is not None and table is not None:
            # a chart and a table side by side; the bullets in a full-width band below
            band = int(h * BULLET_BAND) if bullets else 0
            vh = h - band - (GAP if bullets else 0)
            cw = int(w * CHART_SHARE)
            self.visual(slide, chart, (x0, y0, cw, vh), moved)
            self.visual(slide, table, (x0 + cw + GAP, y0, w - cw - GAP, vh), moved)
            if bullets:
                box = slide.shapes.add_textbox(x0, y0 + vh + GAP, w, band)
                moved += fit_into(box, [f"• {b}" for b in bullets], BODY_SIZE, BODY_FLOOR)
            return moved
        if visual is not None and bullets:
            vw = int(w * 0.62)
            self.visual(slide, visual, (x0, y0, vw, h), moved)
            box = slide.shapes.add_textbox(x0 + vw + GAP, y0, w - vw - GAP, h)
            moved += fit_into(box, [f"• {b}" for b in bullets], BODY_SIZE, BODY_FLOOR)
        elif visual is not None:
            self.visual(slide, visual, (x0, y0, w, h), moved)
        elif bullets:
            box = slide.shapes.add_textbox(x0, y0, w, h)
            moved += fit_into(
                box, [f"• {b}" for b in bullets], 18.0 if tiles is None else BODY_SIZE, BODY_FLOOR
            )
        return moved

    def visual(self, slide, block, box, moved: list[str]) -> None:  # type: ignore[no-untyped-def]
        if isinstance(block, Chart):
            if block.spec.kind in NATIVE:
                add_chart(slide, block.spec, box, self.fonts, self.colours)
            else:
                from reportgen.render.png import render_png

                x, y, cx, cy = box
                png = render_png(
                    block.spec,
                    width_in=cx / EMU_IN,
                    height_in=cy / EMU_IN,
                    dpi=150,
                    colours=self.colours,
                )
                slide.shapes.add_picture(io.BytesIO(png), x, y, cx, cy)
        else:
            moved += self.table(slide, block, box)

    def tiles(self, slide, block: KpiTiles, box) -> None:  # type: ignore[no-untyped-def]
        x, y, w, h = box
        n = len(block.tiles)
        tw = (w - GAP * (n - 1)) // n
        for i, t in enumerate(block.tiles):
            left = x + i * (tw + GAP)
            bg = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, y, tw, h)
            bg.fill.solid()
            bg.fill.fore_color.rgb = TILE_FILL
            bg.line.fill.background()
            bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, y, int(0.07 * EMU_IN), h)
            bar.fill.solid()
            bar.fill.fore_color.rgb = VERDICT_COLOURS.get(t.verdict, GREY)
            bar.line.fill.background()
            inner = left + int(0.1 * EMU_IN)
            iw = tw - int(0.15 * EMU_IN)
            parts = (
                (t.label, int(0.4 * EMU_IN), 13.0, 9.0, False, GREY),
                (t.value, int(0.6 * EMU_IN), 28.0, 16.0, True, DARK),
                (t.detail, h - int(1.0 * EMU_IN), 11.0, 8.0, False, GREY),
            )
            top = y
            for text, ph, size, floor, bold, colour in parts:
                if text:
                    tb = slide.shapes.add_textbox(inner, top, iw, ph)
                    fit_into(tb, [text], size, floor, bold=bold, color=colour)
                top += ph

    def table(self, slide, block: Table, box) -> list[str]:  # type: ignore[no-untyped-def]
        x, y, w, h = box
        widths = block.widths or (1.0,) * len(block.header)
        total = sum(widths)
        planned = [int(w * c / total) for c in widths]
        rows = [block.header, *block.rows]
        pad = pt(2 * INSET_Y)
        size = TABLE_SIZE
        while True:
            # every column at least as wide as its longest word ("Satisfactio|n" otherwise)
            fitted = _column_widths(planned, rows, size)
            col_w = fitted or planned
            heights = [
                max(
                    tx.text_height([cell], pt(cw - 2 * INSET_X), size)
                    for cell, cw in zip(r, col_w, strict=True)
                )
                + pad
                for r in rows
            ]
            if (fitted is not None and sum(heights) <= pt(h) * TABLE_FILL) or size <= TABLE_FLOOR:
                break
            size -= 0.5
        keep = len(rows)
        while keep > 1 and sum(heights[:keep]) > pt(h) * TABLE_FILL:
            keep -= 1
        moved = [" | ".join(r) for r in rows[keep:]]
        rows = rows[:keep]
        shape = slide.shapes.add_table(
            len(rows), len(col_w), x, y, w, int(sum(heights[:keep]) * tx.EMU_PER_PT)
        )
        table = shape.table
        for j, cw in enumerate(col_w):
            table.columns[j].width = Emu(cw)
        for i, r in enumerate(rows):
            table.rows[i].height = Emu(int(heights[i] * tx.EMU_PER_PT))
            for j, text in enumerate(r):
                cell = table.cell(i, j)
                tone = block.tones[i - 1][j] if i and block.tones else None
                if tone is not None:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = heat_colour(tone)
                cell.margin_left = cell.margin_right = Emu(INSET_X)
                cell.margin_top = cell.margin_bottom = Emu(INSET_Y)
                write_paragraphs(
                    cell.text_frame,
                    [text],
                    size,
                    bold=i == 0,
                    color=RGBColor(0xFF, 0xFF, 0xFF) if i == 0 else DARK,
                )
        return moved


#: Room beyond a word's width (see :func:`pptx_text.word_width`) for rounding in the
#: renderers' own layout.
_WORD_ROOM = 1.04


def _column_widths(
    planned: list[int], rows: list[tuple[str, ...]], size: float
) -> list[int] | None:
    """``planned`` column widths (EMU), widened where a column's longest word (a header's
    in bold) would not fit on one line, at the expense of the columns with room to spare;
    None when the words cannot all fit in the table's width at ``size``."""
    need = []
    for j in range(len(planned)):
        longest = max(
            (
                tx.word_width(word, size, bold=i == 0) * _WORD_ROOM
                for i, r in enumerate(rows)
                for word in tx.words(r[j])
            ),
            default=0.0,
        )
        need.append(int(longest * tx.EMU_PER_PT) + 2 * INSET_X + 1)
    if sum(need) > sum(planned):
        return None
    out = list(planned)
    short = [j for j, n in enumerate(need) if n > out[j]]
    if not short:
        return out
    deficit = sum(need[j] - out[j] for j in short)
    for j in short:
        out[j] = need[j]
    spare = {k: out[k] - need[k] for k in range(len(out)) if k not in short and out[k] > need[k]}
    room = sum(spare.values())
    for k, extra in spare.items():
        out[k] -= -(-deficit * extra // room)  # rounded up: the total never grows
    return out


#: Heat-map end points (bad, neutral, good): light enough for dark text on top.
HEAT = ((0xF4, 0xA6, 0xA8), (0xFF, 0xFF, 0xFF), (0xA8, 0xD8, 0xB4))


def heat_colour(tone: float) -> RGBColor:
    """White at 0, shading to red at −1 and to green at +1."""
    t = max(-1.0, min(1.0, tone))
    end = HEAT[2] if t >= 0 else HEAT[0]
    mid = HEAT[1]
    return RGBColor(*(round(m + abs(t) * (e - m)) for m, e in zip(mid, end, strict=True)))


def _clear_slides(prs) -> None:  # type: ignore[no-untyped-def]
    """A user template may carry example slides: drop them, keep the layouts."""
    sld_ids = prs.slides._sldIdLst
    for sld_id in list(sld_ids):
        prs.part.drop_rel(sld_id.rId)
        sld_ids.remove(sld_id)


def set_properties(prs, model: ReportModel) -> None:  # type: ignore[no-untyped-def]
    props = prs.core_properties
    stamp = _dt.datetime.combine(model.date, _dt.time(0, 0))
    props.title = model.title
    props.subject = f"{model.unit_name} · {model.period_display}"
    props.author = model.presenter or "reportgen"
    props.last_modified_by = "reportgen"
    props.keywords = model.period_label
    props.language = model.lang
    props.revision = 1
    props.created = props.modified = props.last_printed = stamp


def _set_font(prs, font: str) -> None:  # type: ignore[no-untyped-def]
    """Name ``font`` in both slots (Latin, East Asian) of every run written on the slides."""
    for slide in prs.slides:
        for el in slide._element.iter(qn("a:latin"), qn("a:ea")):
            if el.get("typeface") in (LATIN_FONT, EAST_ASIAN_FONT):
                el.set("typeface", font)


def render_model(
    model: ReportModel,
    template: Path | None = None,
    layouts: Mapping[str, str] | None = None,
    *,
    colours: tuple[str, ...] = DEFAULT_PALETTE,
    font: str | None = None,
) -> bytes:
    """The deck of ``model`` as .pptx bytes; charts coloured from ``colours`` (the branding
    palette), text and charts in ``font`` when given (else the template's Noto Sans SC)."""
    prs = Presentation(str(template or default_template_path()))
    layouts = dict(layouts or {})
    check_mapping(prs, layouts)
    _clear_slides(prs)
    r = _Renderer(prs, layouts, colours, font)
    for s in model.slides:
        r.slide(s)
    if font:
        _set_font(prs, font)
    set_properties(prs, model)
    buf = io.BytesIO()
    prs.save(buf)
    return fixed_time_zip(buf.getvalue(), prs.core_properties.modified)


def _reopen(expected_slides: int):  # type: ignore[no-untyped-def]
    def check(path: Path) -> None:
        try:
            n = len(Presentation(str(path)).slides)
        except Exception as exc:  # noqa: BLE001 - any failure to reopen aborts the write
            raise DeckError(f"the written deck does not reopen: {exc}") from exc
        if n != expected_slides:
            raise DeckError(f"the written deck has {n} slides, expected {expected_slides}")

    return check


def write_deck(report: KpiReport, config: ReportConfig, unit: str, path: Path, lang: str) -> Path:
    """Build the report model for ``unit`` ("all" = the group deck) and write the deck."""
    from reportgen.model.deck import build_report_model

    model = build_report_model(report, config, unit, lang)
    deck = getattr(config.report, "deck", None)
    template = config.path(deck.template) if deck is not None and deck.template else None
    layouts = dict(deck.layouts) if deck is not None else {}
    branding = config.report.branding
    data = render_model(model, template, layouts, colours=palette(config), font=branding.font)
    return atomic_write_bytes(Path(path), data, check=_reopen(len(model.slides)))
