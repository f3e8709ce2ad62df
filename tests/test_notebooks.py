"""The analyst notebooks: committed without outputs, run top to bottom against the demo, and
their headline numbers equal `outcomes metrics` for the same filters."""

from __future__ import annotations

import ast
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cli import cli_json

pytest.importorskip("ipykernel")

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = ["01_getting_started.ipynb", "02_arrears.ipynb", "03_employment_funnel.ipynb",
            "04_impact.ipynb"]
PARAMETERS = ("FROM_YEAR", "TO_YEAR", "PROGRAMS", "BOROUGHS")
MARK = "__NOTEBOOK_TEST_RESULT__"

# The final cell the test appends: which Python ran the kernel, and the headline numbers.
REPORT_CELL = f"""
import json as _json, sys as _sys
print({MARK!r} + _json.dumps({{
    "executable": _sys.executable,
    "headline": _json.loads(headline.to_json(orient="records", date_format="iso")),
}}))
"""

# Extra runs with other filters (injected after the `parameters` cell, as papermill does).
OVERRIDES = {
    "03_employment_funnel.ipynb": {"FROM_YEAR": 2018, "TO_YEAR": 2022,
                                   "PROGRAMS": ("FAMILIES_FORWARD", "PSP"),
                                   "BOROUGHS": ("Bronx", "Brooklyn")},
    "02_arrears.ipynb": {"FROM_YEAR": None, "TO_YEAR": None, "PROGRAMS": (), "BOROUGHS": ()},
}


@pytest.fixture(scope="session")
def nbformat():
    """nbformat, imported by the tests that use it rather than when the tests are collected:
    its import builds jsonschema's format grammars (about 2 s), which every pytest-xdist worker
    would pay, in the fast tier too."""
    return pytest.importorskip("nbformat")


@pytest.fixture(scope="session")
def nbclient():
    """nbclient, imported by the notebook runs only (as nbformat above)."""
    return pytest.importorskip("nbclient")


def read(nbformat, path: Path):
    return nbformat.read(path, as_version=4)


def parameters_cell(nb) -> int:
    cells = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def parameters(nb) -> dict:
    """The filter values the notebook's parameters cell sets (literals only)."""
    values: dict = {}
    tree = ast.parse(nb.cells[parameters_cell(nb)].source)
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert set(values) == set(PARAMETERS)
    return values


# -- committed form -------------------------------------------------------------------------------
def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


def test_committed_without_outputs(nbformat):
    """Every notebook in one test: importing nbformat costs about 2 s, paid by one xdist worker
    instead of by each worker that draws a notebook."""
    for path in NOTEBOOKS:
        nb = read(nbformat, path)
        nbformat.validate(nb)
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them first"
                assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
        parameters(nb)  # one `parameters` cell with literal filters
        assert parameters_cell(nb) <= 3, f"{path.name}: the filters are defined near the top"


# -- execution ------------------------------------------------------------------------------------
def execute(nbformat, nbclient, path: Path, warehouse: Path,
            overrides: dict | None = None) -> tuple[dict, dict]:
    """Run the notebook top to bottom in a fresh python3 kernel; (parameters used, report)."""
    nb = read(nbformat, path)
    params = parameters(nb)
    if overrides:
        params.update(overrides)
        src = "\n".join(f"{k} = {v!r}" for k, v in overrides.items())
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(parameters_cell(nb) + 1, cell)
    nb.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
    for i, cell in enumerate(nb.cells):  # ids unique after inserting cells
        cell["id"] = f"test-{i:03d}"
    env = {**os.environ, "OUTCOMES_WAREHOUSE": str(warehouse)}
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute(env=env)  # raises CellExecutionError on any error
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith(MARK))
    report = json.loads(line[len(MARK):])
    report["figures"] = figure_outputs(nb)
    return params, report


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def figure_outputs(nb) -> list[list[str]]:
    """The mime types of every output that holds a plotly figure, and a flag per CDN URL."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if PLOTLY_MIME in data or any("plotly" in str(v)[:2000] for k, v in data.items()
                                          if k == "text/html"):
                out.append(sorted(data))
            if "cdn.plot.ly" in json.dumps(data):
                out.append(["cdn"])
    return out


def cli_metrics(warehouse: Path, params: dict, command: str = "metrics") -> list[dict]:
    args = []
    if params["FROM_YEAR"] is not None:
        args += ["--from", str(params["FROM_YEAR"])]
    if params["TO_YEAR"] is not None:
        args += ["--to", str(params["TO_YEAR"])]
    for p in params["PROGRAMS"]:
        args += ["--program", p]
    for b in params["BOROUGHS"]:
        args += ["--borough", b]
    return cli_json(command, "--warehouse", str(warehouse), *args)


RUNS = [(name, None) for name in EXPECTED] + [(name, o) for name, o in OVERRIDES.items()]
RUN_IDS = [name if o is None else f"{name}-other-filters" for name, o in RUNS]


@pytest.fixture(scope="module")
def executed(demo_warehouse, notebook_kernel, nbformat, nbclient) -> dict:
    """Every run, in parallel (one kernel each): {run id: (parameters, report)}."""
    assert os.environ.get("OUTCOMES_HMAC_KEY")

    def run(item):
        name, overrides = item
        return execute(nbformat, nbclient, NOTEBOOKS_DIR / name, demo_warehouse, overrides)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {rid: pool.submit(run, item) for rid, item in zip(RUN_IDS, RUNS, strict=True)}
        return {rid: f.result() for rid, f in futures.items()}


@pytest.mark.parametrize("run_id", RUN_IDS)
def test_notebook_runs_and_headline_equals_cli(run_id, executed, demo_warehouse):
    params, report = executed[run_id]
    # The kernel is this environment's Python (the venv), not some other python3 on PATH.
    assert Path(report["executable"]).resolve() == Path(sys.executable).resolve()
    headline = report["headline"]
    assert headline, "headline is empty"
    if run_id.startswith("04_impact"):  # its headline is the impact table
        assert headline == cli_metrics(demo_warehouse, params, "impact")
        return
    cli = {row["program"]: row for row in cli_metrics(demo_warehouse, params)}
    for row in headline:
        assert row["program"] in cli, f"{row['program']} not in `outcomes metrics`"
        expected = cli[row["program"]]
        assert {k: row[k] for k in expected} == expected, row["program"]


@pytest.mark.parametrize("run_id", RUN_IDS)
def test_charts_render_offline(run_id, executed):
    """Every chart is saved with a static PNG beside plotly's own JSON (HTML exports and static
    viewers show the PNG), and nothing points at a CDN."""
    figures = executed[run_id][1]["figures"]
    assert figures, "no chart in the notebook"
    for mimes in figures:
        assert mimes != ["cdn"], "a chart loads plotly.js from a CDN"
        assert "image/png" in mimes, mimes


def test_published_figures_in_the_demo_notebooks(executed):
    """On the demo, the notebooks' default filters show the published figures."""
    _, arrears = executed["02_arrears.ipynb"]
    by_program = {r["program"]: r for r in arrears["headline"]}
    assert by_program["ARREARS_CAP"]["ncps_with_reductions"] == 13_640  # 2009–2023
    _, employment = executed["03_employment_funnel.ipynb"]
    psp = {r["program"]: r for r in employment["headline"]}["PSP"]  # 2011–2023
    assert (psp["participants_served"], psp["graduates"]) == (2_658, 580)
