"""Small frames, shaped with numpy: a chart's few hundred rows cost pandas' general indexing
(labels, alignment, copies) about a millisecond a step, several times the work itself, and a page
takes a dozen such steps per request. These helpers give the same frames (values, dtypes, a
fresh RangeIndex) from plain arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def floats(values: pd.Series) -> np.ndarray:
    """A column as floats; anything that is not a number (a "<11" marker, a missing value) is
    NaN, as `pd.to_numeric(errors="coerce")` reads it."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf":
        return values.to_numpy(dtype=float)  # NumPy's own: no missing values but NaN
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def nonzero(values: pd.Series) -> np.ndarray:
    """Where the column holds a number other than 0 (NaN and non-numbers count as 0)."""
    numbers = floats(values)
    return (numbers != 0) & ~np.isnan(numbers)


def any_nonzero(df: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Some of these columns holds a number other than 0 (NaN and non-numbers count as 0)."""
    return any(nonzero(df[c]).any() for c in columns)


def take_rows(df: pd.DataFrame, rows: np.ndarray, columns: Sequence[str] | None = None
              ) -> pd.DataFrame:
    """`df.loc[rows, columns].reset_index(drop=True)` (rows: a boolean mask or positions;
    columns: all by default), each column's array cut in its own dtype."""
    columns = list(df.columns if columns is None else columns)
    positions = np.flatnonzero(rows) if rows.dtype == bool else rows
    return pd.DataFrame({c: df[c].array.take(positions) for c in columns}, columns=columns)


def rows_of(df: pd.DataFrame, programs: Sequence[str],
            columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of these programs (column `program`), renumbered; only `columns` if given."""
    return take_rows(df, np.isin(df["program"].to_numpy(), list(programs)), columns)
