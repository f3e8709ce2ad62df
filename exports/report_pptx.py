"""The report pack as PPTX (python-pptx): 16:9 slides, one chart per slide."""

from __future__ import annotations

import io

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from charts.export_context import SOURCE, ExportContext
from exports.report_content import REPORT_TITLE, SUBTITLE, definitions, suppression_notes

W, H = Inches(13.333), Inches(7.5)
INK = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x52, 0x60, 0x6D)
ACCENT = RGBColor(0x0B, 0x5C, 0xAB)
WARN = RGBColor(0xB0, 0x00, 0x20)
HEAD_BG = RGBColor(0xE8, 0xED, 0xF3)


def _text(slide, x, y, w, h, paragraphs, size=14, color=INK, bold=False):
    """A text box; `paragraphs` is a list of str or (str, dict(size, color, bold))."""
    box = slide.shapes.add_textbox(x, y, w, h)
    tf = box.text_frame
    tf.word_wrap = True
    for i, item in enumerate(paragraphs):
        text, opts = (item, {}) if isinstance(item, str) else item
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(opts.get("size", size))
        run.font.bold = opts.get("bold", bold)
        run.font.color.rgb = opts.get("color", color)
        run.font.name = "Arial"
        p.space_after = Pt(opts.get("after", 4))
    return box


def _footer(slide, ctx: ExportContext, number: int) -> None:
    left = f"{ctx.filters_text}  |  Data as of {ctx.as_of_text}"
    flag = "SYNTHETIC DEMO DATA \u2014 not OCSS figures" if ctx.is_demo else ""
    if not ctx.suppressed:
        flag = (flag + "  |  " if flag else "") + "UNSUPPRESSED \u2014 internal use only"
    paras = [(left, {"size": 9, "color": MUTED, "after": 0})]
    if flag:
        paras.append((flag, {"size": 9, "color": WARN, "bold": True, "after": 0}))
    _text(slide, Inches(0.4), H - Inches(0.6), W - Inches(1.6), Inches(0.5), paras)
    _text(slide, W - Inches(1.2), H - Inches(0.6), Inches(0.8), Inches(0.4),
          [(str(number), {"size": 9, "color": MUTED})]).text_frame.paragraphs[0].alignment = \
        PP_ALIGN.RIGHT


def _table(slide, df, x, y, w, max_h):
    rows, cols = len(df) + 1, len(df.columns)
    size = 11 if rows <= 10 else 9 if rows <= 16 else 7.5
    row_h = Pt(size * 1.9)
    shape = slide.shapes.add_table(rows, cols, x, y, w, Emu(min(int(row_h * rows), max_h)))
    table = shape.table
    first = int(w * (0.4 if cols <= 4 else 0.2))
    table.columns[0].width = first
    for j in range(1, cols):
        table.columns[j].width = int((w - first) / (cols - 1))
    for j, col in enumerate(df.columns):
        cell = table.cell(0, j)
        cell.text = str(col)
        cell.fill.solid()
        cell.fill.fore_color.rgb = HEAD_BG
    for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
        for j, v in enumerate(row):
            table.cell(i, j).text = str(v)
    for i in range(rows):
        table.rows[i].height = row_h
        for j in range(cols):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Pt(3)
            cell.margin_top = cell.margin_bottom = Pt(1)
            for p in cell.text_frame.paragraphs:
                p.alignment = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT
                for r in p.runs:
                    r.font.size = Pt(size)
                    r.font.bold = i == 0
                    r.font.color.rgb = INK
                    r.font.name = "Arial"
            if i > 0:
                cell.fill.background()
    return shape


def render_pptx(ctx: ExportContext, sections) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    blank = prs.slide_layouts[6]
    prs.core_properties.title = f"{REPORT_TITLE}, {ctx.window_ascii}"
    prs.core_properties.author = SOURCE
    prs.core_properties.subject = ctx.filters_text
    if ctx.is_demo:
        prs.core_properties.keywords = "synthetic demo data"

    # Cover
    s = prs.slides.add_slide(blank)
    _text(s, Inches(0.6), Inches(0.6), Inches(12), Inches(1.6), [
        (REPORT_TITLE, {"size": 36, "bold": True}),
        (SUBTITLE, {"size": 18, "color": MUTED}),
        (ctx.window, {"size": 30, "bold": True, "color": ACCENT}),
    ])
    _text(s, Inches(0.6), Inches(2.9), Inches(12), Inches(1.8), [
        f"Programs: {ctx.programs_text}",
        f"Boroughs: {ctx.boroughs_text}",
        f"Data as of: {ctx.as_of_text}",
        f"Source: {SOURCE}",
    ], size=15)
    _text(s, Inches(0.6), Inches(4.7), Inches(12), Inches(1.8), [
        (ctx.notice, {"size": 16, "bold": ctx.is_demo, "color": WARN if ctx.is_demo else INK}),
        (ctx.suppression_text, {"size": 12}),
    ])
    _footer(s, ctx, 1)

    for i, sec in enumerate(sections, start=2):
        s = prs.slides.add_slide(blank)
        _text(s, Inches(0.4), Inches(0.25), Inches(12.5), Inches(0.6),
              [(sec.title, {"size": 22, "bold": True})])
        _text(s, Inches(0.4), Inches(0.85), Inches(12.5), Inches(0.7),
              [(sec.definition, {"size": 10, "color": MUTED})])
        top, bottom = Inches(1.6), H - Inches(0.7)
        if sec.empty:  # nothing to show: a sentence saying so, no figure, no table
            _text(s, Inches(0.4), top, Inches(12.5), Inches(1.0),
                  [(sec.message or "Nothing to show for these filters.", {"size": 16})])
            _footer(s, ctx, i)
            continue
        fig_w = Inches(8.4)
        box_h = bottom - top
        iw, ih = Image.open(io.BytesIO(sec.png)).size
        scale = min(fig_w / iw, box_h / ih)
        s.shapes.add_picture(io.BytesIO(sec.png), Inches(0.4), top,
                             width=Emu(int(iw * scale)), height=Emu(int(ih * scale)))
        tx = Inches(9.0)
        tw = W - tx - Inches(0.4)
        shape = _table(s, sec.table, tx, top, tw, int(box_h - Inches(0.6)))
        note = (sec.note + " " if sec.note else "") + (
            f"\"<{ctx.min_count}\": suppressed." if ctx.suppressed else "")
        if note.strip():
            _text(s, tx, top + shape.height + Inches(0.1), tw, Inches(0.6),
                  [(note, {"size": 9, "color": MUTED})])
        _footer(s, ctx, i)

    s = prs.slides.add_slide(blank)
    _text(s, Inches(0.4), Inches(0.25), Inches(12.5), Inches(0.6),
          [("Definitions and notes on suppression", {"size": 22, "bold": True})])
    paras = []
    for label, text in definitions():
        paras.append((label, {"size": 10.5, "bold": True, "after": 0}))
        paras.append((text, {"size": 9.5, "after": 5}))
    _text(s, Inches(0.4), Inches(1.0), Inches(6.2), Inches(5.8), paras)
    notes = [("Small-cell suppression", {"size": 10.5, "bold": True, "after": 2})]
    notes += [("\u2022 " + t, {"size": 9.5, "after": 4}) for t in suppression_notes(ctx)]
    notes += [("Data", {"size": 10.5, "bold": True, "after": 2}),
              (ctx.notice, {"size": 9.5, "after": 4}),
              (f"{ctx.filters_text}. Data as of {ctx.as_of_text}.", {"size": 9.5})]
    _text(s, Inches(6.9), Inches(1.0), Inches(6.0), Inches(5.8), notes)
    _footer(s, ctx, len(sections) + 2)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
