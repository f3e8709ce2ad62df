"""Page callbacks and chart registry, called as plain functions on the fixture warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import plotly
import pytest
from dash import no_update

from charts.registry import (
    CHARTS,
    HEADLINE_CHARTS,
    chart_data,
    chart_figure,
    chart_title,
    display_table,
)
from core.vocabularies import EMPLOYMENT_PROGRAMS
from dashboard import chart_card as card_module
from dashboard import ids
from dashboard.pages import PAGE_MODULES, PAGES
from dashboard.shell import nav_state, sync_filters, update_status
from etl.load import load_files
from warehouse.query import Filters, open_warehouse

PAGE_KEYS = {p.key for p in PAGES}


def text(component) -> str:
    """Everything a component tree renders, as one JSON string to search in."""
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    return json.dumps(component.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder,
                      ensure_ascii=False)


@pytest.fixture
def small(small_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(small_warehouse))
    return open_warehouse(small_warehouse)


# -- registry ---------------------------------------------------------------------------------
def test_every_page_has_charts_and_headlines_are_registered():
    # The Indicators page is tables and cards of targets (dashboard/pages/indicators.py).
    assert {c.page for c in CHARTS.values()} == PAGE_KEYS - {"indicators"}
    assert {"served_vs_graduates", "arrears_by_year", "ncps_by_year", "ff_placements",
            "referral_funnel"} <= set(HEADLINE_CHARTS)
    for c in CHARTS.values():
        assert c.definition and c.title
        assert c.unfiltered or "{window}" in c.title


@pytest.mark.parametrize("chart_id", list(CHARTS))
def test_every_chart_draws_on_the_fixture_warehouse(small, chart_id):
    f = Filters(2009, 2023)
    df = chart_data(chart_id, small, f)
    assert isinstance(df, pd.DataFrame)
    fig = chart_figure(chart_id, small, f, df)
    title = chart_title(chart_id, small, f)
    assert fig.layout.title.text == title
    if not CHARTS[chart_id].unfiltered:
        assert "2009–2023" in title
    table = display_table(chart_id, df)
    assert len(table) == len(df)
    assert all(isinstance(v, str) for v in table.to_numpy().ravel())


def test_chart_numbers_are_the_metric_tables(small):
    f = Filters(2009, 2023)
    totals = chart_data("arrears_totals", small, f).set_index("program")
    metrics = small.metrics(f).set_index("program")
    for p in totals.index:
        assert totals.loc[p, "arrears_reduced_usd"] == metrics.loc[p, "arrears_reduced_usd"]
        assert totals.loc[p, "ncps_with_reductions"] == metrics.loc[p, "ncps_with_reductions"]
    assert totals.loc["ARREARS_CAP", "arrears_reduced_usd"] == pytest.approx(32_345.67)
    assert totals.loc["ARREARS_CAP", "ncps_with_reductions"] == 2
    assert totals.loc["ARREARS_CAP", "avg_reduction_usd"] == pytest.approx(32_345.67 / 2)
    by_year = chart_data("arrears_by_year", small, f)
    assert by_year["arrears_reduced_usd"].sum() == pytest.approx(
        totals["arrears_reduced_usd"].sum())
    served = chart_data("served_vs_graduates", small, f)
    psp = served[(served.program == "PSP") & (served.year == 2011)].iloc[0]
    assert psp.graduation_rate == pytest.approx(psp.graduates / psp.participants_served)


def test_cumulative_is_the_metric_table_since_the_start(small):
    df = chart_data("arrears_cumulative", small, Filters(2012, 2013))
    cap = df[df.program == "ARREARS_CAP"].set_index("year")
    # A1 20,000 (2010) + A2/A3 cancel (2011) + A4 12,345.67 (2012)
    assert cap.loc[2012, "arrears_reduced_usd"] == pytest.approx(32_345.67)
    assert cap.loc[2012, "ncps_with_reductions"] == 2


def test_referral_funnel_on_the_fixture(small):
    df = chart_data("referral_funnel", small, Filters(2009, 2023)).set_index("program")
    assert df.loc["PSP", ["referred", "enrolled", "graduated", "placed"]].tolist() == [1, 1, 1, 0]
    assert df.loc["STEP", ["referred", "enrolled", "graduated", "placed"]].tolist() == [2, 1, 1, 1]
    assert df.loc["MEDIATION", ["referred", "enrolled"]].tolist() == [1, 0]


def test_referral_funnel_matching_rules(tmp_path):
    """referral_id links; without one, the same participant and program on/after the referral;
    placements count only on/after enrolling."""
    (tmp_path / "referrals.csv").write_text(
        "referral_id,participant_id,program,referred_on,source,borough\n"
        "R1,P1,STEP,2015-01-10,self,Bronx\n"      # enrolled later, no referral_id on enrollment
        "R2,P2,STEP,2015-02-01,self,Bronx\n"      # enrolled BEFORE the referral: not enrolled
        "R3,P3,STEP,2015-03-01,other,Queens\n"    # enrollment names R3; placed before: not placed
        "R4,P4,STEP,2015-04-01,other,Queens\n"    # enrollment names another referral: not R4's
    )
    (tmp_path / "enrollments.csv").write_text(
        "enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,borough,referral_id\n"
        "E1,P1,STEP,2015-02-01,2015-12-01,graduated,Bronx,\n"
        "E2,P2,STEP,2014-12-01,2015-06-01,graduated,Bronx,\n"
        "E3,P3,STEP,2015-03-05,,active,Queens,R3\n"
        "E4,P4,STEP,2015-04-05,,active,Queens,R999\n"
    )
    (tmp_path / "placements.csv").write_text(
        "placement_id,participant_id,program,placed_on,sector,hourly_wage,employer\n"
        "L1,P1,STEP,2016-01-01,retail,18,X\n"
        "L3,P3,STEP,2015-01-01,retail,18,X\n"
    )
    wh_path = tmp_path / "funnel.duckdb"
    load_files(sorted(tmp_path.glob("*.csv")), wh_path)
    df = open_warehouse(wh_path).query("referral_funnel", Filters(2015, 2015))
    row = df.set_index("program").loc["STEP"]
    assert [row.referred, row.enrolled, row.graduated, row.placed] == [4, 2, 1, 1]


def test_empty_filters_show_a_message_not_a_chart(small):
    f = Filters(2009, 2023, ("MEDIATION",))
    card = card_module.chart_card("arrears_by_year", small, f)
    rendered = text(card)
    assert "No records match these filters" in rendered
    assert "chart-graph" not in rendered  # no dcc.Graph for an empty chart


# -- page callbacks ---------------------------------------------------------------------------
@pytest.mark.parametrize("module", PAGE_MODULES, ids=lambda m: m.PAGE.key)
def test_every_page_renders(small, module):
    out = module.render("?from=2009&to=2023")
    rendered = text(out)
    assert "No warehouse" not in rendered
    if module.PAGE.key == "indicators":  # tables of targets, no chart cards (and no targets
        assert "no-targets" in rendered   # on the small fixture): tests/test_indicators.py
        assert "no-targets" in text(module.render("?from=zzz&program=NOPE&borough=Mars"))
        return
    assert "Definition" in rendered
    garbage = text(module.render("?from=zzz&program=NOPE&borough=Mars"))
    if module.PAGE.key == "impact":
        # The fixture has no support months: the impact chart says so and, having nothing to
        # show, offers no downloads (its downloads on the demo: tests/test_impact_page.py).
        for page in (rendered, garbage):
            assert "No support months on record" in page and '"XLSX"' not in page
        return
    assert '"XLSX"' in rendered and "Open in a notebook" in rendered
    # Garbage in the URL still renders the page (defaults).
    assert '"CSV"' in garbage


def test_arrears_page_shows_the_window_totals(small):
    from dashboard.pages import arrears

    rendered = text(arrears.render("?from=2009&to=2023&program=ARREARS_CAP"))
    assert "$32.3K" in rendered and "arrears-total-ARREARS_CAP" in rendered
    assert "arrears-total-PAY_IT_OFF" not in rendered


def test_overview_headlines(small):
    from dashboard.pages import overview

    rendered = text(overview.render(""))
    assert "Headline results, 2010–2021" in rendered  # the data's years by default
    m = small.metrics(Filters(), with_total=True).set_index("program")
    # NCP-001 is served by PSP and STEP: the headline counts them once, not once per program.
    assert m.loc["ALL", "participants_served"] == 5
    assert m.drop("ALL")["participants_served"].sum() == 6
    assert '"5"' in rendered and '"6"' not in rendered
    assert "Graduation rate" in rendered


def test_families_forward_page_says_when_excluded(small):
    from dashboard.pages import families_forward

    rendered = text(families_forward.render("?program=PSP"))
    assert "Families Forward is not among the selected programs" in rendered


def test_data_quality_freshness():
    from datetime import UTC, datetime

    from dashboard.pages.data_quality import freshness

    assert freshness(None)[0] is None
    days, sentence = freshness(pd.Timestamp("2024-01-01T10:00Z"), datetime(2024, 1, 11, tzinfo=UTC))
    assert days == 10 and "10 days ago" in sentence


def test_missing_warehouse_page(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(tmp_path / "nope.duckdb"))
    for module in PAGE_MODULES:
        rendered = text(module.render("?from=2009"))
        assert "No warehouse to show yet" in rendered and "make demo" in rendered
    banner, cls, as_of = update_status("/")
    assert banner == [] and "hidden" in cls and as_of == "No warehouse loaded"


def test_unreadable_warehouse_page(tmp_path, monkeypatch):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database")
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(bad))
    rendered = text(PAGE_MODULES[0].render(""))
    assert "No warehouse to show yet" in rendered and "cannot be read" in rendered


def test_app_starts_without_a_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(tmp_path / "nope.duckdb"))
    from dashboard.factory import create_app

    app = create_app()
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    layout = app.layout()
    assert ids.PAGE_CONTENT in text(layout)


# -- shell callbacks --------------------------------------------------------------------------
def test_sync_filters_url_to_controls(small):
    out = sync_filters("?from=2011&to=2013&program=PSP&borough=Bronx", 2010, 2021, [], [],
                       trigger=ids.URL)
    assert out == (no_update, 2011, 2013, ["PSP"], ["Bronx"])
    # No query string: the data's window, everything selected.
    assert sync_filters("", 2011, 2013, ["PSP"], [], trigger=ids.URL) == (
        no_update, 2010, 2021, [], [])
    # Already in sync: nothing to do.
    assert sync_filters("?from=2010&to=2021", 2010, 2021, [], [], trigger=ids.URL) == (
        (no_update,) * 5)


def test_sync_filters_controls_to_url(small):
    out = sync_filters("?from=2010&to=2021", 2010, 2015, ["ARREARS_CAP"], ["Queens"],
                       trigger=ids.FILTER_TO)
    assert out == ("?from=2010&to=2015&program=ARREARS_CAP&borough=Queens", *(no_update,) * 4)
    # A reversed range is put in order in the URL and in the controls.
    out = sync_filters("", 2020, 2012, [], [], trigger=ids.FILTER_FROM)
    assert out == ("?from=2012&to=2020", 2012, 2020, no_update, no_update)


def test_nav_links_carry_the_query_string():
    out = nav_state("/arrears", "?from=2009&to=2023", PAGES)
    n = len(PAGES)
    hrefs, classes, reset = out[:n], out[n:2 * n], out[-1]
    assert hrefs[0] == "/?from=2009&to=2023"
    assert "/arrears?from=2009&to=2023" in hrefs
    assert classes[[p.key for p in PAGES].index("arrears")] == "nav-link active"
    assert reset == "/arrears"


def test_chart_action_slot(small):
    from dash import html

    def factory(chart_id, filters):
        return html.Button("PNG", id={"type": "png", "chart": chart_id})

    card_module.register_chart_action(factory)
    try:
        card = card_module.chart_card("arrears_totals", small, Filters(2009, 2023))
        rendered = text(card)
        assert '"PNG"' in rendered and ids.EXPORT_SLOT in rendered
    finally:
        card_module._ACTIONS.remove(factory)


def test_no_callback_reads_a_fact_table(small):
    """Pages reach the warehouse only through query files (no SELECT * of a fact table)."""
    import inspect

    import charts.registry
    import dashboard.pages

    sources = [inspect.getsource(charts.registry)] + [inspect.getsource(m)
                                                       for m in PAGE_MODULES]
    for src in sources:
        assert "duckdb" not in src and "SELECT" not in src.upper().replace("SELECTED", "")
    assert Path(dashboard.pages.__file__).exists()


# -- page-specific query files agree with the metric table ---------------------------------
@pytest.mark.parametrize("which", ["small", "demo"])
def test_page_queries_match_program_metrics(which, request):
    path = request.getfixturevalue(f"{which}_warehouse")
    wh = open_warehouse(path)
    first, last = wh.data_years()
    f = Filters(first + 1, last - 1)
    # Cumulative = the metric table for [first year, each year].
    cum = chart_data("arrears_cumulative", wh, f)
    for year in (f.from_year, (f.from_year + f.to_year) // 2, f.to_year):
        m = wh.metrics(Filters(first, year)).set_index("program")
        got = cum[cum.year == year].set_index("program")
        for p in got.index:
            assert got.loc[p, "arrears_reduced_usd"] == pytest.approx(
                m.loc[p, "arrears_reduced_usd"])
            assert got.loc[p, "ncps_with_reductions"] == m.loc[p, "ncps_with_reductions"]
        assert set(got.index) == set(m.index[m.arrears_reduced_usd != 0]) & set(got.index)
    # Served by borough = the metric table with that borough filter.
    by_borough = chart_data("served_by_borough", wh, f)
    for b in ("Bronx", "Staten Island"):
        m = wh.metrics(Filters(f.from_year, f.to_year, (), (b,))).set_index("program")
        got = by_borough[by_borough.borough == b].set_index("program")["participants_served"]
        for p, v in got.items():
            assert v == m.loc[p, "participants_served"]
        employment = m[m.index.isin(EMPLOYMENT_PROGRAMS) & (m.participants_served > 0)]
        assert set(employment.index) <= set(got.index)


# -- the entry point ---------------------------------------------------------------------------
def test_app_module_is_wsgi_and_main_parses(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(tmp_path / "none.duckdb"))
    import app

    assert callable(app.server.wsgi_app)
    calls = []
    monkeypatch.setattr(app.app, "run", lambda **kw: calls.append(kw))
    assert app.main(["--dev", "--host", "127.0.0.1", "--port", "8099"]) == 0
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8099
    assert calls[0]["debug"] is False
    app.main(["--dev", "--debug"])
    assert calls[1]["debug"] is True and calls[1]["port"] == 8050
    # Local assets only: our stylesheet, no external URLs.
    page = app.server.test_client().get("/").get_data(as_text=True)
    assert "/assets/style.css" in page
    assert "http://" not in page.split("_dash-config")[0] and "https://" not in page.split(
        "_dash-config")[0]
