"""A bounded queue for the heavy exports (report packs, chart images): at most
OUTCOMES_EXPORT_CONCURRENCY run at once in a worker process (default 1), at most
OUTCOMES_EXPORT_QUEUE more wait their turn (default 8); beyond that the export is refused at
once with a message, so exports never take every thread a worker has for pages.

Data files (CSV, XLSX) are cheap queries and do not queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from outcomes.settings import export_concurrency, export_queue

T = TypeVar("T")
WAIT_SECONDS = 300  # a queued export gives up after this long


class QueueFull(RuntimeError):
    pass


class ExportQueue:
    def __init__(self, concurrency: int | None = None, waiting: int | None = None):
        self.concurrency = concurrency or export_concurrency()
        self.max_waiting = export_queue() if waiting is None else waiting
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self.waiting = 0
        self.running = 0

    @contextmanager
    def slot(self):
        with self._lock:
            if self.waiting >= self.max_waiting and self.running >= self.concurrency:
                raise QueueFull("The export queue is full: other exports are being made. "
                                "Try again in a minute.")
            self.waiting += 1
        try:
            if not self._slots.acquire(timeout=WAIT_SECONDS):
                raise QueueFull("The export waited too long for its turn. Try again.")
        finally:
            with self._lock:
                self.waiting -= 1
        with self._lock:
            self.running += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()

    def run(self, job: Callable[[], T]) -> T:
        with self.slot():
            return job()


_QUEUE: ExportQueue | None = None
_QUEUE_LOCK = threading.Lock()


def export_queue_for_process() -> ExportQueue:
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = ExportQueue()
        return _QUEUE


def queued(job: Callable[[], T]) -> T:
    """Run `job` when this process has a free export slot (see the module doc)."""
    return export_queue_for_process().run(job)
