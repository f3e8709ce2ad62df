"""Docs that tests keep honest: metric definitions, contract rules, CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.vocabularies import PROGRAMS
from outcomes.cli import build_parser
from warehouse.metrics import AVERAGE_REDUCTION_DEFINITION, GRADUATION_RATE_DEFINITION, METRICS
from warehouse.query import read_sql

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = Path(__file__).resolve().parent.parent / "README.md"


def test_metrics_doc_states_each_definition_as_the_code_does():
    text = (DOCS / "metrics.md").read_text()
    for m in METRICS.values():
        assert f"| {m.name} | {m.definition} |" in text
    assert GRADUATION_RATE_DEFINITION in text and AVERAGE_REDUCTION_DEFINITION in text


def test_every_metric_is_computed_by_the_one_sql_file():
    sql = read_sql("queries/program_metrics")  # with the parts it includes
    for name in METRICS:
        assert re.search(rf"AS {name}\b", sql), name


def test_contract_doc_lists_every_program_and_rule():
    text = (DOCS / "data-contract.md").read_text()
    for p in PROGRAMS:
        assert f"| {p.code} | {p.name} |" in text
    source = (Path(__file__).resolve().parent.parent / "etl/normalize.py").read_text()
    reasons = set(re.findall(r"THEN '([a-z_ ]+)' END", source))
    assert reasons, "no reasons found in etl/normalize.py"
    for reason in reasons:
        assert f"`{reason}`" in text, reason
    for rule in ("invalid borough", "invalid source", "invalid sector", "invalid hourly_wage",
                 "conflicting duplicate id", "date out of range", "malformed amount",
                 "arrears cap balance left under $500",
                 "parent success over $10,000 for one participant",
                 "families forward enrollment outside 2018-01-01..2022-05-31"):
        assert f"`{rule}`" in text, rule


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def test_contract_doc_states_the_date_and_amount_grammar_as_the_code_applies_it():
    """The doc's examples of amounts and non-dates are run through etl/normalize.py's SQL."""
    import duckdb

    from core.settings import earliest_date
    from etl.normalize import _date, _money

    text = " ".join((DOCS / "data-contract.md").read_text().split())
    amounts = text[text.index("**Amounts**"):]
    good = _backticked(amounts[:amounts.index("are amounts;")].split("at most two decimals.")[1])
    bad = _backticked(amounts[amounts.index("are amounts;"):amounts.index("are not")])
    dates = text[text.index("Nothing else is a date"):text.index("**Date range**")]
    not_dates = _backticked(dates)
    assert len(good) >= 5 and len(bad) >= 5 and len(not_dates) >= 5

    def parsed(expr, values):
        return [r[0] for r in duckdb.execute(
            f"SELECT {expr} FROM (SELECT unnest($1::VARCHAR[]) AS v, "
            "generate_subscripts($1::VARCHAR[], 1) AS i) ORDER BY i", [values]).fetchall()]

    assert None not in parsed(_money("v"), good)
    assert parsed(_money("v"), bad) == [None] * len(bad)
    assert parsed(_date("v"), not_dates) == [None] * len(not_dates)
    assert f"default `{earliest_date()}`" in text


def test_contract_doc_states_the_file_and_key_rules():
    from core.settings import MIN_KEY_BYTES
    from etl.load import KEY_FINGERPRINT

    text = " ".join((DOCS / "data-contract.md").read_text().split())
    for rule in ("**File names are literal.**", "**Encoding.**", "**Duplicate headers.**",
                 "**Lines.**", "**Disk space.**", "**Killed loads leave nothing behind.**",
                 "**File mode.**", "**Key fingerprint.**", "not UTF-8 (looks like Latin-1)",
                 "UTF-16 is not supported: save as UTF-8", "unterminated quote starting at",
                 "gzip-compressed: name it", f"`{KEY_FINGERPRINT}`",
                 f"under {MIN_KEY_BYTES} bytes", "`OUTCOMES_LOAD_FREE_SPACE_RESERVE_MB`"):
        assert rule in text, rule


def test_every_setting_is_documented_in_the_readme():
    source = (Path(__file__).resolve().parent.parent / "core/settings.py").read_text()
    for name in set(re.findall(r"OUTCOMES_[A-Z_]+", source)):
        assert f"`{name}`" in README.read_text(), name


def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_readme_documents_every_cli_command(command):
    assert f"outcomes {command}" in README.read_text()


def test_readme_has_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text
