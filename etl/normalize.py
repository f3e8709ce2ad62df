"""SQL that turns one raw file (every column VARCHAR) into typed rows with reasons and warnings.

Each record kind gets one SELECT over the raw table: parsed columns, a list of rejection
reasons (empty list: the row is valid) and a list of warnings (rule, detail). Everything is
vectorized DuckDB SQL; no row passes through Python.
"""

from __future__ import annotations

from etl.contract import (
    ARREARS_CAP_FLOOR_USD,
    BOROUGH_ALIASES,
    FAMILIES_FORWARD_ENROLLMENT_WINDOW,
    KINDS,
    OUTCOMES,
    REFERRAL_SOURCES,
    SECTORS,
    RecordKind,
)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def clean(col: str) -> str:
    """A trimmed value, NULL when empty."""
    return f"nullif(trim(r.{col}), '')"


def parse_date(col: str) -> str:
    c = clean(col)
    return (
        f"coalesce(try_strptime({c}, '%Y-%m-%d'), try_strptime({c}, '%m/%d/%Y'))::DATE"
    )


def parse_money(col: str) -> str:
    """Decimal dollars; '$' and thousands separators accepted ("$20,500.50", "-$75")."""
    return f"try_cast(replace(replace({clean(col)}, '$', ''), ',', '') AS DECIMAL(14, 2))"


def parse_borough(col: str) -> str:
    key = f"regexp_replace(lower({clean(col)}), '\\s+', ' ', 'g')"
    cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in BOROUGH_ALIASES.items())
    return f"(CASE {key} {cases} END)"


def parse_vocab(col: str, vocab) -> str:
    """A lower-cased value if it is in the vocabulary, else NULL."""
    c = f"lower({clean(col)})"
    return f"(CASE WHEN list_contains({_list(vocab)}, {c}) THEN {c} END)"


def _required_reasons(kind: RecordKind) -> list[str]:
    """Reasons shared by every kind: required values missing or unparseable, program checks."""
    reasons = [
        f"CASE WHEN {clean(c)} IS NULL THEN 'missing {c}' END" for c in kind.required
    ]
    reasons += [
        f"CASE WHEN {clean('program')} IS NOT NULL AND pa.code IS NULL "
        f"THEN 'unknown program' END",
        f"CASE WHEN pa.code IS NOT NULL AND NOT list_contains({_list(kind.allowed_programs)}, "
        f"pa.code) THEN 'program not allowed for {kind.name}' END",
        f"CASE WHEN {clean(kind.date_column)} IS NOT NULL AND {parse_date(kind.date_column)} "
        f"IS NULL THEN 'unparseable {kind.date_column}' END",
    ]
    return reasons


def _optional_warning(col: str, parsed: str) -> str:
    """A warning when an optional value was given but is not valid (it is loaded as NULL)."""
    return (
        f"CASE WHEN {clean(col)} IS NOT NULL AND {parsed} IS NULL "
        f"THEN {{'rule': 'invalid {col}', 'detail': {clean(col)}}} END"
    )


def _kind_parts(kind: str) -> tuple[dict[str, str], list[str], list[str]]:
    """(typed columns, extra rejection reasons, warnings) for one record kind."""
    if kind == "enrollments":
        enrolled, exited = parse_date("enrolled_on"), parse_date("exited_on")
        given_outcome = f"lower({clean('outcome')})"
        outcome = (
            f"coalesce({given_outcome}, "
            f"CASE WHEN {exited} IS NULL THEN 'active' ELSE 'exited' END)"
        )
        ff_start, ff_end = FAMILIES_FORWARD_ENROLLMENT_WINDOW
        cols = {
            "enrolled_on": enrolled,
            "exited_on": exited,
            "outcome": outcome,
            "borough": parse_borough("borough"),
            "referral_id": clean("referral_id"),
        }
        reasons = [
            f"CASE WHEN {clean('exited_on')} IS NOT NULL AND {exited} IS NULL "
            f"THEN 'unparseable exited_on' END",
            f"CASE WHEN {exited} < {enrolled} THEN 'exited_on before enrolled_on' END",
            f"CASE WHEN {given_outcome} IS NOT NULL AND NOT list_contains({_list(OUTCOMES)}, "
            f"{given_outcome}) THEN 'invalid outcome' END",
            f"CASE WHEN {given_outcome} = 'active' AND {exited} IS NOT NULL "
            f"THEN 'active with exited_on' END",
            f"CASE WHEN {given_outcome} IN ('graduated', 'exited') AND {clean('exited_on')} "
            f"IS NULL THEN {given_outcome} || ' without exited_on' END",
        ]
        warns = [
            _optional_warning("borough", parse_borough("borough")),
            f"CASE WHEN pa.code = 'FAMILIES_FORWARD' AND {enrolled} NOT BETWEEN "
            f"DATE '{ff_start}' AND DATE '{ff_end}' THEN "
            f"{{'rule': 'families forward enrollment outside {ff_start}..{ff_end}', "
            f"'detail': strftime({enrolled}, '%Y-%m-%d')}} END",
        ]
    elif kind == "referrals":
        source = parse_vocab("source", REFERRAL_SOURCES)
        cols = {
            "referred_on": parse_date("referred_on"),
            "source": source,
            "borough": parse_borough("borough"),
        }
        reasons = []
        warns = [
            _optional_warning("source", source),
            _optional_warning("borough", parse_borough("borough")),
        ]
    elif kind == "arrears_reductions":
        amount, balance = parse_money("amount"), parse_money("dss_balance_before")
        cols = {
            "applied_on": parse_date("applied_on"),
            "amount": amount,
            "dss_balance_before": balance,
        }
        reasons = [
            f"CASE WHEN {clean('amount')} IS NOT NULL AND {amount} IS NULL "
            f"THEN 'unparseable amount' END",
            f"CASE WHEN {amount} = 0 THEN 'zero amount' END",
        ]
        warns = [
            _optional_warning("dss_balance_before", balance),
            f"CASE WHEN pa.code = 'ARREARS_CAP' AND {amount} > 0 AND "
            f"{balance} - {amount} < {ARREARS_CAP_FLOOR_USD} THEN "
            f"{{'rule': 'arrears cap balance left under ${ARREARS_CAP_FLOOR_USD}', "
            f"'detail': ({balance} - {amount})::VARCHAR}} END",
        ]
    elif kind == "placements":
        sector = parse_vocab("sector", SECTORS)
        wage = (
            f"(CASE WHEN try_cast(replace({clean('hourly_wage')}, '$', '') AS DECIMAL(8, 2)) "
            f">= 0 THEN try_cast(replace({clean('hourly_wage')}, '$', '') AS DECIMAL(8, 2)) END)"
        )
        cols = {
            "placed_on": parse_date("placed_on"),
            "sector": sector,
            "hourly_wage": wage,
            "employer": clean("employer"),
        }
        reasons = []
        warns = [_optional_warning("sector", sector), _optional_warning("hourly_wage", wage)]
    else:  # pragma: no cover - KINDS is closed
        raise ValueError(kind)
    return cols, reasons, warns


def normalize_sql(kind_name: str, raw_table: str) -> str:
    """SELECT over `raw_table` giving line, record_id, participant_id, program, typed columns,
    reasons (VARCHAR[]) and warns (STRUCT(rule, detail)[])."""
    kind = KINDS[kind_name]
    cols, reasons, warns = _kind_parts(kind_name)
    reasons = _required_reasons(kind) + reasons
    typed = ",\n    ".join(f"{expr} AS {name}" for name, expr in cols.items())
    return f"""
SELECT
    r.line,
    {clean(kind.id_column)} AS record_id,
    {clean('participant_id')} AS participant_id,
    pa.code AS program,
    {typed},
    list_filter([{', '.join(reasons)}], lambda x: x IS NOT NULL) AS reasons,
    list_filter([{', '.join(warns)}], lambda x: x IS NOT NULL) AS warns
FROM {raw_table} r
LEFT JOIN program_alias pa
    ON pa.alias = regexp_replace(lower({clean('program')}), '[^a-z0-9]', '', 'g')
"""
