"""The record contract: record kinds, their columns, business-rule thresholds; the vocabularies
values are matched to (core/vocabularies.py).

Everything here is data, not logic, so the loader, the demo generator, the docs and the tests
read one definition. See docs/data-contract.md.
"""

from __future__ import annotations

from dataclasses import dataclass

# The vocabularies record values are matched to live in core (every layer reads them); they
# are named here too, as part of the contract.
from core.vocabularies import (  # noqa: F401
    BOROUGH_ALIASES,
    BOROUGHS,
    DEBT_REDUCTION,
    DEBT_REDUCTION_PROGRAMS,
    EMPLOYMENT,
    EMPLOYMENT_PROGRAMS,
    FAMILIES,
    FAMILIES_FORWARD_ENROLLMENT_WINDOW,
    FAMILY_NAMES,
    LEGAL_SERVICES_PROGRAMS,
    OTHER,
    OUTCOMES,
    PROGRAM_CODES,
    PROGRAM_PERIODS,
    PROGRAMS,
    REFERRAL_SOURCES,
    SECTORS,
    UNKNOWN_BOROUGH,
    Program,
    family_programs,
    program_family,
)


@dataclass(frozen=True)
class RecordKind:
    name: str
    id_column: str
    date_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    allowed_programs: tuple[str, ...]
    # A kind whose rows carry no id of their own (support_months) is keyed by these columns
    # instead: the loader makes its id from the participant's key and the month.
    key_columns: tuple[str, ...] = ()
    # False for a kind about programs, not people (targets): no participant_id to pseudonymize,
    # and id_column is a key the loader makes from other columns (see etl/normalize.py).
    per_participant: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def has_program(self) -> bool:
        return "program" in self.required


KINDS: dict[str, RecordKind] = {
    k.name: k
    for k in (
        RecordKind(
            "enrollments",
            "enrollment_id",
            "enrolled_on",
            ("enrollment_id", "participant_id", "program", "enrolled_on"),
            ("exited_on", "outcome", "borough", "referral_id"),
            PROGRAM_CODES,
        ),
        RecordKind(
            "referrals",
            "referral_id",
            "referred_on",
            ("referral_id", "participant_id", "program", "referred_on"),
            ("source", "borough"),
            PROGRAM_CODES,
        ),
        RecordKind(
            "arrears_reductions",
            "adjustment_id",
            "applied_on",
            ("adjustment_id", "participant_id", "program", "applied_on", "amount"),
            ("dss_balance_before",),
            DEBT_REDUCTION_PROGRAMS,
        ),
        RecordKind(
            "placements",
            "placement_id",
            "placed_on",
            ("placement_id", "participant_id", "program", "placed_on"),
            ("sector", "hourly_wage", "employer"),
            EMPLOYMENT_PROGRAMS,
        ),
        # One row per participant per month of the child support account (docs/data-contract.md):
        # keyed by (participant, month); its id support_month_id is built by the loader.
        RecordKind(
            "support_months",
            "support_month_id",
            "month",
            ("participant_id", "month", "current_support_due", "current_support_paid"),
            ("arrears_paid", "arrears_balance"),
            (),
            key_columns=("participant_id", "month"),
        ),
        # Targets, as the Mayor's Management Report sets them: upserted on program + metric +
        # period (target_key is those three, made by the loader).
        RecordKind(
            "targets",
            "target_key",
            "period",
            ("program", "metric", "period", "target", "direction"),
            ("note",),
            PROGRAM_CODES + ("ALL",),
            per_participant=False,
        ),
    )
}
PARTICIPANT_KINDS = tuple(k for k, v in KINDS.items() if v.per_participant)
# The period forms a target may name (core/periods.py names), and its directions.
TARGET_PERIOD_FORMS = "FYyyyy, FFYyyyy, YYYY or YYYY-Qn"
TARGET_DIRECTIONS = ("up", "down")

# Business-rule thresholds that raise warnings (see docs/data-contract.md).
# FAMILIES_FORWARD_ENROLLMENT_WINDOW: core/vocabularies.py (also a program period).
ARREARS_CAP_FLOOR_USD = 500
PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD = 10_000


def kind_from_filename(filename: str) -> str | None:
    """The record kind a file holds, taken from the start of its name."""
    base = filename.rsplit("/", 1)[-1].lower()
    # Longest prefix first, so no kind's name can shadow another's.
    for name in sorted(KINDS, key=len, reverse=True):
        if base.startswith(name):
            return name
    return None
