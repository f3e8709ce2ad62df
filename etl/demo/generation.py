"""Synthetic demo data: contract files that reproduce the published OCSS program figures.

Every record is invented. Volumes, dates and amounts are drawn with numpy (no per-record Python
loops) from one seed, so the same seed gives byte-identical files. At scale 1 the headline
figures in PUBLISHED are hit exactly by construction; docs/demo-data.md explains every
assumption and which parts are made up.

How the exact counts are hit: each calibrated program draws more candidate participants than it
needs, classifies each candidate from its own rows (e.g. "in-window net reduction > 0"), then
keeps exactly the published number of counted candidates and a matching share of the rest.
Dollar totals are hit by scaling the free amounts by one factor (which cannot change the sign
of any participant's net) and putting the few cents of rounding residue on one clean row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etl.contract import BOROUGHS, PARTICIPANT_KINDS, REFERRAL_SOURCES
from etl.demo.calibration import (
    ACTIVE,
    ARREARS_CAP_FLOOR_CENTS,
    CODE,
    CODES,
    DATA_END,
    EXITED,
    FF_WINDOW,
    GRADUATED,
    NAT,
    PARENT_SUCCESS_MAX_CENTS,
    PUBLISHED,
    D,
    _day,
    _inw,
    _window,
)
from etl.demo.support_months import support_months

BOROUGH_WEIGHTS = (0.25, 0.30, 0.17, 0.20, 0.08)  # Bronx, Brooklyn, Manhattan, Queens, SI
# Accepted alternative spellings used on a small share of good rows (see contract aliases).
BOROUGH_VARIANTS = ("The Bronx", "Kings", "New York", "queens", "Richmond")
SOURCES = REFERRAL_SOURCES
# Walk-in / court referrals (psp_case_manager is reserved for the PSP onward-referral funnel).
GENERAL_SOURCE_P = (0.30, 0.25, 0.0, 0.20, 0.15, 0.10)
ONWARD_PROGRAMS = ("STEP", "WORKFORCE1", "TXT2WORK", "EMPLOYMENT_TRAINING", "JOBS_PLUS")
SECTOR_MIX = {  # invented mix for placements outside Families Forward
    "healthcare": 0.16, "construction": 0.10, "transportation": 0.12,
    "information_technology": 0.05, "security": 0.12, "food_service": 0.15, "retail": 0.14,
    "education": 0.04, "manufacturing": 0.05, "other": 0.07,
}
# Families Forward training tracks -> contract sector, hourly wage (mean, sd), fictional employer.
FF_TRACKS = (
    ("cable installation", "information_technology", 23.0, 3.0, "Demo Cable Installers LLC"),
    ("commercial driving", "transportation", 26.0, 4.0, "Demo Freight Lines"),
    ("construction", "construction", 25.0, 4.0, "Demo Builders Inc"),
    ("janitorial", "other", 18.5, 1.5, "Demo Facility Services"),
    ("IT / cybersecurity", "information_technology", 26.0, 5.0, "Demo Cyber Desk"),
    ("IT / cybersecurity", "security", 25.0, 4.0, "Demo Secure Systems"),
)
FF_TRACK_P = (0.20, 0.25, 0.25, 0.15, 0.08, 0.07)
EMPLOYERS = np.array(
    [f"Demo {w} {s}" for w in ("Harbor", "Borough", "Metro", "Five Points", "Riverside")
     for s in ("Services", "Group", "Partners", "Co")],
    dtype=object,
)
# Rough NYC minimum hourly wage by year (floor for drawn wages; approximate, invented before 2016).
MIN_WAGE = {y: 7.25 for y in range(2007, 2014)} | {
    2014: 8.00, 2015: 8.75, 2016: 9.00, 2017: 11.00, 2018: 13.00, 2019: 15.00, 2020: 15.00,
    2021: 15.00, 2022: 15.00, 2023: 15.00, 2024: 16.00, 2025: 16.50,
}

# --------------------------------------------------------------------------- helpers


def _dates(rng, n: int, weights: dict[int, float], lo=None, hi=None) -> np.ndarray:
    """n dates: a year drawn by weight, then a uniform day in it (clipped to [lo, hi])."""
    years = np.array(sorted(weights))
    w = np.array([weights[y] for y in years], dtype=float)
    y = rng.choice(years, size=n, p=w / w.sum())
    start, end = _day(y), _day(y + 1) - 1
    if lo is not None:
        start = np.maximum(start, D(lo))
    if hi is not None:
        end = np.minimum(end, D(hi))
    span = (end - start).astype(int) + 1
    return start + (rng.random(n) * span).astype(int)


def _days(rng, n: int, lo: int, hi: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, size=n).astype("timedelta64[D]")


def _choice(rng, n: int, options, p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def _lognormal(rng, n: int, mean: float | np.ndarray, sigma: float) -> np.ndarray:
    """Log-normal draws with the given arithmetic mean."""
    return rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, size=n)


def _select(rng, counted: np.ndarray, want: int | dict[int, int],
            classes: np.ndarray | None = None) -> np.ndarray | None:
    """Keep exactly `want[c]` counted candidates per class and a proportional share of the rest.

    Returns a boolean keep-mask, or None when there are too few counted candidates.
    """
    classes = np.zeros(len(counted), dtype=int) if classes is None else classes
    wants = {0: want} if np.isscalar(want) else want
    keep = np.zeros(len(counted), dtype=bool)
    order = rng.permutation(len(counted))
    have = 0
    for c, k in wants.items():
        idx = order[(counted & (classes == c))[order]]
        if len(idx) < k:
            return None
        keep[idx[:k]] = True
        have += len(idx)
    share = sum(wants.values()) / max(have, 1)
    keep |= ~counted & (rng.random(len(counted)) < share)
    return keep


def _round_cents(x: np.ndarray) -> np.ndarray:
    return np.rint(x * 100).astype(np.int64)


@dataclass
class _Ctx:
    """Accumulates internal (typed) rows per kind and hands out participant/referral keys."""

    seeds: np.random.SeedSequence
    scale: float
    next_pid: int = 1
    tables: dict[str, list[dict]] = field(
        default_factory=lambda: {k: [] for k in PARTICIPANT_KINDS})
    n_referrals: int = 0

    def rng(self) -> np.random.Generator:
        # One independent stream per block, in a fixed order: deterministic per seed.
        return np.random.default_rng(self.seeds.spawn(1)[0])

    def n(self, base: float) -> int:
        return int(round(base * self.scale))

    def pids(self, n: int) -> np.ndarray:
        out = np.arange(self.next_pid, self.next_pid + n, dtype=np.int64)
        self.next_pid += n
        return out

    def add(self, kind: str, program, **cols) -> None:
        n = len(next(iter(cols.values())))
        if n == 0:
            return
        codes = np.vectorize(CODE.get, otypes=[np.int8])(np.asarray(program, dtype=object))
        cols["prog"] = np.broadcast_to(codes, (n,)).copy()
        self.tables[kind].append(cols)

    def referrals(self, rng, pids, program, referred_on, source=None, borough=None):
        """Add referrals; returns their internal keys (row positions)."""
        n = len(pids)
        keys = np.arange(self.n_referrals, self.n_referrals + n)
        self.n_referrals += n
        if source is None:
            source = _choice(rng, n, SOURCES, GENERAL_SOURCE_P)
        if borough is None:
            borough = _boroughs(rng, n)
        self.add("referrals", program, key=keys, pid=pids, date=referred_on,
                 source=np.broadcast_to(np.asarray(source, dtype=object), (n,)).copy(),
                 borough=borough)
        return keys

    def enrollments(self, pids, program, enrolled, exited, outcome, borough, ref=None):
        n = len(pids)
        ref = np.full(n, -1, dtype=np.int64) if ref is None else ref
        self.add("enrollments", program, pid=pids, date=enrolled, exited=exited,
                 outcome=outcome, borough=borough, ref=ref)


def _boroughs(rng, n: int, missing: float = 0.04) -> np.ndarray:
    """Borough codes (index into BOROUGHS); -1 = not recorded (the column is optional)."""
    p = np.asarray(BOROUGH_WEIGHTS)
    b = rng.choice(len(BOROUGHS), size=n, p=p / p.sum()).astype(np.int8)
    b[rng.random(n) < missing] = -1
    return b


def _spans(rng, enrolled, dur: tuple[int, int], p_grad: float):
    """Exit date and outcome: active if the planned exit is after the data end, else graduated
    (full duration) or exited early."""
    n = len(enrolled)
    planned = enrolled + _days(rng, n, *dur)
    grad = rng.random(n) < p_grad
    early = enrolled + (rng.random(n) * (planned - enrolled).astype(int)).astype(int)
    exited = np.where(grad, planned, early)
    active = planned > DATA_END
    outcome = np.where(active, ACTIVE, np.where(grad, GRADUATED, EXITED))
    return np.where(active, NAT, exited), outcome


def _wages(rng, placed_on, mean_over_min: float = 0.25) -> np.ndarray:
    years = placed_on.astype("datetime64[Y]").astype(int) + 1970
    floor = np.vectorize(MIN_WAGE.get, otypes=[float])(np.unique(years))
    floor = floor[np.searchsorted(np.unique(years), years)]
    return floor * (1 + _lognormal(rng, len(placed_on), mean_over_min, 0.6))


def _placements(rng, ctx, program, pids, exited, outcome, p_grad=0.6, p_exit=0.1):
    """Placements after graduation (or after leaving early with a job)."""
    p = np.where(outcome == GRADUATED, p_grad, np.where(outcome == EXITED, p_exit, 0.0))
    placed_on = exited + _days(rng, len(pids), 7, 150)
    keep = (rng.random(len(pids)) < p) & (placed_on <= DATA_END)
    n = int(keep.sum())
    placed_on = placed_on[keep]
    ctx.add("placements", program, pid=pids[keep], date=placed_on,
            sector=_choice(rng, n, list(SECTOR_MIX), list(SECTOR_MIX.values())),
            wage=_wages(rng, placed_on), employer=EMPLOYERS[rng.integers(0, len(EMPLOYERS), n)])
    return keep


# --------------------------------------------------------------------------- debt reduction


def _arrears(ctx, program, pids, applied, cents, balance):
    ctx.add("arrears_reductions", program, pid=pids, date=applied, cents=cents, balance=balance)


def _fix_residual(cents: np.ndarray, clean: np.ndarray, residual: int, step: int = 1) -> None:
    """Put the rounding residue (a few cents) on the largest clean in-window amount."""
    i = np.flatnonzero(clean)[np.argmax(cents[clean])]
    cents[i] += residual // step * step


def _arrears_cap(ctx) -> tuple[np.ndarray, np.ndarray]:
    """Arrears Cap: one reduction (balance above $500) per NCP; some recertify later, some are
    reversed and re-applied, a few reversed outright."""
    rng, win, spec = ctx.rng(), _window("ARREARS_CAP"), PUBLISHED["ARREARS_CAP"]
    want, target = ctx.n(spec["ncps"]), int(round(spec["cents"] * ctx.scale))
    # Invented volume: a 2007-08 pilot, a launch backlog in 2009-10, then a steady ~900/year.
    weights = {2007: 0.2, 2008: 0.45, 2009: 1.5, 2010: 1.25} | {y: 1.0 for y in range(2011, 2026)}
    m = int(want * 1.45) + 50
    while True:
        d = _dates(rng, m, weights, lo="2007-07-01")
        a = _lognormal(rng, m, 20_800, 0.75)
        d2 = d + _days(rng, m, 730, 2190)  # recertified after new DSS arrears accrued
        has2 = (rng.random(m) < 0.10) & (d2 <= DATA_END)
        a2 = _lognormal(rng, m, 6_000, 0.7)
        e_orig, e_rev = d - _days(rng, m, 60, 120), d - _days(rng, m, 20, 40)
        err = (rng.random(m) < 0.04) & (e_orig >= D("2007-07-01"))  # reversed, then re-applied
        rev_on = d + _days(rng, m, 20, 90)
        rev = ~err & (rng.random(m) < 0.015) & (rev_on <= DATA_END)  # reversed for good
        # In-window coefficient of each participant's two free amounts (a, a2): the scale
        # factor applies to both, so the sign of the net cannot change when we rescale.
        ca = _inw(d, win) + err * (_inw(e_orig, win).astype(int) - _inw(e_rev, win)) - rev * _inw(
            rev_on, win)
        c2 = has2 & _inw(d2, win)
        net = ca * a + c2 * a2
        keep = _select(rng, net > 0, want)
        if keep is not None:
            break
        m = int(m * 1.3)
    d, a, d2, has2, a2, e_orig, e_rev, err, rev_on, rev, ca, c2 = (
        x[keep] for x in (d, a, d2, has2, a2, e_orig, e_rev, err, rev_on, rev, ca, c2))
    f = target / 100 / (ca * a + c2 * a2).sum()
    ac, a2c = _round_cents(a * f), _round_cents(a2 * f)
    clean = (ca == 1) & ~c2 & ~err & ~rev
    _fix_residual(ac, clean, target - int((ca * ac + c2 * a2c).sum()))
    pid = ctx.pids(len(d))
    floor = ARREARS_CAP_FLOOR_CENTS
    # A cap reduction takes the balance down to exactly $500; a reversal restores it.
    _arrears(ctx, "ARREARS_CAP", pid, d, ac, ac + floor)
    _arrears(ctx, "ARREARS_CAP", pid[has2], d2[has2], a2c[has2], a2c[has2] + floor)
    _arrears(ctx, "ARREARS_CAP", pid[err], e_orig[err], ac[err], ac[err] + floor)
    _arrears(ctx, "ARREARS_CAP", pid[err], e_rev[err], -ac[err], np.full(err.sum(), floor))
    _arrears(ctx, "ARREARS_CAP", pid[rev], rev_on[rev], -ac[rev], np.full(rev.sum(), floor))
    return pid, d


def _arrears_credit(ctx) -> tuple[np.ndarray, np.ndarray]:
    """Arrears Credit: $5,000 per full year paid (max 3), capped at the DSS arrears; many end
    with a write-down of the remaining DSS arrears (why the average exceeds $15,000)."""
    rng, win, spec = ctx.rng(), _window("ARREARS_CREDIT"), PUBLISHED["ARREARS_CREDIT"]
    want, target = ctx.n(spec["ncps"]), int(round(spec["cents"] * ctx.scale))
    weights = {2009: 0.15, 2010: 0.4} | {y: 1.0 for y in range(2011, 2026)}  # invented ramp
    m = int(want * 1.4) + 50
    while True:
        c1 = _dates(rng, m, weights)
        years = rng.choice([1, 2, 3], size=m, p=[0.06, 0.10, 0.84])
        capped = rng.random(m) < 0.08  # DSS arrears smaller than the earned credits
        partial = rng.integers(500, 5000, size=m) * 100
        when = np.stack([c1 + 365 * j + _days(rng, m, 0, 14) for j in range(3)], axis=1)
        earned = (np.arange(3) < years[:, None]) & (when <= DATA_END)
        last = np.arange(3) == (years - 1)[:, None]
        credit = np.where(capped[:, None] & last, partial[:, None], 5_000_00) * earned
        wd_on = when[:, 2] + _days(rng, m, 14, 120)
        wd = (years == 3) & ~capped & (rng.random(m) < 0.62) & (wd_on <= DATA_END)
        w = _lognormal(rng, m, 11_000, 0.8)
        fixed = (credit * _inw(when, win)).sum(axis=1)
        cw = wd & _inw(wd_on, win)
        keep = _select(rng, (fixed > 0) | cw, want)
        if keep is not None:
            break
        m = int(m * 1.3)
    c1, years, capped, when, earned, credit, wd_on, wd, w, fixed, cw = (
        x[keep] for x in (c1, years, capped, when, earned, credit, wd_on, wd, w, fixed, cw))
    f = (target - fixed.sum()) / 100 / (w * cw).sum()
    if not 0.3 < f < 3:
        raise RuntimeError(f"arrears credit calibration out of range (factor {f:.2f})")
    wc = _round_cents(w * f)
    _fix_residual(wc, cw, target - int(fixed.sum()) - int((wc * cw).sum()))
    # Remaining DSS arrears: what the write-down clears, or an invented balance left over.
    rest = np.where(wd, wc, np.where(capped, 0, _round_cents(_lognormal(rng, len(c1), 4e3, 1))))
    total = credit.sum(axis=1) + rest
    before = total[:, None] - np.cumsum(credit, axis=1) + credit
    pid = ctx.pids(len(c1))
    pids3 = np.broadcast_to(pid[:, None], when.shape)
    _arrears(ctx, "ARREARS_CREDIT", pids3[earned], when[earned], credit[earned], before[earned])
    _arrears(ctx, "ARREARS_CREDIT", pid[wd], wd_on[wd], wc[wd], wc[wd])
    return pid, c1


# Pay It Off drives: (start, relative volume, mean reduction). 2022-10, 2023-06 and 2024-03 are
# published drives with $4.6k-$5.6k averages; the earlier waves and their sizes are invented.
PIO_WAVES = (
    ("2012-10-01", 0.3, 3_600), ("2013-10-01", 0.9, 3_600), ("2014-10-01", 0.9, 3_700),
    ("2015-06-01", 0.9, 3_700), ("2016-10-01", 0.9, 3_800), ("2017-06-01", 0.9, 3_800),
    ("2018-10-01", 0.9, 3_900), ("2019-06-01", 0.9, 3_900), ("2021-10-01", 1.0, 4_200),
    ("2022-10-01", 1.6, 4_900), ("2023-06-01", 1.6, 5_200), ("2024-03-01", 1.8, 5_400),
    ("2025-06-01", 1.5, 5_300),
)


def _pay_it_off(ctx) -> tuple[np.ndarray, np.ndarray]:
    """Pay It Off: DSS debt falls by twice the payment (dollar-for-dollar match), in drives;
    a few payments bounce (reversal), some of those are paid again."""
    rng, win, spec = ctx.rng(), _window("PAY_IT_OFF"), PUBLISHED["PAY_IT_OFF"]
    want = ctx.n(spec["ncps"])
    target = int(round(spec["cents"] * ctx.scale / 200)) * 200  # sum of 2x whole-cent payments
    starts = np.array([D(s) for s, _, _ in PIO_WAVES])
    vol = np.array([v for _, v, _ in PIO_WAVES])
    mean = np.array([x for _, _, x in PIO_WAVES], dtype=float)
    nw = len(PIO_WAVES)
    m = int(want * 1.6) + 50
    while True:
        w1 = rng.choice(nw, size=m, p=vol / vol.sum())
        w2 = w1 + rng.integers(1, 4, size=m)  # a later drive, for repeat participants
        has2 = (rng.random(m) < 0.12) & (w2 < nw)
        w2 = np.minimum(w2, nw - 1)
        d = starts[w1] + _days(rng, m, 0, 56)
        d2 = starts[w2] + _days(rng, m, 0, 56)
        a, a2 = _lognormal(rng, m, mean[w1], 0.6), _lognormal(rng, m, mean[w2], 0.6)
        rev_on = d + _days(rng, m, 10, 45)
        rev = rng.random(m) < 0.04  # payment returned: the match is reversed too
        re_on = rev_on + _days(rng, m, 7, 30)
        re = rev & (rng.random(m) < 0.5)  # paid again
        ca = _inw(d, win) - rev * _inw(rev_on, win).astype(int) + re * _inw(re_on, win)
        c2 = has2 & _inw(d2, win)
        keep = _select(rng, ca * a + c2 * a2 > 0, want)
        if keep is not None:
            break
        m = int(m * 1.3)
    d, d2, has2, a, a2, rev_on, rev, re_on, re, ca, c2 = (
        x[keep] for x in (d, d2, has2, a, a2, rev_on, rev, re_on, re, ca, c2))
    f = target / 100 / (ca * a + c2 * a2).sum()
    # Reduction = 2 x payment, so amounts are even numbers of cents.
    ac, a2c = 2 * _round_cents(a * f / 2), 2 * _round_cents(a2 * f / 2)
    clean = (ca == 1) & ~c2 & ~rev
    _fix_residual(ac, clean, target - int((ca * ac + c2 * a2c).sum()), step=2)
    n = len(d)
    left = np.where(rng.random(n) < 0.3, 0, _round_cents(_lognormal(rng, n, 3e3, 1)))
    pid = ctx.pids(n)
    _arrears(ctx, "PAY_IT_OFF", pid, d, ac, ac + left)
    _arrears(ctx, "PAY_IT_OFF", pid[rev], rev_on[rev], -ac[rev], left[rev])
    _arrears(ctx, "PAY_IT_OFF", pid[re], re_on[re], ac[re], ac[re] + left[re])
    _arrears(ctx, "PAY_IT_OFF", pid[has2], d2[has2], a2c[has2], a2c[has2] + left[has2] // 2)
    return pid, d


def _parent_success(ctx) -> tuple[np.ndarray, np.ndarray]:
    """Parent Success: up to $10,000 after substance-use treatment; invented ~30 NCPs a year."""
    rng = ctx.rng()
    n = ctx.n(300)
    d = _dates(rng, n, {y: 1.0 for y in range(2016, 2026)})
    total = rng.integers(1_500, PARENT_SUCCESS_MAX_CENTS // 100 + 1, size=n) * 100  # contract cap
    split = rng.random(n) < 0.25  # paid in two tranches; the sum stays <= $10,000
    d_second = d + _days(rng, n, 60, 180)
    split &= d_second <= DATA_END
    first = np.where(split, total // 2, total)
    left = _round_cents(_lognormal(rng, n, 2e3, 1))
    pid = ctx.pids(n)
    _arrears(ctx, "PARENT_SUCCESS", pid, d, first, total + left)
    second = (total - first)[split]
    _arrears(ctx, "PARENT_SUCCESS", pid[split], d_second[split], second, second + left[split])
    return pid, d


def _arrears_side_programs(ctx, pid, anchor) -> None:
    """Many arrears NCPs also go through Order Modification or Mediation, whose enrollments
    and referrals carry the borough that arrears records lack."""
    rng = ctx.rng()
    n = len(pid)
    for program, share, dur, p_grad in (
        ("ORDER_MODIFICATION", 0.25, (60, 240), 0.7),
        ("MEDIATION", 0.08, (30, 150), 0.6),
    ):
        sel = rng.random(n) < share
        k = int(sel.sum())
        enrolled = np.clip(anchor[sel] + _days(rng, k, -365, 180), D("2007-03-01"), DATA_END)
        borough = _boroughs(rng, k)
        src = _choice(rng, k, SOURCES, (0.45, 0.35, 0, 0.1, 0.1, 0))
        ref = ctx.referrals(rng, pid[sel], program, enrolled - _days(rng, k, 5, 40), src,
                            borough)
        exited, outcome = _spans(rng, enrolled, dur, p_grad)
        ctx.enrollments(pid[sel], program, enrolled, exited, outcome, borough, ref)


# --------------------------------------------------------------------------- employment


def _psp_boroughs(rng, enrolled) -> np.ndarray:
    """Brooklyn from 2010; Manhattan and the Bronx from 2012 (invented date); Queens and Staten
    Island from 2021."""
    opened = np.array([D("2012-01-01"), D("2010-04-01"), D("2012-01-01"),
                       D("2021-01-01"), D("2021-01-01")])  # BOROUGHS order
    w = np.array([0.3, 0.35, 0.2, 0.1, 0.05]) * (enrolled[:, None] >= opened)
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(enrolled)) * cum[:, -1]
    return (u[:, None] > cum).sum(axis=1).astype(np.int8)


def _psp(ctx):
    rng, win, spec = ctx.rng(), _window("PSP"), PUBLISHED["PSP"]
    wants = {1: ctx.n(spec["graduates"]), 0: ctx.n(spec["served"]) - ctx.n(spec["graduates"])}
    # Invented capacity: Brooklyn pilot 2010, three boroughs from 2012, five from 2021.
    weights = {2010: 0.5, 2011: 0.9} | {y: 1.5 for y in range(2012, 2021)} | {
        y: 2.2 for y in range(2021, 2026)}
    m = int(sum(wants.values()) * 1.8) + 60
    while True:
        enrolled = _dates(rng, m, weights, lo="2010-04-01")
        exited, outcome = _spans(rng, enrolled, (150, 365), 0.26)
        # Some who left early come back for a second enrollment.
        again = enrolled + _days(rng, m, 200, 700)
        back = (outcome == EXITED) & (rng.random(m) < 0.08) & (again <= DATA_END)
        ex2, out2 = _spans(rng, again, (150, 365), 0.26)
        served = (enrolled <= win[1]) & ((outcome == ACTIVE) | (exited >= win[0]))
        served |= back & (again <= win[1]) & ((out2 == ACTIVE) | (ex2 >= win[0]))
        grad = (outcome == GRADUATED) & _inw(exited, win)
        grad |= back & (out2 == GRADUATED) & _inw(ex2, win)
        keep = _select(rng, served, wants, grad.astype(int))
        if keep is not None:
            break
        m = int(m * 1.3)
    enrolled, exited, outcome, again, back, ex2, out2 = (
        x[keep] for x in (enrolled, exited, outcome, again, back, ex2, out2))
    pid = ctx.pids(len(enrolled))
    pid_all = np.concatenate([pid, pid[back]])
    en_all = np.concatenate([enrolled, again[back]])
    ex_all = np.concatenate([exited, ex2[back]])
    out_all = np.concatenate([outcome, out2[back]])
    n = len(pid_all)
    borough = _psp_boroughs(rng, en_all)
    src = _choice(rng, n, SOURCES, (0.45, 0.25, 0, 0.15, 0.10, 0.05))
    ref = ctx.referrals(rng, pid_all, "PSP", en_all - _days(rng, n, 7, 60), src, borough)
    ctx.enrollments(pid_all, "PSP", en_all, ex_all, out_all, borough, ref)
    # Referred to PSP but never enrolled (invented 35% non-conversion).
    k = int(n * 0.35)
    lost_on = _dates(rng, k, weights, lo="2010-03-01")
    ctx.referrals(rng, ctx.pids(k), "PSP", lost_on, _choice(rng, k, SOURCES, GENERAL_SOURCE_P),
                  _psp_boroughs(rng, lost_on))
    _placements(rng, ctx, "PSP", pid_all, ex_all, out_all, p_grad=0.35, p_exit=0.05)
    _psp_onward(ctx, rng, pid_all, en_all, ex_all, out_all, borough)


def _psp_onward(ctx, rng, pid, enrolled, exited, outcome, borough) -> None:
    """PSP case managers refer graduates (and some others) on to employment programs: the
    referred -> enrolled -> graduated -> placed funnel."""
    n = len(pid)
    p = np.where(outcome == GRADUATED, 0.75, np.where(outcome == EXITED, 0.2, 0.1))
    base = np.where(outcome == ACTIVE, enrolled + _days(rng, n, 30, 120), exited)
    referred = base + _days(rng, n, 0, 45)
    sel = (rng.random(n) < p) & (referred <= DATA_END)
    pid, referred, borough = pid[sel], referred[sel], borough[sel]
    program = _choice(rng, len(pid), ONWARD_PROGRAMS, (0.3, 0.25, 0.15, 0.15, 0.15))
    for prog in ONWARD_PROGRAMS:
        s = program == prog
        k = int(s.sum())
        ref = ctx.referrals(rng, pid[s], prog, referred[s], "psp_case_manager", borough[s])
        enrolled = referred[s] + _days(rng, k, 3, 40)
        go = (rng.random(k) < 0.6) & (enrolled <= DATA_END)
        ex, out = _spans(rng, enrolled[go], (60, 270), 0.55)
        ctx.enrollments(pid[s][go], prog, enrolled[go], ex, out, borough[s][go], ref[go])
        _placements(rng, ctx, prog, pid[s][go], ex, out)


# Invented yearly volumes, first year and length for programs without published figures.
OTHER_EMPLOYMENT = (
    ("STEP", 220, 2012, (60, 240), 0.5),
    ("WORKFORCE1", 320, 2010, (30, 180), 0.45),
    ("TXT2WORK", 140, 2016, (30, 120), 0.4),
    ("EMPLOYMENT_TRAINING", 140, 2012, (90, 300), 0.5),
    ("JOBS_PLUS", 110, 2014, (90, 365), 0.4),
)
OTHER_SERVICES = (("ORDER_MODIFICATION", 200, 2008, (60, 240), 0.7),
                  ("MEDIATION", 90, 2010, (30, 150), 0.6))


def _standalone(ctx, program, per_year, first, dur, p_grad, employment) -> None:
    rng = ctx.rng()
    n = ctx.n(per_year * (2026 - first))
    enrolled = _dates(rng, n, {y: 1.0 for y in range(first, 2026)})
    pid = ctx.pids(n)
    borough = _boroughs(rng, n)
    referred = rng.random(n) < 0.8  # the rest walked in without a referral record
    ref = np.full(n, -1, dtype=np.int64)
    ref[referred] = ctx.referrals(rng, pid[referred], program,
                                  enrolled[referred] - _days(rng, int(referred.sum()), 3, 60),
                                  borough=borough[referred])
    exited, outcome = _spans(rng, enrolled, dur, p_grad)
    ctx.enrollments(pid, program, enrolled, exited, outcome, borough, ref)
    k = int(n * 0.3)  # referred, never enrolled
    ctx.referrals(rng, ctx.pids(k), program, _dates(rng, k, {y: 1.0 for y in range(first, 2026)}))
    if employment:
        _placements(rng, ctx, program, pid, exited, outcome)


def _families_forward(ctx) -> None:
    """Families Forward: enrollment 2018-01-01..2022-05-31, sector job training, placements."""
    rng = ctx.rng()
    n = ctx.n(PUBLISHED["FAMILIES_FORWARD"]["served"])
    # Enrollment by year, with an invented 2020 pandemic dip; every enrollment is inside the
    # program window, so every participant overlaps the 2018-2022 reporting window.
    enrolled = _dates(rng, n, {2018: 1.0, 2019: 1.1, 2020: 0.6, 2021: 1.0, 2022: 0.45},
                      hi=str(FF_WINDOW[1]))
    exited, outcome = _spans(rng, enrolled, (90, 200), 0.68)
    pid = ctx.pids(n)
    borough = _boroughs(rng, n, missing=0)
    src = _choice(rng, n, SOURCES, (0.25, 0.2, 0, 0.35, 0.15, 0.05))
    ref = ctx.referrals(rng, pid, "FAMILIES_FORWARD", enrolled - _days(rng, n, 7, 45), src,
                        borough)
    ctx.enrollments(pid, "FAMILIES_FORWARD", enrolled, exited, outcome, borough, ref)
    k = int(n * 0.3)
    ctx.referrals(rng, ctx.pids(k), "FAMILIES_FORWARD",
                  _dates(rng, k, {2018: 1, 2019: 1, 2020: 0.6, 2021: 1, 2022: 0.45},
                         hi=str(FF_WINDOW[1])))
    track = rng.choice(len(FF_TRACKS), size=n, p=FF_TRACK_P)
    p = np.where(outcome == GRADUATED, 0.72, np.where(outcome == EXITED, 0.15, 0.0))
    placed_on = exited + _days(rng, n, 7, 120)
    sel = rng.random(n) < p
    t = track[sel]
    mu = np.array([x[2] for x in FF_TRACKS])[t]
    sd = np.array([x[3] for x in FF_TRACKS])[t]
    wage = np.maximum(rng.normal(mu, sd), _wages(rng, placed_on[sel], 0.0001))
    ctx.add("placements", "FAMILIES_FORWARD", pid=pid[sel], date=placed_on[sel],
            sector=np.array([x[1] for x in FF_TRACKS], dtype=object)[t], wage=wage,
            employer=np.array([x[4] for x in FF_TRACKS], dtype=object)[t])


# --------------------------------------------------------------------------- assembly


def _concat(chunks: list[dict]) -> dict[str, np.ndarray]:
    return {c: np.concatenate([ch[c] for ch in chunks]) for c in chunks[0]}


def build_records(seed: int, scale: float) -> dict[str, dict[str, np.ndarray]]:
    """All good records as typed arrays (participant ints, program codes, dates, cents)."""
    ctx = _Ctx(np.random.SeedSequence(seed), scale)
    side = [_arrears_cap(ctx), _arrears_credit(ctx), _pay_it_off(ctx)]
    _parent_success(ctx)
    _arrears_side_programs(ctx, np.concatenate([s[0] for s in side]),
                           np.concatenate([s[1] for s in side]))
    _psp(ctx)
    _families_forward(ctx)
    for program, per_year, first, dur, p_grad in OTHER_EMPLOYMENT:
        _standalone(ctx, program, per_year, first, dur, p_grad, employment=True)
    for program, per_year, first, dur, p_grad in OTHER_SERVICES:
        _standalone(ctx, program, per_year, first, dur, p_grad, employment=False)
    data = {k: _concat(v) for k, v in ctx.tables.items() if v}
    # Last, from a stream of its own: the program records above stay as they were.
    data["support_months"] = support_months(ctx.rng(), data, CODES, DATA_END)
    return data
