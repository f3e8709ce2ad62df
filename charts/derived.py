"""Ratios derived from the metric table, defined once here (definitions: warehouse.metrics)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from charts.frames import floats
from warehouse.metrics import AVERAGE_REDUCTION_DEFINITION, GRADUATION_RATE_DEFINITION

__all__ = [
    "AVERAGE_REDUCTION_DEFINITION",
    "GRADUATION_RATE_DEFINITION",
    "average_reduction",
    "graduation_rate",
    "ratio",
    "ratio_value",
    "with_ratios",
]


def ratio(numerator, denominator) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 (never inf)."""
    num = _floats(numerator)
    den = _floats(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den != 0, num / den, np.nan)
    index = numerator.index if isinstance(numerator, pd.Series) else None
    return pd.Series(out, index=index, dtype=float)


def ratio_value(numerator, denominator) -> float | None:
    """One numerator / denominator (a table cell), None where the denominator is 0 or either
    is not a number (a "<11" marker)."""
    try:
        n, d = float(numerator), float(denominator)
    except (TypeError, ValueError):
        return None
    return None if d == 0 else n / d


def _floats(values) -> np.ndarray:
    return floats(values) if isinstance(values, pd.Series) else np.asarray(values, dtype=float)


def graduation_rate(df: pd.DataFrame) -> pd.Series:
    """Graduates / participants served (warehouse.metrics.GRADUATION_RATE_DEFINITION)."""
    return ratio(df["graduates"], df["participants_served"])


def average_reduction(df: pd.DataFrame) -> pd.Series:
    """DSS arrears reduced / NCPs with reductions (AVERAGE_REDUCTION_DEFINITION)."""
    return ratio(df["arrears_reduced_usd"], df["ncps_with_reductions"])


def with_ratios(df: pd.DataFrame) -> pd.DataFrame:
    """The metric table plus graduation_rate and avg_reduction_usd where the inputs exist."""
    out = df.copy()
    if "graduates" in out.columns and "participants_served" in out.columns:
        out["graduation_rate"] = graduation_rate(out).to_numpy()
    if "arrears_reduced_usd" in out.columns and "ncps_with_reductions" in out.columns:
        out["avg_reduction_usd"] = average_reduction(out).to_numpy()
    return out
