"""The report pack as PDF (reportlab): landscape US Letter, one chart per page."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from charts.export_context import SOURCE, ExportContext
from exports.report_content import REPORT_TITLE, SUBTITLE, definitions, suppression_notes

PAGE_W, PAGE_H = landscape(letter)
MARGIN = 0.5 * inch
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#0b5cab")
WARN = colors.HexColor("#b00020")
RULE = colors.HexColor("#d9dee4")
HEAD_BG = colors.HexColor("#e8edf3")

S_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=26, leading=31,
                         textColor=INK)
S_SUB = ParagraphStyle("sub", fontName="Helvetica", fontSize=14, leading=18, textColor=MUTED)
S_H = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=16, leading=20, textColor=INK)
S_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14,
                        textColor=INK, alignment=TA_LEFT)
S_SMALL = ParagraphStyle("small", fontName="Helvetica", fontSize=8.5, leading=11,
                         textColor=MUTED)
S_NOTICE = ParagraphStyle("notice", fontName="Helvetica-Bold", fontSize=11, leading=14,
                          textColor=WARN)
S_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=9.5, textColor=INK)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _draw(c: canvas.Canvas, flow, x: float, y_top: float, width: float) -> float:
    """Draw a flowable with its top at y_top; returns the y below it."""
    _, h = flow.wrapOn(c, width, PAGE_H)
    flow.drawOn(c, x, y_top - h)
    return y_top - h


def _footer(c: canvas.Canvas, ctx: ExportContext, page: int) -> None:
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(MARGIN, MARGIN + 18, PAGE_W - MARGIN, MARGIN + 18)
    c.setFont("Helvetica", 7.5)
    c.setFillColor(MUTED)
    left = f"{ctx.filters_text}  |  Data as of {ctx.as_of_text}"
    c.drawString(MARGIN, MARGIN + 6, left[:190])
    c.drawRightString(PAGE_W - MARGIN, MARGIN + 6, f"Page {page}")
    flag = ("SYNTHETIC DEMO DATA \u2014 not OCSS figures" if ctx.is_demo else "")
    if not ctx.suppressed:
        flag = (flag + "  |  " if flag else "") + "UNSUPPRESSED \u2014 internal use only"
    if flag:
        c.setFont("Helvetica-Bold", 7.5)
        c.setFillColor(WARN)
        c.drawString(MARGIN, MARGIN - 4, flag)
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 7.5)
    state = f"on (<{ctx.min_count})" if ctx.suppressed else "off"
    c.drawRightString(PAGE_W - MARGIN, MARGIN - 4, f"Small-cell suppression: {state}")


def _cover(c: canvas.Canvas, ctx: ExportContext, sections) -> None:
    c.setFillColor(ACCENT)
    c.rect(0, PAGE_H - 0.35 * inch, PAGE_W, 0.35 * inch, stroke=0, fill=1)
    w = PAGE_W - 2 * MARGIN
    y = PAGE_H - 1.0 * inch
    y = _draw(c, _p(REPORT_TITLE, S_TITLE), MARGIN, y, w) - 4
    y = _draw(c, _p(SUBTITLE, S_SUB), MARGIN, y, w) - 14
    y = _draw(c, Paragraph(f"<b>{escape(ctx.window)}</b>",
                           ParagraphStyle("win", parent=S_TITLE, fontSize=22, leading=26,
                                          textColor=ACCENT)), MARGIN, y, w) - 16
    rows = [
        ("Window", f"{ctx.window} (calendar years)"),
        ("Programs", ctx.programs_text),
        ("Boroughs", ctx.boroughs_text),
        ("Data as of", ctx.as_of_text),
        ("Source", SOURCE),
        ("Generated", ctx.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    t = Table([[_p(a, ParagraphStyle("k", parent=S_BODY, fontName="Helvetica-Bold")),
                _p(b, S_BODY)] for a, b in rows], colWidths=[1.4 * inch, w - 1.4 * inch])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                           ("TOPPADDING", (0, 0), (-1, -1), 1),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    y = _draw(c, t, MARGIN, y, w) - 12
    notice_style = S_NOTICE if ctx.is_demo else S_BODY
    box = Table([[_p(ctx.notice, notice_style)], [_p(ctx.suppression_text, S_BODY)]],
                colWidths=[w])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.2, WARN if ctx.is_demo else RULE),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff6f6") if ctx.is_demo
         else colors.white),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    y = _draw(c, box, MARGIN, y, w) - 16
    y = _draw(c, _p("Contents", ParagraphStyle("c", parent=S_H, fontSize=13)), MARGIN, y, w) - 4
    for i, s in enumerate(sections, start=2):
        y = _draw(c, _p(f"{i}.  {s.title}", S_BODY), MARGIN + 8, y, w) - 1
    _draw(c, _p(f"{len(sections) + 2}.  Definitions and notes on suppression", S_BODY),
          MARGIN + 8, y, w)


def _table(df, width: float, font_size: float = 8) -> Table:
    style = ParagraphStyle("cell", parent=S_CELL, fontSize=font_size, leading=font_size + 1.5)
    head = ParagraphStyle("head", parent=style, fontName="Helvetica-Bold")
    num = ParagraphStyle("num", parent=style, alignment=2)
    num_head = ParagraphStyle("numh", parent=head, alignment=2)
    cols = list(df.columns)
    data = [[_p(str(cols[0]), head)] + [_p(str(c), num_head) for c in cols[1:]]]
    for row in df.itertuples(index=False, name=None):
        data.append([_p(str(row[0]), style)] + [_p(str(v), num) for v in row[1:]])
    from reportlab.pdfbase.pdfmetrics import stringWidth

    needs = []
    for j, col in enumerate(cols[1:], start=1):
        head_w = max(stringWidth(word, "Helvetica-Bold", font_size) for word in
                     str(col).split() or [""])
        vals_w = max([stringWidth(str(v), "Helvetica", font_size) for v in df.iloc[:, j]]
                     or [0])
        needs.append(max(head_w, vals_w) + 8)
    first = max(width - sum(needs), 0.5 * inch)
    spare = width - first - sum(needs)
    rest = [n + spare / max(len(needs), 1) for n in needs]
    t = Table(data, colWidths=[first] + rest, repeatRows=1)
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def _chart_page(c: canvas.Canvas, ctx: ExportContext, s, number: int) -> None:
    w = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN
    y = _draw(c, _p(f"{number}. {s.title}", S_H), MARGIN, y, w) - 4
    y = _draw(c, _p(s.definition, S_SMALL), MARGIN, y, w) - 8
    if s.empty:  # nothing to show: a sentence saying so, no figure, no table
        box = Table([[_p(s.message or "Nothing to show for these filters.", S_BODY)]],
                    colWidths=[w])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.8, RULE), ("BACKGROUND", (0, 0), (-1, -1), HEAD_BG),
            ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ]))
        _draw(c, box, MARGIN, y - 12, w)
        return
    bottom = MARGIN + 28
    table_w = 3.2 * inch
    fig_w = w - table_w - 0.25 * inch
    # The figure, fitted to its box, aspect kept.
    img = ImageReader(io.BytesIO(s.png))
    iw, ih = img.getSize()
    box_h = y - bottom
    scale = min(fig_w / iw, box_h / ih)
    dw, dh = iw * scale, ih * scale
    c.drawImage(img, MARGIN, y - dh, width=dw, height=dh)
    # The table, shrunk to fit the column if it is long.
    tx = MARGIN + fig_w + 0.25 * inch
    for size in (8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5):
        t = _table(s.table, table_w, size)
        tw, th = t.wrapOn(c, table_w, PAGE_H)
        if th <= box_h - 30 and sum(t._colWidths) <= table_w + 0.5:
            break
    ty = _draw(c, t, tx, y, table_w) - 6
    note = s.note or ""
    if ctx.suppressed:
        note = (note + " " if note else "") + f"\"<{ctx.min_count}\": suppressed."
    if note:
        _draw(c, _p(note, S_SMALL), tx, ty, table_w)


def _closing(c: canvas.Canvas, ctx: ExportContext, number: int, page: int) -> int:
    w = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN
    y = _draw(c, _p(f"{number}. Definitions and notes on suppression", S_H), MARGIN, y, w) - 8
    col_w = (w - 0.4 * inch) / 2
    bottom = MARGIN + 30
    # Left column: definitions. Right column: suppression and data notes.
    ly = y
    label = ParagraphStyle("dl", parent=S_BODY, fontName="Helvetica-Bold", fontSize=9.5,
                           leading=12)
    body = ParagraphStyle("dd", parent=S_BODY, fontSize=9, leading=11.5)
    for name, text in definitions():
        ly = _draw(c, _p(name, label), MARGIN, ly, col_w)
        ly = _draw(c, _p(text, body), MARGIN, ly, col_w) - 5
    rx = MARGIN + col_w + 0.4 * inch
    ry = _draw(c, _p("Small-cell suppression", label), rx, y, col_w) - 2
    for t in suppression_notes(ctx):
        ry = _draw(c, _p("\u2022 " + t, body), rx, ry, col_w) - 4
    ry -= 6
    ry = _draw(c, _p("Data", label), rx, ry, col_w) - 2
    for t in (ctx.notice, f"{ctx.filters_text}.", f"Data as of {ctx.as_of_text}.",
              "Years are calendar years. A program is listed when it has any record that "
              "passes the program and borough filters."):
        ry = _draw(c, _p(t, body), rx, ry, col_w) - 4
    assert min(ly, ry) > bottom - 200  # layout guard (content is fixed-size)
    return page


def render_pdf(ctx: ExportContext, sections) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    c.setTitle(f"{REPORT_TITLE}, {ctx.window_ascii}")
    c.setAuthor(SOURCE)
    c.setSubject(ctx.filters_text)
    if ctx.is_demo:
        c.setKeywords("synthetic demo data")
    page = 1
    _cover(c, ctx, sections)
    _footer(c, ctx, page)
    c.showPage()
    for i, s in enumerate(sections, start=2):
        page += 1
        _chart_page(c, ctx, s, i)
        _footer(c, ctx, page)
        c.showPage()
    page += 1
    _closing(c, ctx, len(sections) + 2, page)
    _footer(c, ctx, page)
    c.showPage()
    c.save()
    return buf.getvalue()
