"""Conditional formatting: target attainment (met / near / missed) and significant changes.

Rules read the status and significance-mark cells the sheet itself shows, so the
colour always agrees with the text, and the KPI's direction is already in the mark
(a significant rise in churn is ▼, red).
"""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.render.xlsx_layout import TableRange

GOOD = (PatternFill("solid", bgColor="C6EFCE"), Font(color="006100"))
NEAR = (PatternFill("solid", bgColor="FFEB9C"), Font(color="9C5700"))
BAD = (PatternFill("solid", bgColor="FFC7CE"), Font(color="9C0006"))
IMPROVED, WORSENED = "▲", "▼"


def _literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _rule(ws: Worksheet, cells: str, formula: str, style: tuple[PatternFill, Font]) -> None:
    fill, font = style
    ws.conditional_formatting.add(
        cells, FormulaRule(formula=[formula], fill=fill, font=font, stopIfTrue=True)
    )


def attainment_rules(
    ws: Worksheet, tr: TableRange, cols: tuple[int, ...], status_col: int, labels: dict[str, str]
) -> None:
    """Colour the ``cols`` (offsets in the table) by the status text in ``status_col``."""
    if tr.last_row < tr.first_row:
        return
    key = f"${tr.letter(status_col)}{tr.first_row}"
    for offset in cols:
        cells = f"{tr.letter(offset)}{tr.first_row}:{tr.letter(offset)}{tr.last_row}"
        _rule(ws, cells, f"{key}={_literal(labels['met'])}", GOOD)
        _rule(ws, cells, f"{key}={_literal(labels['near'])}", NEAR)
        _rule(ws, cells, f"{key}={_literal(labels['missed'])}", BAD)


def significance_rules(ws: Worksheet, tr: TableRange, change_col: int, mark_col: int) -> None:
    """Green for a significant improvement, red for a significant deterioration."""
    if tr.last_row < tr.first_row:
        return
    key = f"${tr.letter(mark_col)}{tr.first_row}"
    cells = f"{tr.letter(change_col)}{tr.first_row}:{tr.letter(mark_col)}{tr.last_row}"
    if abs(mark_col - change_col) != 1:
        raise ValueError("the change and its significance mark must be adjacent columns")
    _rule(ws, cells, f"{key}={_literal(IMPROVED)}", GOOD)
    _rule(ws, cells, f"{key}={_literal(WORSENED)}", BAD)
