"""Exports: open what was written (PDF pages and text, PPTX slides, SVG, XLSX, CSV) and check
that no exported number reveals a small cell."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from exports.tables import escape_text, to_csv_bytes, to_xlsx_bytes
from warehouse.query import Filters, open_warehouse


@pytest.fixture(scope="session", autouse=True)
def _one_engine():
    """One image engine for the whole session, stopped at the end."""
    yield
    from exports.images import stop_engine

    stop_engine()


@pytest.fixture(scope="session")
def demo(demo_warehouse):
    return open_warehouse(demo_warehouse)


@pytest.fixture(scope="session")
def pdf_report(demo, tmp_path_factory, image_engine) -> Path:
    from exports.report import build_report

    out = tmp_path_factory.mktemp("report") / "pack.pdf"
    build_report(demo, Filters(2015, 2023), out, "pdf")
    return out


def _pdftext(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# -- images ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("image_engine")
def test_image_formats():
    from exports.images import figure_bytes, figures_bytes, print_ready

    fig = print_ready(go.Figure(go.Bar(x=["a", "b"], y=[3, 5])), title="T",
                      footnote="Filters<br>Synthetic demo data")
    png = figure_bytes(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = figure_bytes(fig, "svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"Synthetic demo data" in svg
    pdf = figure_bytes(fig, "pdf")
    assert pdf[:5] == b"%PDF-"
    batch = figures_bytes([fig, fig], "svg")
    assert len(batch) == 2 and all(b.lstrip().startswith(b"<svg") for b in batch)
    with pytest.raises(ValueError):
        figure_bytes(fig, "gif")


# -- data files --------------------------------------------------------------------------------
def test_escape_and_numbers():
    assert escape_text("=1+1") == "'=1+1"
    for s in ("+1", "-x", "@SUM(A1)", "\tx", "\rx"):
        assert escape_text(s).startswith("'")
    assert escape_text("<11") == "<11"
    df = pd.DataFrame({"program": ["=HYPERLINK(\"x\")", "B"], "n": [-5, "<11"],
                       "usd": [-12.5, 3.0]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-5", "-12.5"]
    assert rows[2] == ["B", "<11", "3.0"]


def test_csv_and_xlsx_headers(demo):
    from openpyxl import load_workbook

    from exports.chart_files import chart_file

    text = chart_file("arrears_totals", demo, Filters(2015, 2023), "csv").decode("utf-8-sig")
    head, table = text.split("\r\n\r\n", 1)
    assert "Synthetic demo data".lower() in head.lower()
    assert "Years 2015\u20132023" in head and "Data as of" in head
    assert "<11" in head  # the suppression note
    df = pd.read_csv(io.StringIO(table))
    assert list(df.columns[:3]) == ["program", "arrears_reduced_usd", "ncps_with_reductions"]
    expected = demo.metrics(Filters(2015, 2023)).set_index("program")
    cap = df.set_index("program").loc["ARREARS_CAP"]
    assert float(cap["arrears_reduced_usd"]) == pytest.approx(
        expected.loc["ARREARS_CAP", "arrears_reduced_usd"])

    data = chart_file("served_vs_graduates", demo, Filters(2015, 2023, (), ("Staten Island",)),
                      "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Data", "About"]
    ws = wb["Data"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("SYNTHETIC DEMO DATA" in str(v) for v in cells)
    assert "<11" in cells  # Staten Island by year has small cells
    numbers = [v for v in cells if isinstance(v, int | float)]
    assert numbers and all(v == 0 or abs(v) >= 11 or isinstance(v, float) and v < 1
                           for v in numbers)  # rates are fractions
    about = [c.value for row in wb["About"].iter_rows() for c in row if c.value]
    assert any("Distinct participants" in str(v) for v in about)


def test_xlsx_formula_injection():
    from openpyxl import load_workbook

    df = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "ok"], "n": [-3, 12]})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    ws = wb["Data"]
    assert ws["A2"].value == "'=cmd|' /C calc'!A0" and ws["A2"].data_type == "s"
    assert ws["B2"].value == -3 and ws["B2"].data_type == "n"


# -- the report pack ---------------------------------------------------------------------------
def test_pdf_report_pages_and_text(demo, pdf_report):
    from charts.registry import HEADLINE_CHARTS

    info = subprocess.run(["pdfinfo", str(pdf_report)], capture_output=True, text=True).stdout
    pages = len(HEADLINE_CHARTS) + 3  # cover, headline charts, impact (the demo has support
    # months: tests/test_impact_page.py), definitions
    assert re.search(rf"^Pages:\s+{pages}$", info, re.M), info
    out = pdf_report.parent / "png"
    out.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf_report), str(out / "p")],
                   check=True)
    pngs = sorted(out.glob("p-*.png"))
    assert len(pngs) == pages
    from PIL import Image

    for p in pngs:
        w, h = Image.open(p).size
        assert (w, h) == (440, 340)  # landscape US Letter at 40 dpi
    text = _pdftext(pdf_report)
    assert "SYNTHETIC DEMO DATA" in text
    assert "2015\u20132023" in text and "Data as of" in text
    m = demo.metrics(Filters(2015, 2023)).set_index("program")
    # The served vs graduates table, the arrears totals table: the numbers for the filters.
    page2 = _pdftext(pdf_report, 2)
    assert f"{m.loc['PSP', 'participants_served']:,}" in page2
    assert f"{m.loc['PSP', 'graduates']:,}" in page2
    page3 = _pdftext(pdf_report, 3)
    assert f"${m.loc['ARREARS_CAP', 'arrears_reduced_usd']:,.0f}" in page3
    assert f"{m.loc['ARREARS_CAP', 'ncps_with_reductions']:,}" in page3
    last = _pdftext(pdf_report, pages)
    assert "Definitions" in last and "NCPs with reductions" in last and "<11" in last


@pytest.mark.usefixtures("image_engine")
def test_pptx_report(demo, tmp_path):
    from pptx import Presentation

    from charts.registry import HEADLINE_CHARTS
    from exports.report import build_report

    out = build_report(demo, Filters(2019, 2021, (), ("Bronx",)), tmp_path / "pack.pptx")
    prs = Presentation(str(out))
    slides = list(prs.slides)
    assert len(slides) == len(HEADLINE_CHARTS) + 3  # + the impact section
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
             for s in slides]
    assert "SYNTHETIC DEMO DATA" in texts[0] and "2019\u20132021" in texts[0]
    for s in slides[1:-1]:
        pics = [sh for sh in s.shapes if sh.shape_type == 13]
        tables = [sh for sh in s.shapes if sh.has_table]
        assert len(pics) == 1 and len(tables) == 1
    assert "Definitions" in texts[-1]


@pytest.mark.usefixtures("image_engine")
def test_cli_report_and_figures(demo_warehouse, tmp_path, capsys):
    import argparse

    from outcomes import cli
    from outcomes.commands_exports import register

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "report" not in sub.choices:
        register(sub)

    def run(*argv):
        args = parser.parse_args(list(argv))
        try:
            return args.func(args)
        except cli.CliError as e:
            print(f"outcomes: {e}")
            return 2

    out = tmp_path / "figs"
    assert run("figures", "--out", str(out), "--format", "svg", "--warehouse",
               str(demo_warehouse), "--from", "2020", "--to", "2022") == 0
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) >= 5
    for p in svgs:
        ET.parse(p)
        assert "Synthetic demo data" in p.read_text()
    assert run("report", "--out", str(tmp_path / "x.docx"), "--warehouse",
               str(demo_warehouse)) == 2
    assert run("report", "--out", str(tmp_path / "r.pdf"), "--warehouse",
               str(demo_warehouse), "--min-count", "0") == 2


# -- suppression end to end --------------------------------------------------------------------
def _write(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


@pytest.fixture
def small_cells(tmp_path, monkeypatch):
    """Arrears Cap: 40 NCPs in 2021, 3 in 2022 (a small cell on purpose), so the window total
    minus 2021 would give 2022 away. Arrears Credit: 20 NCPs in 2022 only."""
    from etl.load import load_files
    from tests.conftest import TEST_HMAC_KEY

    monkeypatch.setenv("OUTCOMES_HMAC_KEY", TEST_HMAC_KEY)
    rows = []
    for i in range(40):
        rows.append((f"A{i}", f"N{i}", "ARREARS_CAP", "2021-05-01", 1000, 5000))
    for i in range(3):
        rows.append((f"B{i}", f"M{i}", "ARREARS_CAP", "2022-05-01", 777, 5000))
    for i in range(20):
        rows.append((f"C{i}", f"K{i}", "ARREARS_CREDIT", "2022-06-01", 500, 5000))
    f = _write(tmp_path / "arrears_reductions.csv", "adjustment_id,participant_id,program,"
               "applied_on,amount,dss_balance_before", rows)
    path = tmp_path / "w.duckdb"
    load_files([f], path)
    return open_warehouse(path)


def test_report_hides_small_cells_and_their_complements(small_cells, tmp_path):
    from exports.report import build_sections

    sections = {s.chart_id: s for s in build_sections(small_cells, Filters(2021, 2022))}
    by_year = sections["ncps_by_year"].table.set_index("Year")
    totals = sections["arrears_totals"].table.set_index("Program")
    usd = sections["arrears_by_year"].table.set_index("Year")
    # The small cell is hidden ...
    assert by_year.loc["2022", "Arrears Cap"] == "<11"
    assert usd.loc["2022", "Arrears Cap"] == "<11"
    # ... and cannot be recovered from the window total minus the other year.
    window_ncps = totals.loc["Arrears Cap", "NCPs"]
    window_usd = totals.loc["Arrears Cap", "DSS arrears reduced"]
    assert "<11" in (by_year.loc["2021", "Arrears Cap"], window_ncps)
    assert "<11" in (usd.loc["2021", "Arrears Cap"], window_usd)
    # Nothing anywhere shows 3 NCPs or $2,331.
    for s in sections.values():
        flat = " ".join(s.table.astype(str).to_numpy().ravel())
        assert " 3 " not in f" {flat} " and "2,331" not in flat and "$2.3K" not in flat
    # The figure leaves the hidden cells out (no 3 drawn).
    fig = sections["ncps_by_year"].figure
    ys = [y for tr in fig.data if tr.name == "Arrears Cap" for y in tr.y]
    assert 3 not in ys


def test_csv_export_of_small_cells(small_cells):
    from exports.chart_files import chart_file

    text = chart_file("ncps_by_year", small_cells, Filters(2021, 2022), "csv").decode(
        "utf-8-sig")
    table = pd.read_csv(io.StringIO(text.split("\r\n\r\n", 1)[1]), dtype=str)
    cap = table[table["program"] == "ARREARS_CAP"].set_index("year")
    assert cap.loc["2022", "ncps_with_reductions"] == "<11"
    assert cap.loc["2022", "arrears_reduced_usd"] == "<11"
    assert cap.loc["2022", "avg_reduction_usd"] == "<11"
    unsuppressed = chart_file("ncps_by_year", small_cells, Filters(2021, 2022), "csv",
                              suppress=False).decode("utf-8-sig")
    assert "NOT SUPPRESSED" in unsuppressed


def test_report_draws_families_forward_placements_per_year(demo):
    """Monthly placements are mostly under the threshold, so the report draws years; the
    drawn years are exactly the unsuppressed cells of the section's table."""
    from exports.report import build_sections

    sections = {s.chart_id: s for s in build_sections(demo, Filters(2009, 2023))}
    ff = sections["ff_placements"]
    assert "per year" in ff.title
    (bar,) = [t for t in ff.figure.data if t.type == "bar"]
    drawn = {int(x): y for x, y in zip(bar.x, bar.y, strict=True) if y == y}  # y == y: not NaN
    table = ff.table[ff.table["Year"] != "Window"]
    shown = {int(y): float(p) for y, p in zip(table["Year"], table["Placements"], strict=True)
             if not str(p).startswith("<")}
    assert drawn == shown and len(drawn) >= 3
    # ... and the hidden years are marked, not left as gaps.
    marked = {int(t.x[0]) for t in ff.figure.data if t.legendgroup == "suppressed"}
    assert marked == {int(y) for y in table["Year"]} - set(shown)
