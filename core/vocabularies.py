"""The vocabularies every layer shares: programs and their families, boroughs, referral sources,
sectors, outcomes, program periods; program display names and the one way to read a program or
borough as people type it (code or name, any case or spacing).

Data, not logic (the loader, the demo generator, the dashboard, the exports and the docs read one
definition). The record kinds that use them are etl/contract.py's.
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


# Families Forward enrolled parents in this window (a program period, and a business rule the
# loader warns on: etl/contract.py).
FAMILIES_FORWARD_ENROLLMENT_WINDOW = ("2018-01-01", "2022-05-31")

# Program periods: the first and last day a program enrolled parents (ISO dates; None: before
# the data began, or still enrolling). Only periods on record are listed; a program not listed
# is taken to run through the whole data. Records can follow the last day (placements, exits).
PROGRAM_PERIODS: dict[str, tuple[str | None, str | None]] = {
    "FAMILIES_FORWARD": FAMILIES_FORWARD_ENROLLMENT_WINDOW,
}

PROGRAM_NAMES: dict[str, str] = {p.code: p.name for p in PROGRAMS}
PROGRAM_ORDER: tuple[str, ...] = PROGRAM_CODES


def program_name(code: str) -> str:
    """A program's name for people (the code itself when it is not a program)."""
    return PROGRAM_NAMES.get(code, code)


def program_key(spelling: str) -> str:
    """A spelling of a program cut to lower-case letters and digits: the form codes and names
    are matched in ('Arrears Cap', 'ARREARS_CAP', 'arrears-cap' -> 'arrearscap'). The loader
    does the same in SQL (etl/normalize.py) with the keys of PROGRAM_KEYS."""
    return "".join(ch for ch in str(spelling).lower() if ch.isalnum())


# Every accepted spelling's key -> the program's code (its code and its name).
PROGRAM_KEYS: dict[str, str] = {
    program_key(spelling): p.code for p in PROGRAMS for spelling in (p.code, p.name)
}


def program_code(value: str) -> str | None:
    """A program code from a code or name in any case/spacing ('arrears cap' -> ARREARS_CAP)."""
    return PROGRAM_KEYS.get(program_key(value))


def borough_alias(value: str) -> str | None:
    """A canonical borough from any accepted spelling (case and spacing ignored), else None."""
    return BOROUGH_ALIASES.get(" ".join(str(value).lower().split()))
