"""The "no known borough" notice's one statement (warehouse/sql/queries/unknown_borough.sql,
`Warehouse.unknown_borough_counts`) equals THE DEFINITION's ALL rows (definitions/
program_metrics.sql) without a borough filter and under the filter "Unknown", for every
family and single program, on records Hypothesis generates (those of the metric property
tests: several programs and boroughs per participant, reversals, open enrollments)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from core.vocabularies import FAMILIES, family_programs
from tests.read_only import read_only
from tests.test_metrics_properties import (
    PROGRAMS,
    SETTINGS,
    definition,
    record_sets,
    windows,
    write_files,
)
from tests.tiers import examples
from warehouse.query import Filters, Warehouse

COLUMNS = ["participants_served", "ncps_with_reductions", "arrears_reduced_usd"]
GROUPS = (*(family_programs(f) for f in FAMILIES), *((p,) for p in PROGRAMS))


def expected(con, wh: Warehouse, f: Filters, programs, boroughs) -> list:
    """The definition's ALL row (zeros when it lists none: no record passes the filters)."""
    df = definition(con, wh, wh.resolve(Filters(f.from_year, f.to_year, programs, boroughs,
                                                f.from_period, f.to_period)),
                    None, with_total=True, by_borough=False, cumulative=False)
    row = df[df["program"] == "ALL"]
    return [0, 0, 0.0] if row.empty else [row[c].iloc[0] for c in COLUMNS]


@SETTINGS
@given(rows=record_sets(), data=st.data())
def test_unknown_borough_counts_equal_the_definition(tmp_path_factory, rows, data):
    from unittest import mock

    from etl.load import load_files
    from warehouse import build

    base = tmp_path_factory.mktemp("unknown")
    path = base / "w.duckdb"
    # A cap of 2 months puts most NCPs with a reversal in metric_reversals (summed per NCP at
    # query time), 24 in the cells.
    with mock.patch.object(build, "REVERSAL_CELL_MONTHS", data.draw(st.sampled_from([24, 2]))):
        load_files(write_files(base / "files", rows), path)
    wh = Warehouse(path)
    con = read_only(path)
    try:
        for _ in range(examples(4)):
            f = data.draw(windows())
            counts = wh.unknown_borough_counts(f, GROUPS)
            assert counts is not None  # every group is one of the cells' groups
            for i, programs in enumerate(GROUPS):
                for place, boroughs in (("all", ()), ("unknown", ("Unknown",))):
                    got = counts[(counts["grp"] == i) & (counts["place"] == place)]
                    assert typed([got[c].iloc[0] for c in COLUMNS]) == typed(
                        expected(con, wh, f, programs, boroughs)), (f, programs, place)
    finally:
        con.close()


def typed(values: list) -> list:
    """Counts as integers, dollars as floats: compared exactly."""
    return [int(values[0]), int(values[1]), float(values[2])]


def test_groups_outside_the_cells_are_left_to_metrics(small_warehouse):
    wh = Warehouse(small_warehouse)
    assert wh.unknown_borough_counts(Filters(2011, 2012), (("PSP", "STEP"),)) is None
    both = wh.unknown_borough_counts(Filters(2011, 2012), (family_programs(FAMILIES[1]),))
    assert list(both["place"]) == ["all", "unknown"]
    assert isinstance(both, pd.DataFrame)
