"""The impact table's columns and its small-cell suppression (docs/metrics.md, "Impact on
child support"). The numbers come from `Warehouse.impact` (sql/queries/impact.sql); this
module only names and protects them."""

from __future__ import annotations

import pandas as pd

from warehouse.suppression import apply_mask, suppression_mask, threshold

# The columns of `outcomes impact`, in order.
IMPACT_COLUMNS = [
    "program", "group", "participants", "with_support_records",
    "before_due", "before_paid", "before_compliance",
    "after_due", "after_paid", "after_compliance", "compliance_change",
    "before_paying_share", "after_paying_share",
]
COUNT_COLUMNS = ("participants", "with_support_records")
MONEY_COLUMNS = ("before_due", "before_paid", "after_due", "after_paid")
FRACTION_COLUMNS = ("before_compliance", "after_compliance", "compliance_change",
                    "before_paying_share", "after_paying_share")
# Each figure and the counts of parents it rests on (the members with a support month on
# that side: before_parents, after_parents in the query's result).
BASES = {
    "before_due": ("before_parents",),
    "before_paid": ("before_parents",),
    "before_compliance": ("before_parents",),
    "before_paying_share": ("before_parents",),
    "after_due": ("after_parents",),
    "after_paid": ("after_parents",),
    "after_compliance": ("after_parents",),
    "after_paying_share": ("after_parents",),
    "compliance_change": ("before_parents", "after_parents"),
}
GROUP_LABELS = {"enrolled": "Enrolled (cohort)", "comparison": "Comparison (referred, never "
                "enrolled)"}
NOT_AN_EXPERIMENT = (
    "This is not an experiment: the comparison group (parents referred to the program who never "
    "enrolled) shows how payments moved for similar parents around the same time, so it can "
    "expose changes that would have happened anyway, but it cannot prove the program caused a "
    "difference, because parents who enroll may differ from those who do not."
)


def impact_mask(df: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """Which cells of an impact frame (with before_parents, after_parents) to hide: counts
    from 1 to threshold-1, and every figure resting on 1 to threshold-1 parents."""
    n = threshold(min_count)
    counts = [c for c in COUNT_COLUMNS if c in df.columns]
    mask = suppression_mask(df.reset_index(drop=True), counts, min_count=n)
    mask.index = df.index
    for col, bases in BASES.items():
        if col in df.columns:
            small = pd.Series(False, index=df.index)
            for b in bases:
                base = pd.to_numeric(df[b], errors="coerce").fillna(0)
                small |= (base > 0) & (base < n)
            mask[col] = small.to_numpy()
    return mask


def suppress_impact(df: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """The impact frame with small cells shown as "<11" (object dtype where any is hidden)."""
    return apply_mask(df, impact_mask(df, min_count), min_count)


def event_study_mask(df: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """Which cells of an event-study frame (program, group, rel, parents, and due, paid,
    compliance, with or without the unit suffixes _usd, _rate) to hide: `parents` from 1 to
    threshold-1, and the month's figures when they rest on that few parents."""
    n = threshold(min_count)
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    if "parents" in df.columns:
        parents = pd.to_numeric(df["parents"], errors="coerce").fillna(0)
        small = ((parents > 0) & (parents < n)).to_numpy()
        for c in ("parents", "due", "paid", "compliance", "due_usd", "paid_usd",
                  "compliance_rate"):
            if c in df.columns:
                mask[c] = small
    return mask
