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
