"""Synthetic support months for the demo: what current support was due and paid, per month.

Every number here is invented (docs/demo-data.md, "Support months"). Built with numpy from the
demo's own enrollments and referrals, no per-record Python loops:

* Coverage: 40% of the parents with an enrollment or a referral have support months (the rest
  have no NYC order on file), at most MAX_PARENTS of them. Arrears-only parents get none: no
  enrollment, no cohort.
* Span: from 12-15 months before a parent's first program record to 12-15 months after their
  last one (clipped to 2007-01 .. the data end), with gaps: 6% of months missing at random and,
  for one parent in ten, a run of 3-9 missing months.
* Due: one monthly order per parent (log-normal, mean ~$380); 3% of months due $0 (suspended).
* Paid: each month the parent pays with a probability: their own propensity (Beta(0.9, 1.1),
  mean 0.45: many pay rarely or never), minus a dip of 5 points in the 6 months before any
  referral or enrollment (parents are often sent to a program after a bad spell; it recovers
  afterwards, whatever the program does), plus the program's SYNTHETIC_EFFECT from the month
  after each enrollment on. A payment is a share of the amount due (log-normal around 0.9, up
  to 1.6); what exceeds the amount due goes to arrears. A few months carry an extra arrears
  payment (tax intercepts).
* Arrears balance: an opening balance, plus what went unpaid, minus arrears payments (floor 0).

The effects are small and mixed, in line with CSPED's findings (small or no change in
compliance), and they are a setting of this generator, not a finding.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Change in the monthly probability of paying after entry (percentage points / 100): invented.
SYNTHETIC_EFFECT = {
    "PSP": 0.035,
    "STEP": 0.02,
    "JOBS_PLUS": 0.01,
    "WORKFORCE1": -0.01,
    "TXT2WORK": 0.0,
    "EMPLOYMENT_TRAINING": 0.015,
    "FAMILIES_FORWARD": 0.03,
    "MEDIATION": 0.005,
    "ORDER_MODIFICATION": 0.025,
}
COVERAGE = 0.4
# At large scales (benchmarks) the months stop growing here (about 5M rows), so that a scale-100
# build stays within memory; scale 1 has about 14,600 such parents.
MAX_PARENTS = 200_000
PRE_ENTRY_DIP, DIP_MONTHS = -0.05, 6
FIRST_MONTH = 2007 * 12  # 2007-01


def _month_index(d: np.ndarray) -> np.ndarray:
    """datetime64[D] -> year * 12 + month - 1."""
    return d.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def support_months(rng: np.random.Generator, data: dict, codes: np.ndarray,
                   data_end: np.datetime64) -> dict[str, np.ndarray]:
    """Typed support-month rows (pid, month index, cents) for the demo's parents."""
    e, r = data["enrollments"], data["referrals"]
    pid = np.concatenate([e["pid"], r["pid"]])
    month = _month_index(np.concatenate([e["date"], r["date"]]))
    parents, inv = np.unique(pid, return_inverse=True)
    first = np.full(len(parents), np.iinfo(np.int64).max)
    last = np.full(len(parents), np.iinfo(np.int64).min)
    np.minimum.at(first, inv, month)
    np.maximum.at(last, inv, month)
    covered = rng.random(len(parents)) < COVERAGE
    if covered.sum() > MAX_PARENTS:
        covered[np.flatnonzero(covered)[MAX_PARENTS:]] = False
    parents, first, last = parents[covered], first[covered], last[covered]
    n = len(parents)
    end_month = int(_month_index(np.array([data_end]))[0])
    lo = np.maximum(first - rng.integers(12, 16, n), FIRST_MONTH)
    hi = np.minimum(last + rng.integers(12, 16, n), end_month)
    length = hi - lo + 1
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    rows = int(length.sum())
    who = np.repeat(np.arange(n), length)
    m = lo[who] + np.arange(rows) - start[who]

    # The probability of paying, month by month: propensity + dips + program effects, added as
    # steps on a difference array (a step from row a to row b: +v at a, -v at b).
    step = np.zeros(rows + 1)

    def add_steps(event_pid, event_month, begin, end, value):
        i = np.searchsorted(parents, event_pid)
        ok = (i < n) & (parents[np.minimum(i, n - 1)] == event_pid)
        i, event_month, value = i[ok], event_month[ok], np.broadcast_to(value, ok.shape)[ok]
        a = np.clip(event_month + begin - lo[i], 0, length[i]) + start[i]
        b = (np.clip(event_month + end - lo[i], 0, length[i]) + start[i]) if end is not None \
            else start[i] + length[i]
        np.add.at(step, a, value)
        np.add.at(step, b, -value)

    add_steps(pid, month, -DIP_MONTHS, 0, PRE_ENTRY_DIP)
    effect = np.array([SYNTHETIC_EFFECT.get(c, 0.0) for c in codes])[e["prog"]]
    add_steps(e["pid"], _month_index(e["date"]), 1, None, effect)
    propensity = rng.beta(0.9, 1.1, n)
    p = np.clip(propensity[who] + np.cumsum(step)[:rows], 0.0, 1.0)

    order = np.round(rng.lognormal(np.log(380) - 0.125, 0.5, n))[who]
    due = np.where(rng.random(rows) < 0.03, 0, order * 100).astype(np.int64)
    pays = rng.random(rows) < p
    share = np.minimum(rng.lognormal(np.log(0.9), 0.3, rows), 1.6)
    total = np.where(pays & (due > 0), np.rint(due * share), 0).astype(np.int64)
    current = np.minimum(total, due)
    intercept = np.where(rng.random(rows) < 0.02,
                         np.rint(rng.lognormal(np.log(600), 0.6, rows) * 100), 0)
    arrears_paid = (total - current + intercept).astype(np.int64)

    opening = np.rint(rng.lognormal(np.log(15_000), 0.8, n) * 100).astype(np.int64)
    change = np.cumsum(due - current - arrears_paid)
    before_start = np.where(start > 0, change[start - 1], 0)
    balance = np.maximum(opening[who] + change - before_start[who], 0)

    # Gaps: months missing at random, and a missing run for one parent in ten.
    keep = rng.random(rows) >= 0.06
    gap = rng.random(n) < 0.10
    gap_from = lo + (rng.random(n) * length).astype(np.int64)
    gap_len = rng.integers(3, 10, n)
    keep &= ~(gap[who] & (m >= gap_from[who]) & (m < gap_from[who] + gap_len[who]))
    no_arrears_column = (rng.random(n) < 0.05)[who]  # a source that does not report it
    return {
        "pid": parents[who][keep], "month": m[keep], "due": due[keep],
        "paid": current[keep], "arrears_paid": np.where(no_arrears_column, -1,
                                                         arrears_paid)[keep],
        "balance": balance[keep],
    }


def support_months_table(cols: dict[str, np.ndarray], pid_strs, money) -> pa.Table:
    """The contract columns as strings: month as YYYY-MM, dollars with cents."""
    month = cols["month"]
    mm = pc.utf8_lpad(pc.cast(pa.array(month % 12 + 1), pa.string()), 2, "0")
    text = pc.binary_join_element_wise(pc.cast(pa.array(month // 12), pa.string()), mm, "-")
    has_arrears = cols["arrears_paid"] >= 0
    arrears = money(np.maximum(cols["arrears_paid"], 0))
    return pa.table({
        "participant_id": pid_strs(cols["pid"]),
        "month": text,
        "current_support_due": money(cols["due"]),
        "current_support_paid": money(cols["paid"]),
        "arrears_paid": pc.if_else(pa.array(has_arrears), arrears,
                                           pa.scalar(None, pa.string())),
        "arrears_balance": money(cols["balance"]),
    })


def support_months_quality_rows(pids) -> list[tuple]:
    """Bad rows for the quality sample (participant ids from `pids`, new parents): one of each
    rule, and two different rows for one (participant, month), which are both rejected."""
    return [
        (pids[0], "2024-13", "300.00", "300.00"),                 # unparseable month
        (pids[1], "2024-02", "-300.00", "0.00"),                  # negative due
        (pids[2], "2024-02", "300.00", "lots"),                   # malformed amount (paid)
        (pids[3], "2024-03", "300.00", "100.00"),                 # same key twice ...
        (pids[3], "2024-03-15", "300.00", "250.00"),              # ... different content
        (None, "2024-03", "300.00", "300.00"),                    # missing participant_id
        (pids[4], "2024-04", "300.00", "300.00", "-50.00"),       # warning: arrears_paid < 0
    ]
