"""Docs that tests keep honest: metric definitions, contract rules, CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.contract import PROGRAMS
from outcomes.cli import build_parser
from warehouse.metrics import AVERAGE_REDUCTION_DEFINITION, GRADUATION_RATE_DEFINITION, METRICS

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = Path(__file__).resolve().parent.parent / "README.md"


def test_metrics_doc_states_each_definition_as_the_code_does():
    text = (DOCS / "metrics.md").read_text()
    for m in METRICS.values():
        assert f"| {m.name} | {m.definition} |" in text
    assert GRADUATION_RATE_DEFINITION in text and AVERAGE_REDUCTION_DEFINITION in text


def test_every_metric_is_computed_by_the_one_sql_file():
    sql = (Path(__file__).resolve().parent.parent / "warehouse/sql/queries/program_metrics.sql"
           ).read_text()
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
                 "invalid dss_balance_before", "conflicting duplicate id",
                 "arrears cap balance left under $500",
                 "parent success over $10,000 for one participant",
                 "families forward enrollment outside 2018-01-01..2022-05-31"):
        assert f"`{rule}`" in text, rule


def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_readme_documents_every_cli_command(command):
    assert f"outcomes {command}" in README.read_text()


def test_readme_has_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text
