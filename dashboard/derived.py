"""Ratios derived from the metric table, defined once here (definitions: warehouse.metrics)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics import AVERAGE_REDUCTION_DEFINITION, GRADUATION_RATE_DEFINITION

__all__ = [
    "AVERAGE_REDUCTION_DEFINITION",
    "GRADUATION_RATE_DEFINITION",
    "average_reduction",
    "graduation_rate",
    "ratio",
    "with_ratios",
]


def ratio(numerator, denominator):
    """numerator / denominator, NaN where the denominator is 0 (never inf)."""
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den.where(den != 0)
    return out


def graduation_rate(df: pd.DataFrame) -> pd.Series:
    """Graduates / participants served (warehouse.metrics.GRADUATION_RATE_DEFINITION)."""
    return ratio(df["graduates"], df["participants_served"])


def average_reduction(df: pd.DataFrame) -> pd.Series:
    """DSS arrears reduced / NCPs with reductions (AVERAGE_REDUCTION_DEFINITION)."""
    return ratio(df["arrears_reduced_usd"], df["ncps_with_reductions"])


def with_ratios(df: pd.DataFrame) -> pd.DataFrame:
    """The metric table plus graduation_rate and avg_reduction_usd where the inputs exist."""
    out = df.copy()
    if {"graduates", "participants_served"} <= set(out.columns):
        out["graduation_rate"] = graduation_rate(out)
    if {"arrears_reduced_usd", "ncps_with_reductions"} <= set(out.columns):
        out["avg_reduction_usd"] = average_reduction(out)
    return out
