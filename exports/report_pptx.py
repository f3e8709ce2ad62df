"""The report pack as PPTX (python-pptx): 16:9 slides, one chart per slide.

Accessible and readable: every slide's title is its title placeholder (layouts "Title Slide"
and "Title Only" of the default template), so PowerPoint's outline and screen readers find it;
every chart picture carries alternative text (exports/alt_text.py: the chart's title, filters,
period and key numbers); tables are set at 12 pt (exports/pptx_table.py), beside the chart when
they fit there, else on slides of their own with the header repeated on each.
"""

from __future__ import annotations

import io

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from charts.export_context import SOURCE, ExportContext
from exports.alt_text import alt_text
from exports.pptx_table import draw_table, plan_table
from exports.report_content import REPORT_TITLE, SUBTITLE, definitions, suppression_notes

W, H = Inches(13.333), Inches(7.5)
INK = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x52, 0x60, 0x6D)
ACCENT = RGBColor(0x0B, 0x5C, 0xAB)
WARN = RGBColor(0xB0, 0x00, 0x20)


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


# Slide geometry (EMU): the title placeholder, the body box under the definition, the footer.
MARGIN = Inches(0.4)
TITLE_TOP = Inches(0.25)
BODY_BOTTOM = H - Inches(0.7)
TEXT_EM = 0.55  # Arial's average glyph width, in em (estimates of wrapping)
GAP = Inches(0.3)  # between a chart and the table beside it
NOTE_PT = 11
TITLE_ONLY, TITLE_SLIDE = 5, 0  # layouts of the default template with a title placeholder


def _lines(text: str, size: float, width) -> int:
    """Lines `text` wraps to at `size` pt in a box `width` EMU wide (estimated)."""
    per_line = max(int(width / Pt(size * TEXT_EM)), 1)
    return max(1, -(-len(text) // per_line))


def _title_size(title: str, largest: int = 24, smallest: int = 18) -> int:
    """The largest size from `largest` down to `smallest` at which the title keeps to a line."""
    for size in range(largest, smallest - 1, -1):
        if _lines(title, size * 1.06, W - 2 * MARGIN) == 1:  # bold: a little wider
            return size
    return smallest


def _titled(prs, title: str, layout: int = TITLE_ONLY, size: int | None = None):
    """(slide, the top of what follows): a slide whose title is its title placeholder
    (PowerPoint's outline and screen readers read it), placed and styled like the rest of the
    pack; a long title is set smaller, and wraps only below 18 pt."""
    s = prs.slides.add_slide(prs.slide_layouts[layout])
    size = size or _title_size(title)
    height = Pt(size * 1.25 * _lines(title, size * 1.06, W - 2 * MARGIN) + 10)
    ph = s.shapes.title
    ph.left, ph.top, ph.width, ph.height = MARGIN, TITLE_TOP, W - 2 * MARGIN, height
    tf = ph.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.TOP
    tf.text = title
    for p in tf.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for r in p.runs:
            r.font.size, r.font.bold, r.font.name = Pt(size), True, "Arial"
            r.font.color.rgb = INK
    return s, TITLE_TOP + height + Inches(0.05)


def _describe(shape, text: str) -> None:
    """Alternative text: the `descr` of the shape's non-visual properties (what PowerPoint's
    "Alt Text" edits and screen readers read)."""
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", text)


def _note(slide, text: str, x, y, w) -> None:
    if text:
        _text(slide, x, y, w, Pt(NOTE_PT * 1.3 * _lines(text, NOTE_PT, w - Inches(0.2)) + 8),
              [(text, {"size": NOTE_PT, "color": MUTED})])


def _note_height(text: str, w) -> int:
    return int(Pt(NOTE_PT * 1.3 * _lines(text, NOTE_PT, w - Inches(0.2)) + 14)) if text else 0


def _section_slides(prs, sec, ctx: ExportContext, number: int) -> int:
    """The slides of one section: the chart with its table beside it when the table fits at a
    readable size, else the chart, then the table over as many slides as it needs (the header
    on each). Returns the next slide number."""
    s, top = _titled(prs, sec.title)
    def_h = Pt(11 * 1.25 * _lines(sec.definition, 11, W - 2 * MARGIN - Inches(0.2)) + 8)
    _text(s, MARGIN, top, W - 2 * MARGIN, def_h,
          [(sec.definition, {"size": 11, "color": MUTED})])
    body_top = top + def_h + Inches(0.1)
    if sec.empty:  # nothing to show: a sentence saying so, no figure, no table
        _text(s, MARGIN, body_top, W - 2 * MARGIN, Inches(1.0),
              [(sec.message or "Nothing to show for these filters.", {"size": 16})])
        _footer(s, ctx, number)
        return number + 1
    note = (sec.note + " " if sec.note else "") + (
        f"\"<{ctx.min_count}\": suppressed." if ctx.suppressed else "")
    box_h = BODY_BOTTOM - body_top
    iw, ih = Image.open(io.BytesIO(sec.png)).size
    scale = min((W - 2 * MARGIN) * 0.62 / iw, box_h / ih)
    pic_w, pic_h = int(iw * scale), int(ih * scale)
    side_x = MARGIN + pic_w + GAP
    side_w = W - MARGIN - side_x
    beside = plan_table(sec.table, side_w / Pt(1), (box_h - _note_height(note, side_w)) / Pt(1))
    fits = beside is not None and len(beside.pages) == 1
    pic_x = MARGIN if fits else (W - pic_w) // 2  # alone: centred, its table follows
    pic = s.shapes.add_picture(io.BytesIO(sec.png), pic_x, body_top, width=Emu(pic_w),
                               height=Emu(pic_h))
    where = ("in the table beside the chart" if fits else
             "in the table on the next slide" if _table_pages(sec, note) == 1
             else "in the table on the next slides")
    _describe(pic, alt_text(sec, ctx, where))
    if fits:
        shape = _draw(s, sec, beside, 0, side_x, body_top)
        _note(s, note, side_x, body_top + shape.height + Inches(0.1), side_w)
        _footer(s, ctx, number)
        return number + 1
    _footer(s, ctx, number)
    return _table_slides(prs, sec, ctx, note, number + 1)


def _table_title(sec, page: int = 0, pages: int = 1) -> str:
    return f"{sec.title}: the numbers" + (f" ({page + 1} of {pages})" if pages > 1 else "")


def _table_top(sec) -> int:
    """Where a table slide's table starts: under its title (sized as `_titled` sizes it)."""
    title = _table_title(sec, 0, 2)
    size = _title_size(title, 20)
    return TITLE_TOP + Pt(size * 1.25 * _lines(title, size * 1.06, W - 2 * MARGIN) + 10) \
        + Inches(0.15)


def _table_plan(sec, note: str):
    """The full-width plan of a section's table (numbers wrap only if they cannot fit)."""
    w = W - 2 * MARGIN
    return plan_table(sec.table, w / Pt(1),
                      (BODY_BOTTOM - _table_top(sec) - _note_height(note, w)) / Pt(1), wrap=True)


def _table_pages(sec, note: str) -> int:
    return len(_table_plan(sec, note).pages)


def _draw(slide, sec, plan, page: int, x, y):
    shape = draw_table(slide, sec.table, plan, page, x, y)
    start, stop = plan.pages[page]
    _describe(shape, f"Table: {sec.title}" + (
        f", rows {start + 1} to {stop} of {len(sec.table)}" if len(plan.pages) > 1 else ""))
    return shape


def _table_slides(prs, sec, ctx: ExportContext, note: str, number: int) -> int:
    """The section's table on slides of its own, full width, the header repeated on each."""
    plan = _table_plan(sec, note)
    n = len(plan.pages)
    for page in range(n):
        s, _ = _titled(prs, _table_title(sec, page, n), size=_title_size(
            _table_title(sec, 0, 2), 20))
        top = _table_top(sec)
        shape = _draw(s, sec, plan, page, MARGIN, top)
        if page == n - 1:
            _note(s, note, MARGIN, top + shape.height + Inches(0.1),
                  W - 2 * MARGIN)
        _footer(s, ctx, number)
        number += 1
    return number


def render_pptx(ctx: ExportContext, sections) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    prs.core_properties.title = f"{REPORT_TITLE}, {ctx.window_ascii}"
    prs.core_properties.author = SOURCE
    prs.core_properties.subject = ctx.filters_text
    if ctx.is_demo:
        prs.core_properties.keywords = "synthetic demo data"

    # Cover: the title slide layout (title and subtitle placeholders).
    s, _ = _titled(prs, REPORT_TITLE, TITLE_SLIDE, size=36)
    s.shapes.title.top = Inches(0.6)
    s.shapes.title.height = Inches(0.8)
    sub = s.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = MARGIN, Inches(1.4), W - 2 * MARGIN, Inches(1.2)
    sub.text_frame.text = SUBTITLE
    sub.text_frame.add_paragraph().text = ctx.window
    for i, p in enumerate(sub.text_frame.paragraphs):
        p.alignment = PP_ALIGN.LEFT
        for r in p.runs:
            r.font.name = "Arial"
            r.font.size = Pt(18 if i == 0 else 30)
            r.font.bold = i == 1
            r.font.color.rgb = MUTED if i == 0 else ACCENT
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

    number = 2
    for sec in sections:
        number = _section_slides(prs, sec, ctx, number)

    # Definitions, then the notes on suppression: 12 pt, two columns each.
    defs = definitions()
    half = -(-len(defs) // 2)
    s, _ = _titled(prs, "Definitions")
    for k, part in enumerate((defs[:half], defs[half:])):
        paras = []
        for label, text in part:
            paras.append((label, {"size": 12, "bold": True, "after": 0}))
            paras.append((text, {"size": 12, "after": 6}))
        _text(s, MARGIN + k * Inches(6.35), Inches(1.0), Inches(6.1), Inches(5.8), paras)
    _footer(s, ctx, number)
    s, _ = _titled(prs, "Notes on suppression and the data")
    notes = [("Small-cell suppression", {"size": 14, "bold": True, "after": 4})]
    notes += [("\u2022 " + t, {"size": 12, "after": 6}) for t in suppression_notes(ctx)]
    _text(s, MARGIN, Inches(1.0), Inches(7.4), Inches(5.8), notes)
    _text(s, Inches(8.2), Inches(1.0), W - Inches(8.2) - MARGIN, Inches(5.8), [
        ("Data", {"size": 14, "bold": True, "after": 4}),
        (ctx.notice, {"size": 12, "after": 6}),
        (f"{ctx.filters_text}. Data as of {ctx.as_of_text}.", {"size": 12})])
    _footer(s, ctx, number + 1)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
