"""The report PPTX for people and for screen readers: a real title placeholder on every slide,
alternative text on every chart saying what it shows, tables at 12 pt or more that fit the
slide, long ones split over slides with the header repeated. Opened with python-pptx."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.util import Inches, Pt

from exports.pptx_table import TABLE_PT, plan_table, text_pt
from warehouse.query import Filters, open_warehouse

TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
GENERIC = {"image", "picture", "chart", "graph", "figure", "plot"}


@pytest.fixture(scope="module", params=[
    (Filters(), True),
    (Filters(2019, 2021, (), ("Bronx",)), True),
    (Filters(2015, 2023, ("FAMILIES_FORWARD", "PSP")), False),
], ids=["all", "bronx-2019-2021", "ff-psp-unsuppressed"])
def pack(request, demo_warehouse, image_engine):
    """(context, sections, presentation) of a report pack, made as `outcomes report` makes it."""
    from charts.export_context import export_context
    from exports.report import build_sections, render_images, report_bytes

    wh = open_warehouse(demo_warehouse)
    f, suppress = request.param
    f = wh.resolve(f)
    ctx = export_context(wh, f, suppressed=suppress)
    sections = build_sections(wh, f, ctx=ctx)
    render_images(sections)
    return ctx, sections, Presentation(io.BytesIO(report_bytes(ctx, sections, "pptx")))


def _title(slide) -> str:
    """The text of the slide's title placeholder ('' when it has none)."""
    for sh in slide.placeholders:
        if sh.placeholder_format.type in TITLE_TYPES:
            return sh.text_frame.text
    return ""


def _descr(shape) -> str:
    return shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or ""


def _sections_slides(prs, sections):
    """{section index: [slides]}: a section's slides are titled with its title."""
    slides = list(prs.slides)[1:-2]  # the cover; then the definitions and the notes
    out, i = {}, -1
    for slide in slides:
        title = _title(slide)
        if i + 1 < len(sections) and title == sections[i + 1].title:
            i += 1
        assert title.startswith(sections[i].title), (title, sections[i].title)
        out.setdefault(i, []).append(slide)
    assert sorted(out) == list(range(len(sections)))
    return out


def test_every_slide_has_a_filled_title_placeholder(pack):
    ctx, sections, prs = pack
    titles = [_title(s) for s in prs.slides]
    assert all(t.strip() for t in titles), titles
    assert titles[0] == "Program outcomes report"
    assert titles[-2:] == ["Definitions", "Notes on suppression and the data"]
    # The title is also the slide's `shapes.title` (what PowerPoint's outline lists).
    assert all(s.shapes.title is not None and s.shapes.title.text == t
               for s, t in zip(prs.slides, titles, strict=True))
    _sections_slides(prs, sections)


def test_every_chart_picture_has_specific_alt_text(pack):
    ctx, sections, prs = pack
    by_section = _sections_slides(prs, sections)
    pictures = 0
    for i, sec in enumerate(sections):
        pics = [sh for s in by_section[i] for sh in s.shapes
                if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        if sec.empty:
            assert not pics
            continue
        assert len(pics) == 1
        pictures += 1
        alt = _descr(pics[0])
        assert alt.strip().lower() not in GENERIC and len(alt) > 100, alt
        assert sec.title in alt and f"Period: {ctx.window}" in alt
        assert ctx.programs_text in alt and ctx.boroughs_text in alt
        # Key numbers: the first and last rows of its table, label and values.
        for row in (sec.table.iloc[0], sec.table.iloc[-1]):
            assert str(row.iloc[0]) in alt and str(row.iloc[-1]) in alt, (row, alt)
        assert ("chart" in alt.split(":")[0].lower()), alt
    assert pictures  # every filter set here has charts to show
    # Every picture in the pack is a chart of a section (none without a description).
    assert pictures == sum(sh.shape_type == MSO_SHAPE_TYPE.PICTURE
                           for s in prs.slides for sh in s.shapes)


def test_tables_are_readable_fit_the_slide_and_repeat_their_header(pack):
    ctx, sections, prs = pack
    by_section = _sections_slides(prs, sections)
    width, footer_top = prs.slide_width, prs.slide_height - Inches(0.7)
    for i, sec in enumerate(sections):
        tables = [sh for s in by_section[i] for sh in s.shapes if sh.has_table]
        if sec.empty:
            assert not tables
            continue
        rows = []
        for shape in tables:
            t = shape.table
            header = [t.cell(0, j).text for j in range(len(t.columns))]
            assert header == [str(c) for c in sec.table.columns]  # on every slide
            rows += [[t.cell(r, j).text for j in range(len(t.columns))]
                     for r in range(1, len(t.rows))]
            for r in range(len(t.rows)):
                for j in range(len(t.columns)):
                    for p in t.cell(r, j).text_frame.paragraphs:
                        for run in p.runs:
                            assert run.font.size >= Pt(12), (sec.title, run.text)
            # Inside the slide and above the footer (heights as set; rows of one line).
            assert shape.left >= 0 and shape.left + sum(c.width for c in t.columns) <= width
            assert shape.top + sum(r.height for r in t.rows) <= footer_top, sec.title
            # A value column is as wide as its longest value at 12 pt: numbers never wrap.
            for j in range(1, len(t.columns)):
                longest = max(text_pt(t.cell(r, j).text) for r in range(1, len(t.rows)))
                assert t.columns[j].width >= Pt(longest), (sec.title, header[j])
        # Every row of the section's table once, in order, across its slides.
        assert rows == sec.table.astype(str).values.tolist(), sec.title


def test_a_long_table_is_split_into_balanced_pages_under_the_height():
    df = pd.DataFrame({"Year": [str(2000 + i) for i in range(40)],
                       "Arrears Cap": ["$17.5M"] * 40, "NCPs": ["1,234"] * 40})
    plan = plan_table(df, 900, 400)
    assert len(plan.pages) > 1
    sizes = [stop - start for start, stop in plan.pages]
    assert sum(sizes) == 40 and max(sizes) - min(sizes) <= 1
    assert plan.pages[0][0] == 0 and plan.pages[-1][1] == 40
    assert all(plan.height_pt(p) <= 400 for p in range(len(plan.pages)))
    assert plan.width_pt <= 900


def test_a_table_too_wide_for_the_slide_at_12_pt_wraps_rather_than_shrinks():
    wide = pd.DataFrame({f"Column {j}": ["$123,456,789.00"] * 3 for j in range(12)})
    assert plan_table(wide, 900, 400) is None  # not beside a chart
    plan = plan_table(wide, 900, 400, wrap=True)  # on its own slide: still 12 pt, wrapped
    assert plan.width_pt <= 900 + 1e-6 and TABLE_PT >= 12
    assert min(plan.row_pt) > plan_table(wide.iloc[:, :3], 900, 400).row_pt[0]
