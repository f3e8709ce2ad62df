"""The metric catalogue: each metric's label, unit and plain-language definition.

The computation lives in `sql/queries/program_metrics.sql`; this module only describes it, for
captions, hovers, exports and docs (tests check docs/metrics.md says the same).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str  # "count" or "usd"
    definition: str
    # For a dollar metric, the count of people it rests on (small-cell suppression).
    base_count: str | None = None


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "participants_served",
            "Participants served",
            "count",
            "Distinct participants with an enrollment in the program whose span (enrolled_on to "
            "exited_on, or still open) overlaps the window.",
        ),
        Metric(
            "new_enrollments",
            "New enrollments",
            "count",
            "Enrollments whose enrolled_on date is in the window.",
        ),
        Metric(
            "graduates",
            "Graduates",
            "count",
            "Distinct participants with an enrollment whose outcome is graduated and whose "
            "exited_on date is in the window.",
        ),
        Metric(
            "referrals",
            "Referrals",
            "count",
            "Referrals to the program whose referred_on date is in the window.",
        ),
        Metric(
            "placements",
            "Placements",
            "count",
            "Job placements whose placed_on date is in the window.",
        ),
        Metric(
            "participants_placed",
            "Participants placed",
            "count",
            "Distinct participants with a placement whose placed_on date is in the window.",
        ),
        Metric(
            "arrears_reduced_usd",
            "DSS arrears reduced",
            "usd",
            "Sum of the DSS arrears adjustments applied in the window, reversals counted as "
            "negative amounts.",
            base_count="ncps_with_reductions",
        ),
        Metric(
            "ncps_with_reductions",
            "NCPs with reductions",
            "count",
            "Distinct noncustodial parents whose net arrears reduction for the program in the "
            "window is greater than zero.",
        ),
    )
}

GRADUATION_RATE_DEFINITION = (
    "Graduates divided by participants served, for the same program and window."
)
AVERAGE_REDUCTION_DEFINITION = (
    "DSS arrears reduced divided by NCPs with reductions, for the same program and window."
)


# -- impact on child support (sql/queries/impact.sql) ------------------------------------------
# Not program metrics (they have their own SQL, Warehouse.impact and `outcomes impact`), so kept
# apart from METRICS. Unit "share" is a fraction 0..1. docs/metrics.md states them the same way.
IMPACT_GROUPS = {
    "enrolled": "The cohort: participants whose first enrollment in the program (over all their "
                "records) has its enrolled_on in the window; their entry month E is that "
                "enrollment's month.",
    "comparison": "Participants referred to the program with referred_on in the window who "
                  "never enrolled in it (at any date), aligned on the month E of their first "
                  "such referral.",
}
IMPACT_SIDES = (
    "Before = the N whole months E-N to E-1; after = E+1 to E+N (N = 12 unless set); the entry "
    "month is in neither. Each side's figures are over the support months present in it."
)
IMPACT_MEASURES: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("participants", "Participants", "count",
               "Members of the group (cohort or comparison group) for the program and window."),
        Metric("with_support_records", "With support records", "count",
               "Members with at least one support month before or after entry."),
        Metric("due", "Current support due", "usd",
               "Sum of current_support_due over the side's support months.",
               base_count="parents"),
        Metric("paid", "Current support paid", "usd",
               "Sum of current_support_paid over the side's support months.",
               base_count="parents"),
        Metric("compliance", "Compliance with current support", "share",
               "Paid divided by due for the side (empty when due is 0).",
               base_count="parents"),
        Metric("compliance_change", "Change in compliance", "share",
               "After compliance minus before compliance.", base_count="parents"),
        Metric("paying_share", "Share paying", "share",
               "Of the members with at least one support month on the side, the share who paid "
               "anything (current support or arrears) in a month of that side.",
               base_count="parents"),
    )
}
