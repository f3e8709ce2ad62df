"""SQL that turns one raw file (every column VARCHAR) into typed rows with reasons and warnings.

Two steps, both vectorized DuckDB SQL (no row passes through Python):
1. `parsed`: every value trimmed (`v_<col>`, NULL when empty) and parsed once (`<col>`);
2. the rejection reasons (a list; empty means valid) and warnings (a list of rule/detail)
   computed from those columns.
"""

from __future__ import annotations

from datetime import date

from core.settings import earliest_date
from etl.contract import (
    ARREARS_CAP_FLOOR_USD,
    BOROUGH_ALIASES,
    FAMILIES_FORWARD_ENROLLMENT_WINDOW,
    KINDS,
    OUTCOMES,
    REFERRAL_SOURCES,
    SECTORS,
    TARGET_DIRECTIONS,
)
from warehouse.metrics import METRICS

# The contract's two date formats, exactly (no times, no "infinity"/"epoch"/"today").
ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
US_DATE = "[0-9]{2}/[0-9]{2}/[0-9]{4}"
# A target's period: a year, quarter, NYC or federal fiscal year (core/periods.py's forms).
TARGET_PERIOD = "(?i)(FF?Y)?[0-9]{4}|[0-9]{4}-Q[1-4]"
# Dollars: optional sign (before or after "$") or parentheses for a negative, optional "$",
# digits with thousands separators only in groups of three, at most two decimals.
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?"
MONEY = rf"(?:[+-]?\$?|\$[+-]){_DIGITS}|\(\$?{_DIGITS}\)"
# The amounts MONEY accepts that need no rewriting before the cast: digits, at most two decimals.
PLAIN_MONEY = r"[0-9]+(?:\.[0-9]{1,2})?"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _is_date(v: str) -> str:
    return f"regexp_full_match({v}, {_lit(ISO_DATE)})"


def _date(v: str) -> str:
    """YYYY-MM-DD or MM/DD/YYYY (a real calendar date); anything else is NULL. A parser built on
    it gets the rules 'unparseable <col>' and 'date out of range' (normalize_sql)."""
    return (
        f"(CASE WHEN {_is_date(v)} THEN try_strptime({v}, '%Y-%m-%d')::DATE "
        f"WHEN regexp_full_match({v}, {_lit(US_DATE)}) THEN try_strptime({v}, '%m/%d/%Y')::DATE "
        "END)"
    )


def _is_money(v: str) -> str:
    return f"regexp_full_match({v}, {_lit(MONEY)})"


def _money(v: str, decimals: str = "DECIMAL(14, 2)") -> str:
    """Decimal dollars in the one amount grammar (MONEY: "$20,500.50", "-$75", "(1,234.50)");
    anything else, or too large for `decimals`, is NULL. A parser built on it gets the rule
    'malformed amount' (normalize_sql)."""
    digits = f"regexp_replace({v}, '[$,()+]', '', 'g')"
    signed = f"(CASE WHEN starts_with({v}, '(') THEN '-' || {digits} ELSE {digits} END)"
    # Most amounts are plain digits ("1234.50"): in the grammar, with nothing to remove, so
    # they are cast as they are (a simpler match, no replace); the rest take the full path.
    return (f"(CASE WHEN regexp_full_match({v}, {_lit(PLAIN_MONEY)}) THEN try_cast({v} AS "
            f"{decimals}) WHEN {_is_money(v)} THEN try_cast({signed} AS {decimals}) END)")


def _detail(reason: str, col: str) -> str:
    """The reason and the value given, e.g. 'malformed amount: dss_balance_before "1,23"' or
    'unparseable enrolled_on: "infinity"' (the rejects table's `reason` is the part before
    ': ', `all_reasons` keeps the rest)."""
    named = "" if reason.endswith(" " + col) else f"{col} "
    prefix = _lit(f'{reason}: {named}"')
    return f"{prefix} || v_{col} || '\"'"


def _value_rules(parsers: dict[str, str], earliest: date, latest: date) -> list[str]:
    """Rejection reasons of every date and money column, whatever the kind."""
    rules = []
    for col, expr in parsers.items():
        if _is_date(f"v_{col}") in expr:
            rules += [
                f"CASE WHEN v_{col} IS NOT NULL AND {col} IS NULL "
                f"THEN {_detail('unparseable ' + col, col)} END",
                f"CASE WHEN {col} NOT BETWEEN DATE '{earliest}' AND DATE '{latest}' "
                f"THEN {_detail('date out of range', col)} END",
            ]
        elif _is_money(f"v_{col}") in expr:
            rules.append(
                f"CASE WHEN v_{col} IS NOT NULL AND {col} IS NULL "
                f"THEN {_detail('malformed amount', col)} "
                f"|| CASE WHEN {_is_money(f'v_{col}')} THEN ' (too large)' ELSE '' END END"
            )
    return rules


def latest_date(today: date | None = None) -> date:
    """A year after the load: later dates are implausible."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def _borough(v: str) -> str:
    cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(b)}" for k, b in BOROUGH_ALIASES.items())
    return f"(CASE regexp_replace(lower({v}), '\\s+', ' ', 'g') {cases} END)"


def _vocab(v: str, vocab) -> str:
    """The lower-cased value if it is in the vocabulary, else NULL."""
    return f"(CASE WHEN list_contains({_list(vocab)}, lower({v})) THEN lower({v}) END)"


def _parsers(kind: str) -> dict[str, str]:
    """Typed column -> expression over the trimmed values v_<col>."""
    if kind == "enrollments":
        return {
            "enrolled_on": _date("v_enrolled_on"),
            "exited_on": _date("v_exited_on"),
            "given_outcome": "lower(v_outcome)",
            "borough": _borough("v_borough"),
            "referral_id": "v_referral_id",
        }
    if kind == "referrals":
        return {
            "referred_on": _date("v_referred_on"),
            "source": _vocab("v_source", REFERRAL_SOURCES),
            "borough": _borough("v_borough"),
        }
    if kind == "arrears_reductions":
        return {
            "applied_on": _date("v_applied_on"),
            "amount": _money("v_amount"),
            "dss_balance_before": _money("v_dss_balance_before"),
        }
    if kind == "placements":
        return {
            "placed_on": _date("v_placed_on"),
            "sector": _vocab("v_sector", SECTORS),
            "hourly_wage": _money("v_hourly_wage", "DECIMAL(8, 2)"),
            "employer": "v_employer",
        }
    if kind == "support_months":
        return {
            "month": _month("v_month"),
            "current_support_due": _money("v_current_support_due"),
            "current_support_paid": _money("v_current_support_paid"),
            "arrears_paid": _money("v_arrears_paid"),  # negative: a warning (_rules)
            "arrears_balance": _money("v_arrears_balance"),
        }
    if kind == "targets":
        return {
            "metric": _vocab("v_metric", METRICS),
            "period": (f"(CASE WHEN regexp_full_match(v_period, {_lit(TARGET_PERIOD)}) "
                       "THEN upper(v_period) END)"),
            "target": _money("v_target", "DECIMAL(18, 2)"),
            "direction": _vocab("v_direction", TARGET_DIRECTIONS),
            "note": "v_note",
        }
    raise ValueError(kind)


def _month(v: str) -> str:
    """The first day of a month given as YYYY-MM, or of the month of any contract date."""
    first_day = f"({v} || '-01')"
    return (
        f"date_trunc('month', CASE WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{2}}') "
        f"THEN {_date(first_day)} ELSE {_date(v)} END)::DATE"
    )


def _invalid_optional(col: str) -> str:
    """Warning: an optional value was given but is not valid (it is loaded as NULL)."""
    return (
        f"CASE WHEN v_{col} IS NOT NULL AND {col} IS NULL "
        f"THEN {{'rule': 'invalid {col}', 'detail': v_{col}}} END"
    )


def _rules(kind: str) -> tuple[list[str], list[str]]:
    """(rejection reasons, warnings) specific to one kind, over the parsed columns."""
    if kind == "enrollments":
        ff_start, ff_end = FAMILIES_FORWARD_ENROLLMENT_WINDOW
        reasons = [
            "CASE WHEN exited_on < enrolled_on THEN 'exited_on before enrolled_on' END",
            f"CASE WHEN given_outcome IS NOT NULL AND NOT list_contains({_list(OUTCOMES)}, "
            "given_outcome) THEN 'invalid outcome' END",
            "CASE WHEN given_outcome = 'active' AND v_exited_on IS NOT NULL "
            "THEN 'active with exited_on' END",
            "CASE WHEN given_outcome IN ('graduated', 'exited') AND v_exited_on IS NULL "
            "THEN given_outcome || ' without exited_on' END",
        ]
        warns = [
            _invalid_optional("borough"),
            f"CASE WHEN program = 'FAMILIES_FORWARD' AND enrolled_on NOT BETWEEN "
            f"DATE '{ff_start}' AND DATE '{ff_end}' THEN "
            f"{{'rule': 'families forward enrollment outside {ff_start}..{ff_end}', "
            f"'detail': strftime(enrolled_on, '%Y-%m-%d')}} END",
        ]
    elif kind == "referrals":
        reasons = []
        warns = [_invalid_optional("source"), _invalid_optional("borough")]
    elif kind == "arrears_reductions":
        reasons = ["CASE WHEN amount = 0 THEN 'zero amount' END"]
        warns = [
            f"CASE WHEN program = 'ARREARS_CAP' AND amount > 0 AND "
            f"dss_balance_before - amount < {ARREARS_CAP_FLOOR_USD} THEN "
            f"{{'rule': 'arrears cap balance left under ${ARREARS_CAP_FLOOR_USD}', "
            f"'detail': (dss_balance_before - amount)::VARCHAR}} END",
        ]
    elif kind == "support_months":
        # A value outside the amount grammar, required or optional, is a 'malformed amount'
        # row (_value_rules); a well-formed negative is a reject where due/paid are >= 0, and
        # an unknown arrears_paid with a warning (as a negative hourly_wage).
        reasons = [f"CASE WHEN {col} < 0 THEN 'negative {col}' END"
                   for col in ("current_support_due", "current_support_paid")]
        warns = ["CASE WHEN arrears_paid < 0 THEN {'rule': 'invalid arrears_paid', "
                 "'detail': v_arrears_paid} END"]
    elif kind == "targets":
        reasons = [
            f"CASE WHEN v_metric IS NOT NULL AND metric IS NULL "
            f"THEN {_detail('unknown metric', 'metric')} END",
            f"CASE WHEN v_period IS NOT NULL AND period IS NULL "
            f"THEN {_detail('unknown period form', 'period')} END",
            f"CASE WHEN v_direction IS NOT NULL AND direction IS NULL "
            f"THEN {_detail('invalid direction', 'direction')} END",
            "CASE WHEN target < 0 THEN 'negative target' END",
        ]
        warns = []
    else:
        reasons = []
        warns = [
            _invalid_optional("sector"),
            "CASE WHEN hourly_wage < 0 THEN {'rule': 'invalid hourly_wage', "
            "'detail': v_hourly_wage} END",
        ]
    return reasons, warns


# Kinds with many rows per participant (support_months: one a month): the HMAC of each
# distinct raw id is computed once and joined to the rows. The others hash each row's id.
# Either way each row gets the same key.
DISTINCT_KEY_KINDS = {"support_months"}


def _non_null_list(items: list[str], empty: str) -> str:
    """The non-NULL values of `items`, in order. Most rows have none: coalesce finds that
    without building a list per row (the list is built for the few rows that need it)."""
    if not items:  # e.g. targets' warnings: the type they always had
        return "list_filter([], lambda x: x IS NOT NULL)"
    return (f"CASE WHEN coalesce({', '.join(items)}) IS NULL THEN {empty} "
            f"ELSE list_filter([{', '.join(items)}], lambda x: x IS NOT NULL) END")


def normalize_sql(kind_name: str, raw_table: str, earliest: date | None = None,
                  latest: date | None = None) -> str:
    """SELECT over `raw_table` giving line, record_id, participant_key, program, the kind's
    typed columns, reasons (VARCHAR[]), warns (STRUCT(rule, detail)[]) and the trimmed values
    as given (v_<col>, without participant_id) for the rejects table. Dates outside
    [earliest, latest] (default: OUTCOMES_EARLIEST_DATE, a year after today) are rejected."""
    earliest = earliest or earliest_date()
    latest = latest or latest_date()
    kind = KINDS[kind_name]
    parsers = _parsers(kind_name)
    trimmed = ",\n        ".join(f"nullif(trim(r.{c}), '') AS v_{c}" for c in kind.columns)
    if not kind.has_program:  # e.g. support_months: program stays NULL, its checks never fire
        trimmed += ",\n        NULL::VARCHAR AS v_program"
    record_id = f"v_{kind.id_column}"
    if kind.key_columns:  # keyed by (participant, month): the id is the pseudonym and the month
        record_id = f"keys.participant_key || ':' || strftime({kind.date_column}, '%Y-%m')"
    typed = ",\n        ".join(f"{expr} AS {name}" for name, expr in parsers.items())
    required = [f"CASE WHEN v_{c} IS NULL THEN 'missing {c}' END" for c in kind.required]
    required += [
        "CASE WHEN v_program IS NOT NULL AND program IS NULL THEN 'unknown program' END",
        f"CASE WHEN program IS NOT NULL AND NOT list_contains({_list(kind.allowed_programs)}, "
        f"program) THEN 'program not allowed for {kind.name}' END",
        *_value_rules(parsers, earliest, latest),
    ]
    reasons, warns = _rules(kind_name)
    outputs = [c for c in kind.columns if c not in (kind.id_column, "participant_id", "program")]
    if kind_name == "enrollments":
        # An empty outcome means active without an exit date, exited with one.
        outputs[outputs.index("outcome")] = (
            "coalesce(given_outcome, CASE WHEN exited_on IS NULL THEN 'active' "
            "ELSE 'exited' END) AS outcome"
        )
    if kind_name == "placements":  # a negative wage is loaded as unknown, with a warning
        outputs[outputs.index("hourly_wage")] = (
            "CASE WHEN hourly_wage >= 0 THEN hourly_wage END AS hourly_wage")
    if kind_name == "support_months":  # so is a negative arrears_paid
        outputs[outputs.index("arrears_paid")] = (
            "CASE WHEN arrears_paid >= 0 THEN arrears_paid END AS arrears_paid")
    all_programs = "ALL" in kind.allowed_programs  # targets: 'ALL' is all programs together
    program = ("coalesce(pa.code, CASE WHEN upper(t.v_program) = 'ALL' THEN 'ALL' END)"
               if all_programs else "pa.code")
    materialized = "MATERIALIZED"
    if kind.per_participant and kind_name not in DISTINCT_KEY_KINDS:
        # About one row per participant: each row's id hashed where it is (a DISTINCT and a
        # join on the raw id, and keeping every parsed row for that join, cost more).
        keys = join = ""
        key = ("CASE WHEN v_participant_id IS NOT NULL THEN "
               "sha256($opad || unhex(sha256($ipad || encode(v_participant_id)))) END")
        materialized = ""
    elif kind.per_participant:
        key = "keys.participant_key"
        keys = """,
keys AS (
    -- HMAC-SHA256 of each distinct raw id; $ipad/$opad are the padded secret (etl/load.py).
    SELECT v_participant_id,
           sha256($opad || unhex(sha256($ipad || encode(v_participant_id)))) AS participant_key
    FROM (SELECT DISTINCT v_participant_id FROM parsed WHERE v_participant_id IS NOT NULL)
)"""
        join = "LEFT JOIN keys USING (v_participant_id)"
    else:  # no participant; the id is the upsert key made of the kind's key columns
        record_id = "program || '|' || metric || '|' || period"
        keys = ",\nkeys AS (SELECT NULL::VARCHAR AS participant_key)"
        join = "CROSS JOIN keys"
        key = "keys.participant_key"
    return f"""
WITH trimmed AS (
    SELECT r.line,
        {trimmed}
    FROM {raw_table} r
),
parsed AS {materialized} (
    SELECT t.*,
        {program} AS program,
        {typed}
    FROM trimmed t
    LEFT JOIN program_alias pa
        ON pa.alias = regexp_replace(lower(t.v_program), '[^a-z0-9]', '', 'g')
){keys}
SELECT
    line,
    {record_id} AS record_id,
    {key} AS participant_key,
    program,
    {', '.join(outputs)},
    {_non_null_list(required + reasons, "[]::VARCHAR[]")} AS reasons,
    {_non_null_list(warns, "[]::STRUCT(rule VARCHAR, detail VARCHAR)[]")} AS warns,
    {', '.join(f"v_{c}" for c in kind.columns if c != "participant_id")}
FROM parsed {join}
"""
