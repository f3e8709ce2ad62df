"""The small-frame helpers (charts/frames.py) give what the pandas steps they replace give, and a
chart card's figure without NaN (dashboard.chart_card.without_nan) writes the same JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _plotly_utils.utils import PlotlyJSONEncoder
from plotly.io.json import to_json_plotly

from charts.frames import any_nonzero, floats, rows_of, take_rows
from dashboard.chart_card import without_nan


def _frame(empty_text_as_object: bool = False) -> pd.DataFrame:
    df = pd.DataFrame({
        "period": ["FY2020", "FY2020", "FY2021", "FY2021", "FY2022"],
        "program": ["PSP", "ARREARS_CAP", "PSP", "ARREARS_CAP", "PAY_IT_OFF"],
        "served": [3, 0, 5, 7, 1],
        "usd": [1.5, np.nan, 0.0, 2.25, -4.0],
        "nullable": pd.array([1, None, 3, 4, None], dtype="Int64"),
    })
    if empty_text_as_object:  # an empty DuckDB result: its text columns are object
        df = df.iloc[0:0].astype({"period": object, "program": object})
    return df


@pytest.mark.parametrize("empty", [False, True])
@pytest.mark.parametrize("columns", [None, ["program", "usd"], ["nullable", "period"]])
def test_take_rows_is_loc_then_reset_index(empty, columns):
    df = _frame(empty)
    mask = np.zeros(len(df), dtype=bool)
    mask[::2] = True
    for rows in (mask, np.flatnonzero(mask)[::-1]):
        expected = df.iloc[rows] if rows.dtype != bool else df[rows]
        expected = (expected if columns is None else expected[columns]).reset_index(drop=True)
        got = take_rows(df, rows, columns)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_column_type=True)
        assert list(got.dtypes) == list(expected.dtypes)


def test_rows_of_is_the_programs_rows():
    df = _frame()
    expected = df[df["program"].isin(["PSP", "PAY_IT_OFF"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows_of(df, ("PSP", "PAY_IT_OFF")), expected,
                                  check_exact=True, check_column_type=True)


def test_floats_and_any_nonzero_read_numbers_as_to_numeric_does():
    marked = pd.Series(["<11", 5, None, "x"], dtype=object)
    for values in (_frame()["usd"], _frame()["nullable"], _frame()["served"], marked):
        expected = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        np.testing.assert_array_equal(floats(values), expected)
    zeros = pd.DataFrame({"a": [0.0, np.nan], "b": pd.Series(["<11", 0], dtype=object)})
    assert not any_nonzero(zeros, ["a", "b"])
    assert any_nonzero(zeros.assign(b=[0, np.inf]), ["a", "b"])
    assert any_nonzero(_frame(), ["usd"]) and not any_nonzero(_frame().iloc[1:2], ["usd"])


def _first_pass(obj) -> str:
    """The encoder's text before its NaN pass (PlotlyJSONEncoder.encode parses and writes this
    again when it holds "NaN" or "Infinity")."""
    return json.JSONEncoder.encode(PlotlyJSONEncoder(separators=(",", ":")), obj)


def test_a_figure_without_nan_writes_the_same_json_in_one_pass():
    fig = {"data": [
        {"type": "scatter", "x": np.array([2020, 2021, 2022]),
         "y": np.array([1.5, np.nan, np.inf]), "name": "Parent Support Program"},
        {"type": "bar", "y": [np.nan, 2.0, None, "<11"],
         "customdata": np.array([[1, np.nan], [-np.inf, 0.25]])},
        {"type": "scatter", "customdata": np.array([[28, np.nan], ["a", 0.5]], dtype=object),
         "y": np.array([1.0, 2.0])},
    ], "layout": {"title": {"text": "t"}}}
    cleaned = without_nan(fig)
    assert "NaN" in _first_pass(fig) and "Infinity" in _first_pass(fig)
    assert "NaN" not in _first_pass(cleaned) and "Infinity" not in _first_pass(cleaned)
    assert to_json_plotly(cleaned) == to_json_plotly(fig)
    assert cleaned["data"][2]["y"] is fig["data"][2]["y"]  # finite arrays are left as they are
