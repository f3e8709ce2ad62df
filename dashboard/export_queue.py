"""A bounded queue for the heavy exports (report packs, chart images), so they never take the
threads that serve pages.

A click submits a job and returns at once with a ticket; the job runs on a thread of its own
in this worker process, OUTCOMES_EXPORT_CONCURRENCY at once (default 1), with at most
OUTCOMES_EXPORT_QUEUE more waiting (default 8; beyond that the page is told to try again). The
page polls its ticket once a second and shows "Queued: N ahead" / "Preparing…" until the file
is handed over. Tickets and finished files live in a private folder on disk (mode 0700), so the
poll may reach any gunicorn worker, not only the one running the job; a ticket is handed only
to the user who asked for it, once, and is removed then (or after an hour, if never fetched).

Jobs get their filters already narrowed to the user (dashboard.scope) by the request that
submitted them: nothing in a job reads the URL. Data files (CSV, XLSX) are cheap and do not
queue.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import export_concurrency, export_queue

STALE_SECONDS = 3600
_TICKET_CHARS = set("0123456789abcdef")


class QueueFull(RuntimeError):
    pass


def jobs_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"outcomes-exports-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _valid(ticket: str | None) -> bool:
    return bool(ticket) and len(ticket) == 32 and set(ticket) <= _TICKET_CHARS


class ExportQueue:
    """One per worker process (see `export_queue_for_process`)."""

    def __init__(self, concurrency: int | None = None, waiting: int | None = None,
                 folder: Path | None = None):
        self.concurrency = concurrency or export_concurrency()
        self.max_waiting = export_queue() if waiting is None else waiting
        self.folder = folder or jobs_dir()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._queued: list[str] = []  # tickets waiting, oldest first
        self.running = 0

    # -- submitting and running -------------------------------------------------------------
    def submit(self, job: Callable[[], dict], meta: dict) -> str:
        """Queue `job` (returns a dcc.Download payload: content, filename, type, base64) and
        return its ticket. `meta` (user, what, format, ...) is kept with the ticket."""
        self._sweep()
        ticket = secrets.token_hex(16)
        with self._lock:
            if len(self._queued) >= self.max_waiting and self.running >= self.concurrency:
                raise QueueFull("The export queue is full: other exports are being made. "
                                "Try again in a minute.")
            self._queued.append(ticket)
            self._state(ticket, meta, "queued")
            self._renumber()
        # A thread per job, waiting for a slot (never one of the server's request threads; a
        # fresh thread each time, so no job depends on a pool thread that might be gone).
        threading.Thread(target=self._run, args=(ticket, job, meta), daemon=True,
                         name="export-job").start()
        return ticket

    def _run(self, ticket: str, job: Callable[[], dict], meta: dict) -> None:
        self._slots.acquire()
        with self._lock:
            self._queued.remove(ticket)
            self.running += 1
            self._state(ticket, meta, "running")
            self._renumber()
        try:
            payload = job()
            (self.folder / f"{ticket}.json.payload").write_text(json.dumps(payload))
            self._state(ticket, meta, "done")
        except Exception as e:  # the engine may fail: the page says so
            self._state(ticket, meta, "failed", error=str(e) or type(e).__name__)
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()

    def _state(self, ticket: str, meta: dict, state: str, **extra) -> None:
        ahead = self._queued.index(ticket) if ticket in self._queued else 0
        _write_json(self.folder / f"{ticket}.json",
                    {**meta, "state": state, "ahead": ahead + (self.running if state ==
                                                              "queued" else 0), **extra})

    def _renumber(self) -> None:
        for t in self._queued:
            path = self.folder / f"{t}.json"
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            self._state(t, {k: v for k, v in data.items() if k not in ("state", "ahead")},
                        "queued")

    def _sweep(self) -> None:
        cutoff = time.time() - STALE_SECONDS
        for path in self.folder.glob("*.json*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                pass

    def run(self, job: Callable[[], dict], meta: dict | None = None, timeout: float = 600):
        """Submit and wait (for callers without a page to poll: tests, scripts)."""
        ticket = self.submit(job, meta or {})
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = poll(ticket, (meta or {}).get("user"), self.folder)
            if status["state"] == "done":
                return status["payload"]
            if status["state"] in ("failed", "unknown"):
                raise RuntimeError(status.get("error") or "export failed")
            time.sleep(0.05)
        raise TimeoutError("export did not finish")


def poll(ticket: str | None, user: str | None, folder: Path | None = None) -> dict:
    """The ticket's state: queued (with `ahead`), running, done (with `payload`, handed over
    once: the files go), failed (with `error`), or unknown (no such ticket for this user)."""
    folder = folder or jobs_dir()
    if not _valid(ticket):
        return {"state": "unknown"}
    path = folder / f"{ticket}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"state": "unknown"}
    if data.get("user") != user:
        return {"state": "unknown"}
    if data["state"] == "done":
        payload_path = folder / f"{ticket}.json.payload"
        try:
            data["payload"] = json.loads(payload_path.read_text())
        except (OSError, ValueError):
            return {"state": "unknown"}
        payload_path.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
    elif data["state"] == "failed":
        path.unlink(missing_ok=True)
    return data


def status_text(state: dict, noun: str) -> str:
    """What the page says while a ticket waits or runs."""
    if state["state"] == "queued":
        ahead = state.get("ahead", 0)
        return (f"Queued: {ahead} export{'s' if ahead != 1 else ''} ahead of this {noun}…"
                if ahead else f"Queued: the {noun} is next…")
    if state["state"] == "running":
        return f"Preparing the {noun}…"
    return ""


_QUEUE: ExportQueue | None = None
_QUEUE_PID: int | None = None
_QUEUE_LOCK = threading.Lock()


def export_queue_for_process() -> ExportQueue:
    """This process's queue (a forked worker makes its own)."""
    global _QUEUE, _QUEUE_PID
    with _QUEUE_LOCK:
        if _QUEUE is None or _QUEUE_PID != os.getpid():
            _QUEUE, _QUEUE_PID = ExportQueue(), os.getpid()
        return _QUEUE
