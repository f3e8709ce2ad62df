"""Tables on PPTX slides at a readable size: 12 pt text, columns as wide as their numbers
(never wrapped), the label column and the headers wrapping if they must, and a long table split
into pages of rows that each repeat the header.

PowerPoint and LibreOffice grow a row to fit its text, so the heights here are estimates of
that (Arial's average glyph is about 0.55 em; 0.6 em is used, to err wide): `plan_table` is
pure, so the layout is tested without rendering.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import pandas as pd
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Pt

TABLE_PT = 12  # body and header text
CHAR_EM = 0.6  # width of a character, in em (bold: + 8%)
PAD_PT = 4  # cell margin, each side
LINE_PT = TABLE_PT * 1.2
ROW_PAD_PT = 5  # above and below the lines of a row, together
MIN_LABEL_PT = 100  # the narrowest the label column may wrap to
INK = RGBColor(0x1F, 0x29, 0x33)
HEAD_BG = RGBColor(0xE8, 0xED, 0xF3)


def text_pt(text: str, bold: bool = False) -> float:
    """The estimated width of one line of `text` at TABLE_PT, in points."""
    return len(text) * TABLE_PT * CHAR_EM * (1.08 if bold else 1.0)


def _lines(text: str, width_pt: float, bold: bool = False) -> int:
    """Lines `text` takes in a cell `width_pt` wide (word wrap, estimated)."""
    room = max(width_pt - 2 * PAD_PT, 1)
    lines, current = 1, 0.0
    for word in str(text).split():
        w = text_pt(word, bold)
        if current and current + text_pt(" ", bold) + w > room:  # to the next line
            lines, current = lines + 1, 0.0
        if current:
            current += text_pt(" ", bold) + w
        else:  # a word longer than the line breaks over lines of its own
            lines += math.ceil(w / room) - 1 if w > room else 0
            current = w % room if w > room else w
    return lines


@dataclass(frozen=True)
class TablePlan:
    widths_pt: tuple[float, ...]  # per column
    header_pt: float  # the header row's height
    row_pt: tuple[float, ...]  # per body row
    pages: tuple[tuple[int, int], ...]  # row ranges [start, stop), one per slide

    @property
    def width_pt(self) -> float:
        return sum(self.widths_pt)

    def height_pt(self, page: int) -> float:
        start, stop = self.pages[page]
        return self.header_pt + sum(self.row_pt[start:stop])


def plan_table(df: pd.DataFrame, max_w_pt: float, max_h_pt: float, stretch: float = 1.25,
               wrap: bool = False) -> TablePlan | None:
    """Column widths and pages of rows for `df` (strings) in a box `max_w_pt` x `max_h_pt`.
    Value columns get the width of their longest value (and of the longest word of their
    header); the first (label) column the rest, up to its longest value; widths grow by
    `stretch` (air) within the box. When the numbers cannot fit the width at TABLE_PT: None,
    or with `wrap`, every column narrowed in proportion (values wrap; rows grow)."""
    cells = df.astype(str)
    cols = list(df.columns)
    need = []
    for j, col in enumerate(cols):
        words = max((text_pt(w, bold=True) for w in str(col).split()), default=0)
        values = max((text_pt(v) for v in cells.iloc[:, j]), default=0)
        full = max(values, text_pt(str(col), bold=True))
        need.append((max(words, values) + 2 * PAD_PT + 2, full + 2 * PAD_PT + 2))
    fixed = sum(n[0] for n in need[1:])
    label = min(need[0][1], max_w_pt - fixed)
    if label >= min(MIN_LABEL_PT, need[0][1]):
        widths = [label, *(n[0] for n in need[1:])]
    elif wrap:
        total = sum(n[0] for n in need)
        widths = [n[0] * max_w_pt / total for n in need]
    else:
        return None
    # Air: every column a little wider, a value column up to its header on one line.
    grow = min(stretch, max_w_pt / sum(widths))
    widths = [w * grow for w in widths]
    spare = max_w_pt - sum(widths)
    for j in range(1, len(cols)):
        more = min(max(need[j][1] - widths[j], 0), spare)
        widths[j] += more
        spare -= more
    header = max(_lines(c, w, bold=True) for c, w in zip(cols, widths, strict=True))
    header_pt = header * LINE_PT + ROW_PAD_PT
    rows = tuple(max(_lines(v, w) for v, w in zip(row, widths, strict=True)) * LINE_PT
                 + ROW_PAD_PT for row in cells.itertuples(index=False, name=None))
    pages = _pages(rows, max_h_pt - header_pt)
    return TablePlan(tuple(widths), header_pt, rows, pages)


def _pages(rows: tuple[float, ...], room: float) -> tuple[tuple[int, int], ...]:
    """Consecutive row ranges, each fitting `room`, balanced (a 19-row table on 2 slides is
    10 + 9, not 17 + 2)."""
    if not rows:
        return ((0, 0),)
    per = max(1, int(room // max(rows)))
    n = math.ceil(len(rows) / per)
    sizes = [len(rows) // n + (1 if i < len(rows) % n else 0) for i in range(n)]
    bounds = [0, *itertools.accumulate(sizes)]
    return tuple(zip(bounds[:-1], bounds[1:], strict=True))


def draw_table(slide, df: pd.DataFrame, plan: TablePlan, page: int, x: int, y: int):
    """Rows `plan.pages[page]` of `df` under its header, at (x, y) in EMU."""
    start, stop = plan.pages[page]
    part = df.iloc[start:stop]
    rows, cols = len(part) + 1, len(df.columns)
    shape = slide.shapes.add_table(rows, cols, x, y, Emu(int(Pt(plan.width_pt))),
                                   Emu(int(Pt(plan.height_pt(page)))))
    table = shape.table
    table.first_row = True  # the header row is marked as one (screen readers announce it)
    for j, w in enumerate(plan.widths_pt):
        table.columns[j].width = Emu(int(Pt(w)))
    heights = (plan.header_pt, *plan.row_pt[start:stop])
    for i, h in enumerate(heights):
        table.rows[i].height = Emu(int(Pt(h)))
    for j, col in enumerate(df.columns):
        _cell(table.cell(0, j), str(col), j, header=True)
    for i, row in enumerate(part.itertuples(index=False, name=None), start=1):
        for j, v in enumerate(row):
            _cell(table.cell(i, j), str(v), j, header=False)
    return shape


def _cell(cell, text: str, j: int, header: bool) -> None:
    cell.text = text
    cell.margin_left = cell.margin_right = Pt(PAD_PT)
    cell.margin_top = cell.margin_bottom = Pt(ROW_PAD_PT / 2 - 0.5)
    if header:
        cell.fill.solid()
        cell.fill.fore_color.rgb = HEAD_BG
    else:
        cell.fill.background()
    for p in cell.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT
        for r in p.runs:
            r.font.size = Pt(TABLE_PT)
            r.font.bold = header
            r.font.color.rgb = INK
            r.font.name = "Arial"
