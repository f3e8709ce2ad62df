"""The demo's records written as contract files, as agencies write them (a small share of
alternative spellings, US dates, styled money), and the quality sample: rows each refused or
warned about for one stated reason (docs/demo-data.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl.contract import BOROUGHS, KINDS
from etl.demo.calibration import ACTIVE, CODE, CODES, OFFICIAL, OUTCOME_NAMES, D
from etl.demo.generation import BOROUGH_VARIANTS, EMPLOYERS, SECTOR_MIX, _round_cents
from etl.demo.support_months import support_months_quality_rows, support_months_table

# --------------------------------------------------------------------------- formatting


def _ids(prefix: str, n: int, offset: int = 0, width: int = 7) -> pa.Array:
    num = pc.cast(pa.array(np.arange(offset + 1, offset + n + 1)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(num, width, "0"), "")


def _strs(x: np.ndarray) -> pa.Array:
    return pa.array(x, type=pa.string(), from_pandas=True)


def _date_strs(rng, d: np.ndarray, us_share: float = 0.02) -> pa.Array:
    """ISO dates; a small share written MM/DD/YYYY (also accepted by the contract)."""
    iso = pc.cast(pa.array(d), pa.string())  # much faster than strftime
    part = [pc.utf8_slice_codeunits(iso, i, j) for i, j in ((5, 7), (8, 10), (0, 4))]
    us = pc.binary_join_element_wise(*part, "/")
    return pc.if_else(pa.array(rng.random(len(d)) < us_share), us, iso)


def _money(cents: np.ndarray) -> pa.Array:
    neg = cents < 0
    c = np.abs(cents)
    dollars = pc.cast(pa.array(c // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(c % 100), pa.string()), 2, "0")
    body = pc.binary_join_element_wise(dollars, frac, ".")
    return pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", body, ""), body)


def _money_styled(rng, cents: np.ndarray, share: float = 0.03) -> pa.Array:
    """Plain decimals, with a share of positive amounts written like "$20,500.50"."""
    c = np.abs(cents)
    d = c // 100
    groups = [pc.cast(pa.array(x), pa.string()) for x in (d // 1_000_000, d // 1000 % 1000,
                                                           d % 1000)]
    pad = [pc.utf8_lpad(g, 3, "0") for g in groups]
    frac = pc.utf8_lpad(pc.cast(pa.array(c % 100), pa.string()), 2, "0")
    text = pc.if_else(
        pa.array(d >= 1_000_000),
        pc.binary_join_element_wise(groups[0], pad[1], pad[2], ","),
        pc.if_else(pa.array(d >= 1000), pc.binary_join_element_wise(groups[1], pad[2], ","),
                   groups[2]))
    styled = pc.binary_join_element_wise("$", pc.binary_join_element_wise(text, frac, "."), "")
    pick = pa.array((rng.random(len(cents)) < share) & (cents > 0))
    return pc.if_else(pick, styled, _money(cents))


def _program_strs(rng, code_idx: np.ndarray, share: float = 0.03) -> pa.Array:
    """Mostly contract codes; a share as the official name, upper-case name or hyphenated
    lower-case code ("Arrears Cap", "ARREARS CAP", "arrears-cap")."""
    variants = np.stack([
        CODES, OFFICIAL, np.array([s.upper() for s in OFFICIAL], dtype=object),
        np.array([s.lower().replace("_", "-") for s in CODES], dtype=object)])
    u = rng.random(len(code_idx))
    v = np.where(u < share, 1 + (u / share * 3).astype(int), 0)
    return _strs(variants[v, code_idx])


def _borough_strs(rng, b: np.ndarray, share: float = 0.04) -> pa.Array:
    """Canonical names; a share spelled as an accepted alias ("Kings", "Richmond", ...)."""
    names = np.stack([np.array(BOROUGHS + (None,), dtype=object),
                      np.array(BOROUGH_VARIANTS + (None,), dtype=object)])
    alt = (rng.random(len(b)) < share).astype(int)
    return _strs(names[alt, b])  # code -1 picks the trailing None


def _pid_strs(pid: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(
        "NCP-", pc.utf8_lpad(pc.cast(pa.array(pid), pa.string()), 7, "0"), "")


def _tables(data, seed: int) -> dict[str, pa.Table]:
    """Sort each kind by date, assign ids, and render the contract columns as strings."""
    rng = np.random.default_rng([seed, 1])
    out = {}
    data = dict(data)
    months = data.pop("support_months", None)  # keyed by (participant, month): no id, no program
    order = {k: np.lexsort((v["pid"], v["prog"], v["date"])) for k, v in data.items()}
    r = data["referrals"]
    ref_rank = np.empty(len(r["key"]), dtype=np.int64)
    ref_rank[r["key"][order["referrals"]]] = np.arange(len(r["key"]))
    ref_ids = _ids("R", len(ref_rank))
    for kind, cols in data.items():
        o = order[kind]
        c = {k: v[o] for k, v in cols.items()}
        spec = KINDS[kind]
        t = {spec.id_column: _ids(spec.id_column[0].upper(), len(o)),
             "participant_id": _pid_strs(c["pid"]), "program": _program_strs(rng, c["prog"]),
             spec.date_column: _date_strs(rng, c["date"])}
        if kind == "enrollments":
            t["exited_on"] = _date_strs(rng, c["exited"])
            t["outcome"] = _strs(OUTCOME_NAMES[c["outcome"]])
            t["borough"] = _borough_strs(rng, c["borough"])
            has = c["ref"] >= 0
            linked = pc.take(ref_ids, pa.array(ref_rank[np.where(has, c["ref"], 0)]))
            t["referral_id"] = pc.if_else(pa.array(has), linked, pa.scalar(None, pa.string()))
        elif kind == "referrals":
            t["source"] = _strs(c["source"])
            t["borough"] = _borough_strs(rng, c["borough"])
        elif kind == "arrears_reductions":
            t["amount"] = _money_styled(rng, c["cents"])
            t["dss_balance_before"] = _money(c["balance"])
        else:
            t["sector"] = _strs(c["sector"])
            t["hourly_wage"] = _money(_round_cents(c["wage"]))
            t["employer"] = _strs(c["employer"])
        out[kind] = pa.table({col: t[col] for col in spec.columns})
    if months is not None:
        out["support_months"] = support_months_table(months, _pid_strs, _money)
    return out


def _write(table: pa.Table, path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    else:
        pq.write_table(table, path)
    return path


# --------------------------------------------------------------------------- quality sample


def _quality_tables(data) -> dict[str, pa.Table]:
    """A fixed-size (~1,000 row) sample with ~1.5% deliberately bad rows and a few warning-only
    rows. Valid rows use only programs/periods outside the published figures, new ids (Q...)
    and new participants, so loading it cannot move the calibrated metrics."""
    rng = np.random.default_rng(7)
    npid = 9_000_001

    def pids(n):
        nonlocal npid
        npid += n
        return _pid_strs(np.arange(npid - n, npid)).to_numpy(zero_copy_only=False)

    def dates(n, lo="2024-01-01", hi="2025-12-31"):
        span = int((D(hi) - D(lo)).astype(int))
        return np.datetime_as_string(D(lo) + rng.integers(0, span, size=n), unit="D").astype(
            object)

    def ids(prefix, n):
        return _ids(prefix, n, width=6).to_numpy(zero_copy_only=False)

    progs = np.array(["STEP", "WORKFORCE1", "MEDIATION", "ORDER_MODIFICATION"], dtype=object)
    tables = {}

    # Enrollments: 240 valid + bad rows + one warning-only Families Forward row.
    n = 240
    en = dates(n, hi="2025-06-30")
    ex = (en.astype("datetime64[D]") + rng.integers(30, 180, size=n)).astype(str).astype(object)
    enr = {"enrollment_id": ids("QE", n), "participant_id": pids(n),
           "program": progs[rng.integers(0, 4, n)], "enrolled_on": en, "exited_on": ex,
           "outcome": np.where(rng.random(n) < 0.5, "graduated", "exited").astype(object),
           "borough": np.asarray(BOROUGHS, dtype=object)[rng.integers(0, 5, n)],
           "referral_id": np.full(n, None, dtype=object)}
    p = pids(6)
    bad = [
        ("QE000901", p[0], "STEP", "2021-13-45", None, "active", "Bronx"),  # impossible date
        ("QE000902", p[1], "Basket Weaving", "2024-02-01", None, "active", "Queens"),
        ("QE000903", p[2], "WORKFORCE1", "2024-05-01", "2024-03-01", "exited", "Brooklyn"),
        ("QE000904", p[3], "STEP", "2024-04-01", None, "active", "Bronx"),  # duplicate id ...
        ("QE000904", p[4], "STEP", "2024-06-01", None, "active", "Manhattan"),  # ... conflicts
        ("QE000905", None, "MEDIATION", "2024-07-01", "2024-09-01", "exited", "Queens"),
        # Warning only: outside the Families Forward enrollment window, and after the
        # 2018-2022 reporting window, so it cannot change participants_served.
        ("QE000906", p[5], "FAMILIES_FORWARD", "2023-06-15", "2023-12-01", "exited", "Bronx"),
    ]
    tables["enrollments"] = _append_rows(enr, bad)

    # Referrals: 240 valid (not psp_case_manager, so the PSP funnel is untouched) + bad rows.
    rp = np.array(["STEP", "WORKFORCE1", "MEDIATION", "ORDER_MODIFICATION"], dtype=object)
    ref = {"referral_id": ids("QR", n), "participant_id": pids(n),
           "program": rp[rng.integers(0, 4, n)], "referred_on": dates(n),
           "source": np.array(["family_court", "support_magistrate", "self"], dtype=object)[
               rng.integers(0, 3, n)],
           "borough": np.asarray(BOROUGHS, dtype=object)[rng.integers(0, 5, n)]}
    p = pids(5)
    bad = [
        ("QR000901", p[0], "MEDIATION", "2021-13-45", "self", "Bronx"),
        ("QR000902", p[1], "Basket Weaving", "2024-03-01", "self", "Queens"),
        ("QR000903", p[2], "STEP", "2024-04-01", "family_court", "Bronx"),
        ("QR000903", p[3], "WORKFORCE1", "2024-04-02", "self", "Brooklyn"),
        ("QR000904", p[4], "MEDIATION", "2024-05-01", "other", "Atlantis"),  # warning only
    ]
    tables["referrals"] = _append_rows(ref, bad)

    # Arrears: 240 valid Parent Success reductions (not a published program) + bad rows.
    amt = rng.integers(1_000, 9_000, size=n)
    arr = {"adjustment_id": ids("QA", n), "participant_id": pids(n),
           "program": np.full(n, "PARENT_SUCCESS", dtype=object), "applied_on": dates(n),
           "amount": (amt.astype(str) + ".00").astype(object),
           "dss_balance_before": ((amt + 2_000).astype(str) + ".00").astype(object)}
    p = pids(7)
    bad = [
        ("QA000901", p[0], "PARENT_SUCCESS", "2024-03-01", "0.00", "4000.00"),  # zero amount
        ("QA000902", p[1], "PARENT_SUCCESS", "2021-13-45", "1500.00", "4000.00"),
        ("QA000903", p[2], "Basket Weaving", "2024-03-01", "1500.00", "4000.00"),
        ("QA000904", p[3], "STEP", "2024-03-01", "1500.00", "4000.00"),  # not a debt program
        ("QA000905", p[4], "PARENT_SUCCESS", "2024-04-01", "2500.00", "9000.00"),
        ("QA000905", p[5], "PARENT_SUCCESS", "2024-04-01", "3500.00", "9000.00"),
        # Warning only: this participant's Parent Success total ($12,000) exceeds $10,000.
        ("QA000906", p[6], "PARENT_SUCCESS", "2024-05-01", "6000.00", "14000.00"),
        ("QA000907", p[6], "PARENT_SUCCESS", "2025-02-01", "6000.00", "8000.00"),
    ]
    tables["arrears_reductions"] = _append_rows(arr, bad)

    # Placements: 240 valid ones for good-file STEP/Workforce1 participants who were not
    # referred by PSP (funnel untouched), placed after they left the program.
    e = data["enrollments"]
    step_w1 = np.isin(e["prog"], [CODE["STEP"], CODE["WORKFORCE1"]])
    cand = np.flatnonzero(step_w1 & (e["outcome"] != ACTIVE)
                          & (e["exited"] < D("2025-06-01")) & (e["ref"] < 0))
    pick = cand[rng.choice(len(cand), size=min(n + 1, len(cand)), replace=False)]
    pick, warn = pick[:-1], pick[-1]
    k = len(pick)
    placed = e["exited"][pick] + rng.integers(30, 180, size=k)
    plc = {"placement_id": ids("QP", k),
           "participant_id": _pid_strs(e["pid"][pick]).to_numpy(zero_copy_only=False),
           "program": CODES[e["prog"][pick]], "placed_on": placed.astype(str).astype(object),
           "sector": np.array(list(SECTOR_MIX), dtype=object)[rng.integers(0, 10, k)],
           "hourly_wage": np.round(rng.uniform(16.5, 30, k), 2).astype(str).astype(object),
           "employer": EMPLOYERS[rng.integers(0, len(EMPLOYERS), k)]}
    p = pids(4)
    wp = f"NCP-{e['pid'][warn]:07d}"
    wdate = str(e["exited"][warn] + 30)
    bad = [
        ("QP000901", p[0], "ARREARS_CAP", "2024-03-01", "retail", "17.00", "Demo Co"),
        ("QP000902", p[1], "STEP", "2021-13-45", "retail", "17.00", "Demo Co"),
        ("QP000903", p[2], "WORKFORCE1", "2024-03-01", "retail", "17.00", "Demo Co"),
        ("QP000903", p[3], "WORKFORCE1", "2024-04-01", "security", "18.00", "Demo Group"),
        # Warning only: negative wage, for a participant who does have that enrollment.
        ("QP000904", wp, str(CODES[e["prog"][warn]]), wdate, "retail", "-17.00", "Demo Co"),
    ]
    tables["placements"] = _append_rows(plc, bad)

    # Support months: 24 valid months of two new parents + one bad row per rule.
    two = pids(2)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    sm = {"participant_id": np.repeat(two, 12), "month": np.array(months * 2, dtype=object),
          "current_support_due": np.full(24, "350.00", dtype=object),
          "current_support_paid": np.where(rng.random(24) < 0.5, "350.00", "0.00").astype(
              object),
          "arrears_paid": np.full(24, "0.00", dtype=object),
          "arrears_balance": np.full(24, "9000.00", dtype=object)}
    tables["support_months"] = _append_rows(sm, support_months_quality_rows(pids(5)))
    return tables


def _append_rows(cols: dict[str, np.ndarray], rows: list[tuple]) -> pa.Table:
    width = len(cols)  # trailing optional columns left out of a row are empty
    extra = list(zip(*(r + (None,) * (width - len(r)) for r in rows), strict=True))
    return pa.table({c: pa.array(list(v) + list(x), type=pa.string())
                     for (c, v), x in zip(cols.items(), extra, strict=True)})
