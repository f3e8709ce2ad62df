"""Readers and loads at once (warehouse/query.py `Warehouse`, etl/load.py `_swap_in`): a query
that started on one version of the warehouse file finishes on that version after a load swaps
in the next one, and its connection closes when its last query ends, not before; threads that
ask for a new version at the same moment share one connection to it. Events and barriers put
the threads in the order each test needs (no sleeps, no timing); the speed of queries during a
load is bench/during_load.py.

Each test fails when the code it guards is broken: `_acquire` closing a connection still in
use, `_release` never closing a retired one, `_acquire` or `_release` without the lock, a swap
that writes into the warehouse file in place instead of renaming a finished copy over it."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import duckdb

from etl.load import load_files
from warehouse import query
from warehouse.query import Filters, Warehouse

REFERRALS = "referral_id,participant_id,program,referred_on,source,borough\n"
N_THREADS = 4
N_SWAPS = 3
WAIT_S = 30  # a bound on waits that should end at once, so a broken lock fails, not hangs


def _one_referral(folder: Path, n: int) -> Path:
    path = folder / f"referrals_{n}.csv"
    path.write_text(REFERRALS + f"RC{n},NCP-C{n},STEP,2020-01-0{n},self,Bronx\n")
    return path


def _is_closed(con: query._Connection) -> bool:
    try:
        con.con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False


def _record_opens(monkeypatch) -> list:
    """Every connection a Warehouse opens from now on, in order."""
    seen: list[query._Connection] = []
    real = query._Connection.open.__func__

    def open_and_record(cls, path, version):
        con = real(cls, path, version)
        seen.append(con)
        return con

    monkeypatch.setattr(query._Connection, "open", classmethod(open_and_record))
    return seen


def _referred(wh: Warehouse) -> int:
    """Referrals counted by one query (the years given: no query for the data's years first)."""
    return int(wh.query("referral_funnel", Filters(2000, 2030))["referred"].sum())


def test_a_query_on_the_old_version_finishes_after_a_load_swaps_in_a_new_one(
        small_warehouse, fresh_copy, tmp_path, monkeypatch):
    path = fresh_copy(small_warehouse)
    before = _referred(Warehouse(path))
    wh = Warehouse(path)
    opened = _record_opens(monkeypatch)

    # The slow reader: its query opens the connection to the first version (which reads only
    # the file's catalog), then waits inside it, before its SQL reads any table, until the test
    # lets it go; so its tables are read from the old file after the swap.
    inside, go_on = threading.Event(), threading.Event()
    slow = {}
    real_cursor = query._Connection.cursor

    def cursor(con):
        if threading.current_thread().name == "slow-reader":
            inside.set()
            assert go_on.wait(WAIT_S)
        return real_cursor(con)

    monkeypatch.setattr(query._Connection, "cursor", cursor)

    def read_slowly():
        try:
            slow["referred"] = _referred(wh)
        except Exception as e:  # reported by the assertions below
            slow["error"] = repr(e)

    reader = threading.Thread(target=read_slowly, name="slow-reader")
    reader.start()
    assert inside.wait(WAIT_S)
    assert len(opened) == 1 and opened[0].users == 1
    first = opened[0]

    # The load writes its copy only: the file a reader opens is the old one, whole, until the
    # swap; a reader that opened it before the swap keeps reading those bytes after it.
    old_bytes = path.read_bytes()
    during = []
    with open(path, "rb") as opened_before:
        load_files([_one_referral(tmp_path, 1)], path,  # swaps in a new file
                   progress=lambda _: during.append(path.read_bytes() == old_bytes))
        assert during and all(during)
        assert opened_before.read() == old_bytes
    assert path.read_bytes() != old_bytes
    # A new query reads the new version on a new connection; the old one is retired, not closed.
    assert _referred(wh) == before + 1
    assert len(opened) == 2 and wh._con is opened[1]
    assert first.retired and not _is_closed(first)

    go_on.set()
    reader.join(WAIT_S)
    assert not reader.is_alive()
    # The slow query answered from the version it started on (the old file, unchanged under its
    # open connection); its connection then closed.
    assert slow == {"referred": before}
    assert first.users == 0 and _is_closed(first)
    assert opened[1].users == 0 and not opened[1].retired and not _is_closed(opened[1])


def _swap_in_a_copy(path: Path) -> None:
    """A new version of the file, put in place as a load puts its copy: by rename."""
    copy = path.with_name(path.name + ".next")
    shutil.copyfile(path, copy)
    st = path.stat()  # a later time than the file's: a version of its own, however fast the clock
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    os.replace(copy, path)


class _UsersYielding:
    """`_Connection.users` that lets other threads run between reading and writing it, as a
    busier process would now and then: a change of it outside the Warehouse's lock then loses
    updates in this test instead of once a month in production."""

    def __get__(self, con, owner=None):
        if con is None:
            return self
        time.sleep(0)  # a thread switch here, between the read and the write
        return con.__dict__["_users"]

    def __set__(self, con, value):
        time.sleep(0)
        con.__dict__["_users"] = value


def test_threads_asking_for_a_new_version_at_once_share_one_connection(
        small_warehouse, fresh_copy, monkeypatch):
    path = fresh_copy(small_warehouse)
    wh = Warehouse(path)
    opened = _record_opens(monkeypatch)
    monkeypatch.setattr(query._Connection, "users", _UsersYielding(), raising=False)
    monkeypatch.setattr(query, "CACHE_SIZE", 0)  # every query takes and returns a connection
    expected = len(wh.plain("loads"))
    start = threading.Barrier(N_THREADS + 1, timeout=WAIT_S)
    answers: list = []

    def read_each_version():
        for _ in range(N_SWAPS):
            start.wait()  # the main thread has swapped a new file in
            try:  # every thread asks for a connection at once
                answers.append(len(wh.plain("loads")))
            except Exception as e:  # reported by the assertions below
                answers.append(repr(e))
            start.wait()  # all have answered: the next swap may come

    threads = [threading.Thread(target=read_each_version) for _ in range(N_THREADS)]
    for t in threads:
        t.start()
    for _ in range(N_SWAPS):
        _swap_in_a_copy(path)
        start.wait()
        start.wait()
    for t in threads:
        t.join(WAIT_S)
    assert not any(t.is_alive() for t in threads)

    assert answers == [expected] * (N_THREADS * N_SWAPS)
    # One connection per version of the file, whatever number of threads asked at once: the
    # first version's (the query above) and one per swap.
    versions = [con.version for con in opened]
    assert len(versions) == len(set(versions)) == 1 + N_SWAPS
    # Every connection but the newest was retired and closed when its last query ended.
    *old, newest = opened
    assert all(con.retired and con.users == 0 and _is_closed(con) for con in old)
    assert wh._con is newest and newest.users == 0 and not newest.retired
