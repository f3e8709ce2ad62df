"""Figures to print-quality PNG, SVG and PDF with plotly + kaleido 1.x and the system Chromium.

One export engine (a kaleido sync server: one headless Chromium with plotly.js loaded) is kept
alive per process, so only the first image pays the start-up (about 4 s); later images take
0.3-0.5 s each. Nothing is downloaded: plotly.js comes from the installed plotly package,
MathJax is turned off, and Chromium is Debian's (`BROWSER_PATH`, default /usr/bin/chromium).

The engine is not re-entrant, so calls are serialized with a lock (the dashboard serves
requests on several threads).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

FORMATS = ("png", "svg", "pdf")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# Layout size in CSS pixels; PNGs are rendered at SCALE x that (2200 x 1240 px: ~290 dpi at a
# 7.5 in print width).
WIDTH, HEIGHT, SCALE = 1100, 620, 2
FONT = "Arial, Helvetica, sans-serif"

log = logging.getLogger(__name__)

_lock = threading.RLock()
_started = False
START_TRIES = 3
STOP_TIMEOUT = 60  # seconds to wait for the engine to stop (stop_engine)
# The smallest figure: rendering it proves the engine's page (plotly.js and kaleido's script)
# is loaded.
_PROBE = {"data": [], "layout": {"width": 10, "height": 10}}


class ExportEngineError(RuntimeError):
    """The image engine (Chromium via kaleido) could not start or render."""


def chromium_path() -> str | None:
    """The browser kaleido will use: $BROWSER_PATH, else the system chromium."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def start_engine() -> None:
    """Start the shared export engine if it is not running (idempotent, thread-safe)."""
    global _started
    with _lock:
        if _started:
            return
        browser = chromium_path()
        if browser is None:
            raise ExportEngineError(
                "No Chromium found for image export: install Debian's `chromium` or set "
                "BROWSER_PATH to a Chrome/Chromium binary."
            )
        os.environ.setdefault("BROWSER_PATH", browser)
        import kaleido

        # Kaleido can call into its page before the page has loaded (a race seen on a busy
        # machine: "ReferenceError: kaleido_scopes is not defined"); such an engine fails every
        # render, so a probe render checks the start, and a failed start is tried again.
        for attempt in range(1, START_TRIES + 1):
            # mathjax=False: never fetch MathJax from a CDN (our figures use no LaTeX).
            kaleido.start_sync_server(mathjax=False, n=1, timeout=90, silence_warnings=True)
            try:
                kaleido.calc_fig_sync(_PROBE, opts={"format": "png"})
                break
            except Exception as e:  # kaleido raises assorted errors from the browser
                _stop_server(STOP_TIMEOUT)
                if attempt == START_TRIES:
                    raise ExportEngineError(f"image engine did not start: {e}") from e
        _started = True


def use_for_notebook_charts() -> None:
    """Draw a notebook's static chart images (plotly's "png" renderer) on the shared engine:
    one Chromium for every chart, plotly.js from the installed package, no MathJax, nothing
    from a CDN. Without it plotly starts a fresh Chromium per chart with kaleido's defaults
    (MathJax from a CDN), which on a busy machine can fail in the race described above."""
    import warnings

    # plotly passes its (empty) kaleido options to every call; with a server they do not apply.
    warnings.filterwarnings("ignore", message="The kopts argument is ignored if using a server")
    start_engine()


def stop_engine(timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the shared engine (it restarts on the next export). Returns whether it stopped
    within `timeout` seconds.

    Kaleido's own stop waits for its server thread without a limit, and that thread never
    ends once the browser under it has hung or died (seen on a busy machine: a test run's
    teardown waited for ever, and so would the interpreter's exit, where kaleido stops the
    server again). So the stop runs in a thread of its own, and an engine that does not stop
    in time is given up: kaleido's server is marked stopped (its exit handler then has nothing
    to wait for) and the next export starts a new one."""
    global _started
    with _lock:
        if not _started:
            return True
        _started = False
        return _stop_server(timeout)


def _stop_server(timeout: float) -> bool:
    """Stop kaleido's sync server, waiting at most `timeout` seconds (see stop_engine)."""
    import kaleido

    stopper = threading.Thread(target=kaleido.stop_sync_server,
                               kwargs={"silence_warnings": True},
                               name="export-engine-stop", daemon=True)
    stopper.start()
    stopper.join(timeout)
    if not stopper.is_alive():
        return True
    _give_up_server()
    log.warning("image engine did not stop within %s s; given up", timeout)
    return False


def _give_up_server() -> None:
    """Mark kaleido's sync server stopped without waiting for its thread (see stop_engine)."""
    from kaleido._sync_server import GlobalKaleidoServer

    GlobalKaleidoServer()._initialized = False


def _opts(fmt: str, width: int | None, height: int | None, scale: float | None) -> dict:
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; one of {', '.join(FORMATS)}")
    return {
        "format": fmt,
        "width": int(width or WIDTH),
        "height": int(height or HEIGHT),
        # Vector formats are resolution-free; scale only matters for PNG.
        "scale": float(scale or (SCALE if fmt == "png" else 1)),
    }


def _as_dict(fig) -> dict:
    return fig.to_plotly_json() if isinstance(fig, go.Figure) else copy.deepcopy(dict(fig))


def figure_bytes(fig: go.Figure | dict, fmt: str = "png", *, width: int | None = None,
                 height: int | None = None, scale: float | None = None) -> bytes:
    """One figure as PNG, SVG or PDF bytes."""
    import kaleido

    opts = _opts(fmt, width, height, scale)
    spec = _as_dict(fig)
    with _lock:
        start_engine()
        try:
            return kaleido.calc_fig_sync(spec, opts=opts)
        except Exception as e:  # kaleido raises assorted errors from the browser
            raise ExportEngineError(f"image export failed: {e}") from e


def figures_bytes(figs: Sequence[go.Figure | dict], fmt: str = "png", *,
                  width: int | None = None, height: int | None = None,
                  scale: float | None = None) -> list[bytes]:
    """Several figures in one batch on the shared engine (same order as given)."""
    import kaleido

    if not figs:
        return []
    opts = _opts(fmt, width, height, scale)
    with _lock:
        start_engine()
        with tempfile.TemporaryDirectory(prefix="outcomes-img-") as tmp:
            paths = [Path(tmp) / f"fig{i:03d}.{fmt}" for i in range(len(figs))]
            specs = [{"fig": _as_dict(f), "path": str(p), "opts": opts}
                     for f, p in zip(figs, paths, strict=True)]
            try:
                errors = kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
            except Exception as e:
                raise ExportEngineError(f"image export failed: {e}") from e
            if errors:
                raise ExportEngineError(f"image export failed: {errors[0]}")
            return [p.read_bytes() for p in paths]


def print_ready(fig: go.Figure, *, title: str | None = None, footnote: str | None = None,
                width: int = WIDTH, height: int = HEIGHT) -> go.Figure:
    """A copy of `fig` styled for print: white background, readable fonts, an explicit size,
    an optional title (replacing the figure's) and a footnote line under the plot (filters,
    as-of date, data notice). The original figure is not changed."""
    out = go.Figure(fig)
    m = out.layout.margin
    extra_b = (36 + 16 * footnote.count("<br>")) if footnote else 0
    margin_b = max(m.b if m.b is not None else 56, 48) + extra_b
    out.update_layout(
        width=width,
        height=height,
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "size": 14},
        margin={"l": max(m.l if m.l is not None else 64, 64),
                "r": max(m.r if m.r is not None else 24, 30),
                "t": max(m.t if m.t is not None else 64, 90 if title else 40),
                "b": margin_b},
    )
    leg = out.layout.legend
    if leg.y is not None and leg.y >= 1 and leg.yanchor == "bottom":
        # A legend on top would sit on subplot titles: lift it clear of them.
        plot_h = height - out.layout.margin.t - margin_b
        out.update_layout(legend={"y": 1 + 34 / max(plot_h, 100)},
                          margin={"t": out.layout.margin.t + 34})
    if out.layout.title.x in (None, 0):
        out.update_layout(title={"x": 0.015})  # not flush with the image edge
    if title is not None:
        out.update_layout(title={"text": title, "x": 0.01, "xanchor": "left",
                                 "font": {"size": 20}})
    if footnote:
        out.add_annotation(
            text=footnote, xref="paper", yref="paper", x=0, y=0, yshift=-margin_b + 6,
            xanchor="left", yanchor="bottom", showarrow=False, align="left",
            font={"size": 11, "color": "#555"},
        )
    return out
