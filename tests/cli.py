"""The `outcomes` CLI called in this process: what a subprocess would print and return, without
starting Python and importing pandas, DuckDB and plotly again for every call (seconds each on a
busy machine). Tests of the process itself (the installed entry point, resource limits, a killed
load) still start a real one."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from outcomes.cli import main


@dataclass
class CliResult:
    """The fields of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, check: bool = False) -> CliResult:
    """`outcomes ARGS`: its exit code and what it printed. argparse's exits (`--help`, usage
    errors) become exit codes as they would in a process."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    result = CliResult(code, out.getvalue(), err.getvalue())
    if check:
        assert result.returncode == 0, (args, result.stderr)
    return result


def cli_json(*args: str):
    """`outcomes ARGS --format json`, parsed (the command must succeed)."""
    return json.loads(run_cli(*args, "--format", "json", check=True).stdout)
