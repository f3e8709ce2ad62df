"""Totals per program family (employment, debt reduction, legal services), and how much of a
total a borough filter leaves out because no borough is known.

A metric means different things in different families ("graduated" is "order modified" for the
legal services), so totals are never summed across families. Each total is the metric SQL's ALL
row (`Warehouse.metrics(..., with_total=True)`) with the family's selected programs as the
program filter: each participant counts once across those programs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from charts import format as fmt
from charts.style import program_name
from core.vocabularies import (
    DEBT_REDUCTION,
    EMPLOYMENT,
    FAMILIES,
    FAMILY_NAMES,
    OTHER,
    UNKNOWN_BOROUGH,
    family_programs,
)
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse


@dataclass(frozen=True)
class Headline:
    column: str  # a metric of the catalogue (warehouse.metrics)
    label: str
    formatter: object  # value -> text (charts.format)
    d3: str  # hover format of the sparkline


HEADLINES: dict[str, tuple[Headline, ...]] = {
    EMPLOYMENT: (
        Headline("participants_served", METRICS["participants_served"].label, fmt.count,
                 fmt.D3_COUNT),
        Headline("graduates", METRICS["graduates"].label, fmt.count, fmt.D3_COUNT),
        Headline("placements", "Job placements", fmt.count, fmt.D3_COUNT),
    ),
    DEBT_REDUCTION: (
        Headline("arrears_reduced_usd", METRICS["arrears_reduced_usd"].label, fmt.money,
                 fmt.D3_MONEY),
        Headline("ncps_with_reductions", METRICS["ncps_with_reductions"].label,
                 fmt.count, fmt.D3_COUNT),
    ),
    OTHER: (
        Headline("participants_served", "Parents served", fmt.count, fmt.D3_COUNT),
        # For the legal services an enrollment "graduates" when the order is modified or the
        # mediation concludes: not an employment graduation, so it is labelled apart.
        Headline("graduates", "Orders modified or mediations concluded", fmt.count,
                 fmt.D3_COUNT),
    ),
}

# What each family's participants are called in sentences.
FAMILY_UNITS = {EMPLOYMENT: "participants", DEBT_REDUCTION: "NCPs", OTHER: "parents"}


def selected_programs(filters: Filters, family: str) -> tuple[str, ...]:
    """The family's programs the program filter keeps (all of them without a filter)."""
    programs = family_programs(family)
    if not filters.programs:
        return programs
    return tuple(p for p in programs if p in filters.programs)


def selected_families(filters: Filters) -> tuple[str, ...]:
    return tuple(f for f in FAMILIES if selected_programs(filters, f))


def family_filters(filters: Filters, family: str) -> Filters | None:
    """The filters narrowed to the family's selected programs (None: none is selected)."""
    programs = selected_programs(filters, family)
    return replace(filters, programs=programs) if programs else None


def family_rows(wh: Warehouse, filters: Filters, family: str, by_year: bool = False,
                by: str | None = None) -> pd.DataFrame:
    """The metric SQL's ALL rows for the family's selected programs (one row, or one per
    year, or per period of the grain `by`); empty when the filter selects none of them."""
    f = family_filters(wh.resolve(filters), family)
    if f is None:
        return pd.DataFrame()
    return _all_rows(wh.metrics(f, by_year=by_year, by=by, with_total=True))


def family_rows_and_trend(wh: Warehouse, filters: Filters, family: str, by: str
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(family_rows(...), family_rows(..., by=by)) from one metric query (both cached as
    those calls cache them)."""
    f = family_filters(wh.resolve(filters), family)
    if f is None:
        return pd.DataFrame(), pd.DataFrame()
    return tuple(_all_rows(df) for df in wh.metrics_and_window(f, by, with_total=True))


def _all_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The metric table's ALL rows (each participant once across the selected programs)."""
    return df[df["program"] == "ALL"].reset_index(drop=True)


def family_title(filters: Filters, family: str) -> str:
    """'Employment programs (7)', or the program's name when one is selected."""
    programs = selected_programs(filters, family)
    if len(programs) == 1:
        return f"{FAMILY_NAMES[family]}: {program_name(programs[0])}"
    return f"{FAMILY_NAMES[family]} programs ({len(programs)})"


# -- parents with no known borough ---------------------------------------------------------------
# The metric each family's "no known borough" sentence counts (the family's people), and the
# dollars beside it.
_PEOPLE = {EMPLOYMENT: "participants_served", DEBT_REDUCTION: "ncps_with_reductions",
           OTHER: "participants_served"}


def unknown_borough_lines(wh: Warehouse, filters: Filters,
                          families: tuple[str, ...] = FAMILIES) -> list[str]:
    """With a borough filter that leaves out "Unknown": per family, how much of the total (all
    boroughs) has no known borough, e.g. "9,558 of 13,640 Arrears Cap NCPs ($199.8M of
    $284.0M) have no known borough and are not in this view". Numbers from the metric SQL's
    ALL rows without the borough filter and under the borough filter "Unknown" (the records
    of the 'Unknown' row by borough): for every family at once when each family's selection is
    one group of the metric cells (`Warehouse.unknown_borough_counts`), else per family."""
    if not filters.boroughs or UNKNOWN_BOROUGH in filters.boroughs:
        return []
    everywhere = replace(wh.resolve(filters), boroughs=())
    chosen = [(family, selected_programs(everywhere, family)) for family in families]
    chosen = [(family, programs) for family, programs in chosen if programs]
    if not chosen:
        return []
    counts = wh.unknown_borough_counts(everywhere, tuple(p for _, p in chosen))
    lines = []
    for i, (family, programs) in enumerate(chosen):
        if counts is not None:
            total = counts[(counts["grp"] == i) & (counts["place"] == "all")]
            unknown = counts[(counts["grp"] == i) & (counts["place"] == "unknown")]
        else:
            f = replace(everywhere, programs=programs)
            total = wh.metrics(f, with_total=True)
            total = total[total["program"] == "ALL"]
            unknown = wh.metrics(replace(f, boroughs=(UNKNOWN_BOROUGH,)), with_total=True)
            unknown = unknown[unknown["program"] == "ALL"]
        col = _PEOPLE[family]
        if total.empty or unknown.empty or not unknown[col].iloc[0]:
            continue
        who = (program_name(programs[0]) if len(programs) == 1
               else FAMILY_NAMES[family].lower() + " program")
        text = (f"{fmt.count(unknown[col].iloc[0])} of {fmt.count(total[col].iloc[0])} {who} "
                f"{FAMILY_UNITS[family]}")
        if family == DEBT_REDUCTION:
            text += (f" ({fmt.money(unknown['arrears_reduced_usd'].iloc[0])} of "
                     f"{fmt.money(total['arrears_reduced_usd'].iloc[0])})")
        lines.append(text + " have no known borough and are not in this view.")
    return lines
