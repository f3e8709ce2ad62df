"""Small-cell suppression: no published number may identify a parent.

The rules (docs/exports.md states them for readers):

1. Primary suppression. A count from 1 to threshold-1 is shown as "<threshold" (default
   threshold 11, from `core.settings.suppression_threshold()`). Zero stays zero.
2. Dollar figures. A dollar cell rests on a count of people (its base, e.g. DSS arrears reduced
   rests on NCPs with reductions, see `Metric.base_count`). It is suppressed when that base is
   below the threshold, unless both the base and the amount are zero.
3. Derived cells (rates, averages) are suppressed when any cell they are computed from is.
4. Complementary suppression. A "line" is a set of cells shown together with a cell that is
   their total: the rows of a column and its Total row, the years of a program and its window
   total, the columns of a row and its Total column. A line with exactly one suppressed cell
   would give that cell away by subtraction, so the smallest non-zero shown member of the line
   is suppressed too (or, when every other member is zero, the total). This repeats until every
   line has no suppressed cell or at least two.
   Only where subtraction tells something: a line of a count of distinct people (participants
   served, graduates, NCPs with reductions, participants placed; `DISTINCT_COUNTS`) is not a
   sum: a parent served in two years counts in each year and once in the window, so the
   window total is at most the sum of the years. There, subtracting the shown cells from the
   total gives only a lower bound of the hidden one, and a second cell is suppressed only when
   that bound says something (total minus the shown members is 1 or more). Sums (events,
   dollars) are exact: a single hidden cell always gets a complement.

`suppression_mask` computes which cells to hide; `apply_mask` writes the marker; the
`suppress_*` functions do both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from core.settings import suppression_threshold
from warehouse.metrics import METRICS

TOTAL = "Total"
# Ratios the dashboard derives from the metric table (charts.derived), and their inputs.
DERIVED_METRICS = {
    "graduation_rate": ("graduates", "participants_served"),
    "avg_reduction_usd": ("arrears_reduced_usd", "ncps_with_reductions"),
}

# Counts of distinct people: their totals (window, all programs) are at most the sum of their
# members, not equal to it (rule 4).
DISTINCT_COUNTS = frozenset({"participants_served", "graduates", "participants_placed",
                             "ncps_with_reductions"})

# A line: the cells that add up, and the cell showing their total. A cell is (row label, column).
Cell = tuple[object, str]
Line = tuple[list[Cell], Cell]


def threshold(min_count: int | None = None) -> int:
    """The threshold in force: `min_count` if given, else the setting (at least 1)."""
    n = suppression_threshold() if min_count is None else int(min_count)
    if n < 1:
        raise ValueError(f"suppression threshold must be at least 1, not {n}")
    return n


def marker(min_count: int | None = None) -> str:
    """What a suppressed cell shows, e.g. "<11"."""
    return f"<{threshold(min_count)}"


def is_suppressed(value: object) -> bool:
    """True for a suppressed cell's marker (a string like "<11")."""
    return isinstance(value, str) and value.startswith("<")


def _num(v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return x


def _small(v, n: int) -> bool:
    x = _num(v)
    return not np.isnan(x) and 0 < abs(x) < n


# -- lines --------------------------------------------------------------------------------------
def total_row_lines(df: pd.DataFrame, label_col: str, columns: Sequence[str],
                    key_cols: Sequence[str] = (), total_label: str = TOTAL) -> list[Line]:
    """Lines for total rows: rows whose `label_col` is `total_label` total the other rows that
    share their values of `key_cols` (minus `label_col`), column by column."""
    groups = [c for c in key_cols if c != label_col]
    lines: list[Line] = []
    labels = df[label_col].astype(str)
    is_total = labels == str(total_label)
    if not is_total.any():
        return lines
    if groups:
        keys = df[groups].astype(str).agg("\x1f".join, axis=1)
    else:
        keys = pd.Series("", index=df.index)
    for key in keys[is_total].unique():
        in_group = keys == key
        totals = df.index[in_group & is_total]
        members = df.index[in_group & ~is_total]
        for t in totals:
            for col in columns:
                lines.append(([(m, col) for m in members], (t, col)))
    return lines


def total_col_lines(df: pd.DataFrame, total_cols: Mapping[str, Sequence[str]]) -> list[Line]:
    """Lines for total columns: in every row, `total_col` totals its member columns."""
    return [
        ([(i, c) for c in members], (i, total_col))
        for total_col, members in total_cols.items()
        for i in df.index
    ]


# -- the mask -----------------------------------------------------------------------------------
def suppression_mask(
    df: pd.DataFrame,
    count_cols: Iterable[str],
    money_cols: Mapping[str, str] | None = None,
    *,
    min_count: int | None = None,
    lines: Sequence[Line] = (),
    derived: Mapping[str, Sequence[str]] | None = None,
    distinct: Iterable[str] = DISTINCT_COUNTS,
) -> pd.DataFrame:
    """Which cells to hide (a boolean frame like `df`), by the rules in the module docstring.

    count_cols: columns of people or record counts. money_cols: dollar column -> the count
    column it rests on (in the same row). lines: additive constraints (see `total_row_lines`,
    `total_col_lines`). derived: column -> the columns it is computed from (same row).
    distinct: columns of distinct counts, whose lines bound their total rather than sum to it.
    """
    n = threshold(min_count)
    if not df.index.is_unique:
        raise ValueError("suppression needs a unique index")
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    for c in count_cols:
        mask[c] = df[c].map(lambda v: _small(v, n)).astype(bool)
    for c, base in (money_cols or {}).items():
        b = df[base].map(_num)
        v = df[c].map(_num)
        mask[c] = ((b < n) & ~((b == 0) & (v == 0))).fillna(False).astype(bool)

    # Complementary suppression, to a fixed point. Each pass adds at least one cell, so it ends.
    if lines:
        cols = list(df.columns)
        col_pos = {c: j for j, c in enumerate(cols)}
        row_pos = {r: i for i, r in enumerate(df.index)}
        values = np.abs(np.nan_to_num(
            np.array([[_num(v) for v in df[c]] for c in cols], dtype=float).T))
        hide = mask.to_numpy(copy=True)

        def cells(cs: Sequence[Cell]) -> tuple[np.ndarray, np.ndarray]:
            return (np.array([row_pos[r] for r, _ in cs], dtype=int),
                    np.array([col_pos[c] for _, c in cs], dtype=int))

        distinct_cols = {col_pos[c] for c in distinct if c in col_pos}
        compiled = [(cells(members), (row_pos[t[0]], col_pos[t[1]])) for members, t in lines]
        changed = True
        while changed:
            changed = False
            for (rows, cs), (tr, tc) in compiled:
                hidden = int(hide[rows, cs].sum()) + int(hide[tr, tc])
                if hidden != 1:
                    continue
                if tc in distinct_cols and (hide[tr, tc] or values[tr, tc] - values[
                        rows, cs][~hide[rows, cs]].sum() < 1):
                    continue  # a bound that says nothing (see rule 4)
                shown = ~hide[rows, cs] & (values[rows, cs] != 0)
                if shown.any():
                    # The smallest shown non-zero member (first in table order on a tie).
                    cand = np.flatnonzero(shown)
                    k = cand[np.argmin(values[rows[cand], cs[cand]])]
                    hide[rows[k], cs[k]] = True
                elif not hide[tr, tc]:
                    hide[tr, tc] = True
                else:
                    continue  # the total is hidden and every shown member is zero
                changed = True
        mask = pd.DataFrame(hide, index=df.index, columns=df.columns)

    for c, sources in (derived or {}).items():
        mask[c] = mask[c] | mask[list(sources)].any(axis=1)
    return mask


def apply_mask(df: pd.DataFrame, mask: pd.DataFrame, min_count: int | None = None,
               fill: object = None) -> pd.DataFrame:
    """`df` with masked cells replaced by the marker ("<11"), or by `fill` when given (e.g.
    NaN, for a figure that must not draw them). Masked columns become object dtype."""
    out = df.copy()
    mark = marker(min_count) if fill is None else fill
    for c in mask.columns:
        m = mask[c]
        if m.any():
            if fill is None or out[c].dtype.kind not in "fc":
                out[c] = out[c].astype(object)
            out.loc[m, c] = mark
    return out


def suppress_table(
    df: pd.DataFrame,
    count_cols: Iterable[str],
    money_cols: Mapping[str, str] | None = None,
    min_count: int | None = None,
    *,
    totals: Sequence[tuple[str, str]] = (),
    key_cols: Sequence[str] = (),
    total_cols: Mapping[str, Sequence[str]] | None = None,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """A general table with small cells replaced by "<threshold".

    totals: (label column, total label) pairs: e.g. ("program", "Total") for a Total row, or
    ("year", "Total") for each program's window-total row in a by-year table; key_cols are
    the columns identifying a row (e.g. ["year", "program"]), so a total applies within the
    rows sharing the other keys. total_cols: total column -> its member columns (wide tables).
    Every total is assumed to be an exact sum, the strictest reading.
    """
    count_cols = list(count_cols)
    money_cols = dict(money_cols or {})
    df = df.reset_index(drop=True)
    value_cols = count_cols + list(money_cols)
    lines: list[Line] = []
    for label_col, label in totals:
        lines += total_row_lines(df, label_col, value_cols, key_cols, label)
    lines += total_col_lines(df, total_cols or {})
    mask = suppression_mask(df, count_cols, money_cols, min_count=min_count, lines=lines,
                            derived=derived)
    return apply_mask(df, mask, min_count)


def metric_columns(df: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The count columns and the dollar columns (-> base count) of a metric table."""
    counts = [c for c in df.columns if c in METRICS and METRICS[c].unit == "count"]
    money = {
        c: METRICS[c].base_count
        for c in df.columns
        if c in METRICS and METRICS[c].unit == "usd" and METRICS[c].base_count in df.columns
    }
    missing = [c for c in df.columns if c in METRICS and METRICS[c].unit == "usd"
               and c not in money]
    if missing:
        raise ValueError(f"dollar column(s) {missing} need their base count column to be "
                         "suppressed; include " +
                         ", ".join(str(METRICS[c].base_count) for c in missing))
    return counts, money


def metrics_mask(df: pd.DataFrame, min_count: int | None = None,
                 total_label: str = TOTAL) -> pd.DataFrame:
    """The suppression mask of a metric table (see `suppress_metrics`); index as `df`'s."""
    counts, money = metric_columns(df)
    key_cols = [c for c in ("year", "program") if c in df.columns]
    flat = df.reset_index(drop=True)
    lines: list[Line] = []
    for label_col in key_cols:
        lines += total_row_lines(flat, label_col, counts + list(money), key_cols, total_label)
    derived = {c: src for c, src in DERIVED_METRICS.items()
               if c in df.columns and set(src) <= set(df.columns)}
    mask = suppression_mask(flat, counts, money, min_count=min_count, lines=lines,
                            derived=derived)
    mask.index = df.index
    return mask


def suppress_metrics(df: pd.DataFrame, min_count: int | None = None,
                     total_label: str = TOTAL) -> pd.DataFrame:
    """The metric table (from `Warehouse.metrics`) with small cells shown as "<11".

    Count columns are the catalogue's count metrics; a dollar metric is suppressed with its
    base count (`Metric.base_count`). A plain metric table (one row per program, or per
    program per year) shows no totals, so only primary suppression applies. If rows labelled
    `total_label` are present in `program` (a Total row, per year when there is a `year`
    column) or in `year` (each program's window total), those totals get complementary
    suppression. Ratio columns (`DERIVED_METRICS`, e.g. graduation_rate) are hidden when any
    of their inputs is. Returns object dtype where anything was suppressed.
    """
    return apply_mask(df, metrics_mask(df, min_count, total_label), min_count)


def with_total_row(df: pd.DataFrame, label_col: str, value_cols: Sequence[str],
                   group_cols: Sequence[str] = (), label: str = TOTAL) -> pd.DataFrame:
    """`df` plus a total row (per group of `group_cols`) summing `value_cols` exactly."""
    if df.empty:
        return df
    if group_cols:
        tot = df.groupby(list(group_cols), sort=False, as_index=False)[list(value_cols)].sum()
    else:
        tot = df[list(value_cols)].sum().to_frame().T
    tot[label_col] = label
    tot = tot.astype({c: df[c].dtype for c in value_cols})
    out = pd.concat([df.astype({label_col: object}), tot], ignore_index=True)
    return out[list(df.columns)]
