"""The default template deck, ``templates/deck/default.pptx``, built reproducibly.

Run ``python -m reportgen.render.deck_template`` to regenerate it. It starts from
python-pptx's own default template, widens it to 16:9 (placeholders scaled with it),
sets the theme fonts (Latin *and* East Asian) and a quiet colour scheme. A test checks
that the shipped file matches :data:`LAYOUT_NAMES` and :data:`SLIDE_SIZE`.
"""

from __future__ import annotations

import io
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu

from reportgen.branding import DEFAULT_PALETTE
from reportgen.resources import templates_dir

#: 16:9 at 13.333 × 7.5 inches, in EMU.
SLIDE_SIZE = (12192000, 6858000)
#: Theme fonts: Latin and East Asian. Noto Sans SC covers both and is what the text
#: measurement uses (the font file comes from the pylopdf-fonts-zh-cn package).
LATIN_FONT = "Noto Sans SC"
EAST_ASIAN_FONT = "Noto Sans SC"
#: Accent colours of the theme: the default branding palette (the chart series colours).
ACCENTS = DEFAULT_PALETTE
DARK = "1F2933"
LAYOUT_NAMES = (
    "Title Slide",
    "Title and Content",
    "Section Header",
    "Two Content",
    "Comparison",
    "Title Only",
    "Blank",
    "Content with Caption",
    "Picture with Caption",
    "Title and Vertical Text",
    "Vertical Title and Text",
)
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def default_template_path() -> Path:
    return templates_dir() / "deck" / "default.pptx"


def _scale_x(shapes: object, factor: float) -> None:
    for shape in shapes:  # type: ignore[attr-defined]
        if shape.left is not None and shape.width is not None:
            shape.left = Emu(round(shape.left * factor))
            shape.width = Emu(round(shape.width * factor))


def _theme(prs: Presentation) -> None:
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    ns = {"a": _A}
    for font in root.iterfind(".//a:fontScheme/*", ns):  # majorFont, minorFont
        font.find("a:latin", ns).set("typeface", LATIN_FONT)
        font.find("a:ea", ns).set("typeface", EAST_ASIAN_FONT)
    scheme = root.find(".//a:clrScheme", ns)
    scheme.set("name", "reportgen")
    for i, rgb in enumerate(ACCENTS, start=1):
        el = scheme.find(f"a:accent{i}", ns)
        for child in list(el):
            el.remove(child)
        etree.SubElement(el, f"{{{_A}}}srgbClr", val=rgb)
    dk = scheme.find("a:dk2", ns)
    for child in list(dk):
        dk.remove(child)
    etree.SubElement(dk, f"{{{_A}}}srgbClr", val=DARK)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build_default_template() -> bytes:
    """The default template's bytes (no slides)."""
    prs = Presentation()
    factor = SLIDE_SIZE[0] / prs.slide_width
    prs.slide_width, prs.slide_height = Emu(SLIDE_SIZE[0]), Emu(SLIDE_SIZE[1])
    _scale_x(prs.slide_master.shapes, factor)
    for layout in prs.slide_layouts:
        _scale_x(layout.placeholders, factor)
    _theme(prs)
    props = prs.core_properties
    props.title, props.author, props.last_modified_by = (
        "reportgen default",
        "reportgen",
        "reportgen",
    )
    props.revision = 1
    import datetime as _dt

    fixed = _dt.datetime(2025, 1, 1)
    props.created = props.modified = props.last_printed = fixed
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def write_default_template(path: Path | None = None) -> Path:
    path = path or default_template_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_default_template())
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write_default_template())
