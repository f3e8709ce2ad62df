"""The record contract: record kinds, their columns, and the vocabularies values are matched to.

Everything here is data, not logic, so the loader, the demo generator, the docs and the tests
read one definition. See docs/data-contract.md.
"""

from __future__ import annotations

from dataclasses import dataclass

EMPLOYMENT = "employment"
DEBT_REDUCTION = "debt_reduction"
OTHER = "other"


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    family: str


PROGRAMS: tuple[Program, ...] = (
    Program("PSP", "Parent Support Program", EMPLOYMENT),
    Program("STEP", "Support Through Employment Program", EMPLOYMENT),
    Program("JOBS_PLUS", "Jobs-Plus", EMPLOYMENT),
    Program("WORKFORCE1", "Workforce1", EMPLOYMENT),
    Program("TXT2WORK", "TXT-2-Work", EMPLOYMENT),
    Program("EMPLOYMENT_TRAINING", "Employment Training", EMPLOYMENT),
    Program("FAMILIES_FORWARD", "Families Forward", EMPLOYMENT),
    Program("ARREARS_CAP", "Arrears Cap", DEBT_REDUCTION),
    Program("ARREARS_CREDIT", "Arrears Credit", DEBT_REDUCTION),
    Program("PAY_IT_OFF", "Pay It Off", DEBT_REDUCTION),
    Program("PARENT_SUCCESS", "Parent Success", DEBT_REDUCTION),
    Program("MEDIATION", "Mediation", OTHER),
    Program("ORDER_MODIFICATION", "Order Modification", OTHER),
)
PROGRAM_CODES = tuple(p.code for p in PROGRAMS)
EMPLOYMENT_PROGRAMS = tuple(p.code for p in PROGRAMS if p.family == EMPLOYMENT)
DEBT_REDUCTION_PROGRAMS = tuple(p.code for p in PROGRAMS if p.family == DEBT_REDUCTION)
LEGAL_SERVICES_PROGRAMS = tuple(p.code for p in PROGRAMS if p.family == OTHER)

# Program families, in display order, with their names for people. A metric means different
# things in different families ("graduated" is "order modified" for the legal services), so
# totals are given per family and never summed across families.
FAMILIES: tuple[str, ...] = (EMPLOYMENT, DEBT_REDUCTION, OTHER)
FAMILY_NAMES: dict[str, str] = {
    EMPLOYMENT: "Employment",
    DEBT_REDUCTION: "Debt reduction",
    OTHER: "Legal services",
}


def family_programs(family: str) -> tuple[str, ...]:
    """The codes of a family's programs, in display order."""
    return tuple(p.code for p in PROGRAMS if p.family == family)


def program_family(code: str) -> str | None:
    return next((p.family for p in PROGRAMS if p.code == code), None)


# Canonical borough names, and every accepted spelling (compared after lower-casing).
BOROUGHS = ("Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island")
BOROUGH_ALIASES = {
    "bronx": "Bronx",
    "the bronx": "Bronx",
    "brooklyn": "Brooklyn",
    "kings": "Brooklyn",
    "manhattan": "Manhattan",
    "new york": "Manhattan",
    "queens": "Queens",
    "staten island": "Staten Island",
    "richmond": "Staten Island",
}
# The borough filter's value for records with no known borough (never a record's value: the
# loader sets an unreadable borough to NULL, which the queries show as this).
UNKNOWN_BOROUGH = "Unknown"
REFERRAL_SOURCES = (
    "family_court",
    "support_magistrate",
    "psp_case_manager",
    "ocss_staff",
    "self",
    "other",
)
SECTORS = (
    "healthcare",
    "construction",
    "transportation",
    "information_technology",
    "security",
    "food_service",
    "retail",
    "education",
    "manufacturing",
    "other",
)
OUTCOMES = ("active", "graduated", "exited")


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
FAMILIES_FORWARD_ENROLLMENT_WINDOW = ("2018-01-01", "2022-05-31")
ARREARS_CAP_FLOOR_USD = 500
PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD = 10_000

# Program periods: the first and last day a program enrolled parents (ISO dates; None: before
# the data began, or still enrolling). Only periods on record are listed; a program not listed
# is taken to run through the whole data. Records can follow the last day (placements, exits).
PROGRAM_PERIODS: dict[str, tuple[str | None, str | None]] = {
    "FAMILIES_FORWARD": FAMILIES_FORWARD_ENROLLMENT_WINDOW,
}


def kind_from_filename(filename: str) -> str | None:
    """The record kind a file holds, taken from the start of its name."""
    base = filename.rsplit("/", 1)[-1].lower()
    # Longest prefix first, so no kind's name can shadow another's.
    for name in sorted(KINDS, key=len, reverse=True):
        if base.startswith(name):
            return name
    return None
