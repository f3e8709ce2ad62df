"""The published figures the demo reproduces at scale 1, the windows and business rules it keeps
to, and the self-check that the generated records hit them (see generation.py for how)."""

from __future__ import annotations

import numpy as np

from etl.contract import (
    ARREARS_CAP_FLOOR_USD,
    FAMILIES_FORWARD_ENROLLMENT_WINDOW,
    OUTCOMES,
    PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD,
    PROGRAMS,
)

D = np.datetime64
NAT = np.datetime64("NaT", "D")
DATA_END = D("2025-12-31")  # the most recent complete year

# The published figures (scale 1). Dollar figures are in cents; a `None` window means "all".
PUBLISHED = {
    "ARREARS_CAP": {"window": (2009, 2023), "ncps": 13_640, "cents": 284_000_000_00},
    "ARREARS_CREDIT": {"window": (2011, 2023), "ncps": 5_142, "cents": 87_000_000_00},
    "PAY_IT_OFF": {"window": (2013, 2023), "ncps": 4_317, "cents": 19_000_000_00},
    "PSP": {"window": (2011, 2023), "served": 2_658, "graduates": 580},
    # Published only as "400-450"; 428 is our pick.
    "FAMILIES_FORWARD": {"window": (2018, 2022), "served": 428},
}
# Business rules of the contract (the generator keeps good rows inside them).
FF_WINDOW = tuple(D(d) for d in FAMILIES_FORWARD_ENROLLMENT_WINDOW)
ARREARS_CAP_FLOOR_CENTS = ARREARS_CAP_FLOOR_USD * 100
PARENT_SUCCESS_MAX_CENTS = PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD * 100

ACTIVE, GRADUATED, EXITED = 0, 1, 2
OUTCOME_NAMES = np.array(OUTCOMES, dtype=object)  # in the order of the codes above
CODE = {p.code: i for i, p in enumerate(PROGRAMS)}
CODES = np.array([p.code for p in PROGRAMS], dtype=object)
OFFICIAL = np.array([p.name for p in PROGRAMS], dtype=object)




def _day(year: np.ndarray | int) -> np.ndarray:
    """Jan 1 of each year as datetime64[D]."""
    return (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[D]")


def _window(program: str) -> tuple[np.datetime64, np.datetime64]:
    y0, y1 = PUBLISHED[program]["window"]
    return _day(y0), _day(y1 + 1) - 1


def _inw(d: np.ndarray, w: tuple[np.datetime64, np.datetime64]) -> np.ndarray:
    return (d >= w[0]) & (d <= w[1])  # NaT compares False


def metrics(data: dict[str, dict[str, np.ndarray]], program: str) -> dict[str, float]:
    """The published metrics computed straight from the typed arrays (a self-check)."""
    lo, hi = _window(program)
    e, a = data["enrollments"], data["arrears_reductions"]
    ep = e["prog"] == CODE[program]
    served = ep & (e["date"] <= hi) & ((e["outcome"] == ACTIVE) | (e["exited"] >= lo))
    grad = ep & (e["outcome"] == GRADUATED) & _inw(e["exited"], (lo, hi))
    ap = (a["prog"] == CODE[program]) & _inw(a["date"], (lo, hi))
    pids, net = np.unique(a["pid"][ap], return_inverse=True)
    net_sum = np.bincount(net, weights=a["cents"][ap], minlength=len(pids))
    return {
        "participants_served": len(np.unique(e["pid"][served])),
        "graduates": len(np.unique(e["pid"][grad])),
        "ncps_with_reductions": int((net_sum > 0).sum()),
        "arrears_reduced_usd": int(a["cents"][ap].sum()) / 100,
    }


def verify(data, scale: float) -> None:
    """Fail loudly if construction drifted from the published figures."""
    n = lambda x: int(round(x * scale))  # noqa: E731
    for program, spec in PUBLISHED.items():
        got = metrics(data, program)
        if "ncps" in spec:
            assert got["ncps_with_reductions"] == n(spec["ncps"]), (program, got)
            assert abs(got["arrears_reduced_usd"] * 100 - spec["cents"] * scale) < 50_000_00 * (
                max(scale, 1)), (program, got)
        else:
            assert got["participants_served"] == n(spec["served"]), (program, got)
            if "graduates" in spec:
                assert got["graduates"] == n(spec["graduates"]), (program, got)
