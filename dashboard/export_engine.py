"""The image engine (Chromium, through Kaleido: exports/images.py) warmed up in the background
when the app starts, so the first image download does not wait for it."""

from __future__ import annotations

import logging
import os
import threading

from exports.images import start_engine, stop_engine

log = logging.getLogger(__name__)

_WARM = {"started": False}
_WARM_LOCK = threading.Lock()


def warm_export_engine() -> bool:
    """Start the image engine (Chromium, ~4 s) in a background thread, once per process, so
    the first download does not wait for it. Off with OUTCOMES_EXPORT_WARMUP=0. Returns
    whether a thread was started now."""
    if os.environ.get("OUTCOMES_EXPORT_WARMUP", "1").strip().lower() in ("0", "false", "no"):
        return False
    with _WARM_LOCK:
        if _WARM["started"]:
            return False
        _WARM["started"] = True

    def start():
        try:
            start_engine()
        except Exception as e:  # no Chromium: exports will say so when asked
            log.warning("image export engine did not start: %s", e)

    thread = threading.Thread(target=start, name="export-engine-warmup", daemon=True)
    _WARM["thread"] = thread
    thread.start()
    return True


def stop_export_engine(timeout: float = 120) -> None:
    """Wait for a warm-up still under way, then stop the image engine (tests; shutdown)."""
    thread = _WARM.get("thread")
    if thread is not None:
        thread.join(timeout)
    stop_engine()
