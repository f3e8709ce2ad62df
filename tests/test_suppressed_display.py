"""Suppressed is not zero: every hidden cell is drawn as a marked placeholder, a chart whose
months are mostly hidden is drawn per year, and complementary suppression hides a second cell
only where subtraction would tell something."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.vocabularies import BOROUGHS, PROGRAM_CODES
from warehouse.query import Filters, open_warehouse
from warehouse.suppression import suppression_mask, total_row_lines


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return open_warehouse(demo_warehouse)


def _marks(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("legendgroup") == "suppressed"]


@st.composite
def filters(draw) -> Filters:
    lo = draw(st.integers(2007, 2025))
    return Filters(lo, draw(st.integers(lo, 2025)),
                   tuple(draw(st.lists(st.sampled_from(PROGRAM_CODES), max_size=3, unique=True))),
                   tuple(draw(st.lists(st.sampled_from(BOROUGHS), max_size=1, unique=True))))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f=filters(), n=st.sampled_from([11, 30]))
@example(f=Filters(2007, 2007), n=11)  # impact_event_study: hidden months around entry
@example(f=Filters(2007, 2015, ("JOBS_PLUS",), ("Bronx",)), n=30)  # cohort rates all hidden
def test_every_hidden_cell_is_marked(wh, f, n):
    from charts.registry import CHARTS
    from charts.safe import ALL_SUPPRESSED, safe_chart_data, safe_spec
    from charts.suppressed_marks import UNSUPPRESSIBLE, _position, hidden_cells

    for cid in CHARTS:
        safe = safe_chart_data(cid, wh, f, min_count=n)
        cells = hidden_cells(cid, safe)
        if not cells:
            continue
        spec = safe_spec(cid, wh, f, safe=safe)
        texts = [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        if any(ALL_SUPPRESSED.format(n=n) in t for t in texts):
            continue  # the figure says every value is suppressed
        if cid in UNSUPPRESSIBLE:
            assert any("suppressed" in t for t in texts), cid
            continue
        if cid == "ff_placements" and spec["layout"]["title"]["text"].find("per year") >= 0:
            continue  # drawn per year instead (test_months_mostly_hidden_are_drawn_per_year)
        marked = {(t["x"][0], t["y"][0]) for t in _marks(spec)}
        for i, col in cells:
            pos = _position(cid, safe.values.iloc[i])
            assert any(pos in xy for xy in marked), (cid, col, pos, marked)
        # The marks say what they are: the marker of the tables, and a hover that explains.
        assert all(t["text"][0] in (f"<{n}", "hidden") and "Suppressed" in t["hovertemplate"]
                   for t in _marks(spec))


def test_months_mostly_hidden_are_drawn_per_year(wh):
    from charts.safe import safe_chart_data, safe_spec

    f = wh.resolve(Filters())
    safe = safe_chart_data("ff_placements", wh, f)
    assert safe.mask["placements"].sum() > len(safe.mask) / 2  # most months are under 11
    spec = safe_spec("ff_placements", wh, f, safe=safe)
    assert "per year" in spec["layout"]["title"]["text"]
    bars = [t for t in spec["data"] if t["type"] == "bar"]
    assert len(bars) == 1 and pd.Series(bars[0]["y"]).notna().sum() >= 4  # numbers, not gaps
    # 2023 (3 placements) is hidden, and so is its complement: both are marked, not gaps.
    marked = sorted(t["x"][0] for t in _marks(spec))
    hidden = [int(x) for x, y in zip(bars[0]["x"], bars[0]["y"], strict=True) if pd.isna(y)]
    assert marked == sorted(hidden) and 2023 in marked


def test_report_marks_hidden_years(wh):
    from charts.export_context import export_context
    from exports.report import build_sections

    f = wh.resolve(Filters())
    sections = {s.chart_id: s for s in build_sections(wh, f, ctx=export_context(wh, f))}
    ff = sections["ff_placements"].figure
    marks = [t for t in ff.data if t.legendgroup == "suppressed"]
    assert {int(t.x[0]) for t in marks} >= {2023}


def test_distinct_counts_are_not_hidden_for_nothing(wh):
    """Families Forward served 84 in 2022; 2023 (1 served) is hidden. Participants served over
    the window (429) is not the sum of the years (a parent served in two years counts in each),
    so no second year needs hiding: 84 is shown."""
    from charts.safe import joint_mask, metric_joint

    f = wh.resolve(Filters())
    joint = metric_joint(wh, f)
    mask = joint_mask(joint, 11)
    ff = (joint["program"] == "FAMILIES_FORWARD")
    row = ff & (joint["year"] == "2022")
    assert int(joint.loc[row, "participants_served"].iloc[0]) == 84
    assert not mask.loc[row, "participants_served"].any()
    assert mask.loc[ff & (joint["year"] == "2023"), "participants_served"].all()


def test_complement_only_where_subtraction_tells():
    df = pd.DataFrame({"year": ["2021", "2022", "Total"],
                       "placements": [40, 3, 43],              # a sum: 43 - 40 gives 3 away
                       "participants_served": [40, 3, 41],     # distinct: 41 - 40 = 1 >= 1
                       "participants_placed": [40, 3, 38]})    # distinct: 38 - 40 < 1
    cols = ["placements", "participants_served", "participants_placed"]
    lines = total_row_lines(df, "year", cols, ["year"])
    mask = suppression_mask(df, cols, min_count=11, lines=lines)
    assert mask["placements"].tolist() == [True, True, False]
    assert mask["participants_served"].tolist() == [True, True, False]
    assert mask["participants_placed"].tolist() == [False, True, False]
