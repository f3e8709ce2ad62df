"""Batch export of chart figures (and their numbers) to a folder: `outcomes figures`."""

from __future__ import annotations

from pathlib import Path

from charts.export_context import export_context
from charts.registry import HEADLINE_CHARTS, get_chart
from charts.safe import chart_title, metric_joint, safe_chart_data
from exports.chart_files import export_figure
from exports.images import figures_bytes
from exports.tables import to_csv_bytes
from warehouse.query import Filters, Warehouse


def write_figures(wh: Warehouse, filters: Filters | None, out_dir: Path, fmt: str = "png", *,
                  suppress: bool = True, min_count: int | None = None,
                  charts: list[str] | None = None) -> list[Path]:
    """Write `<chart>.<fmt>` and `<chart>.csv` for each chart (default: the headline ones),
    rendered in one batch on the shared image engine. Returns the paths written."""
    f = wh.resolve(filters or Filters())
    ids = list(charts or (*HEADLINE_CHARTS, "impact_event_study"))  # + support around entry
    for cid in ids:
        get_chart(cid)  # unknown ids fail before anything is written
    ctx = export_context(wh, f, suppressed=suppress, min_count=min_count)
    joint = metric_joint(wh, f)
    figs, tables = [], []
    for cid in ids:
        safe = safe_chart_data(cid, wh, f, suppress=ctx.suppressed, min_count=ctx.min_count,
                               joint=joint)
        figs.append(export_figure(cid, wh, f, ctx=ctx, safe=safe))
        tables.append(to_csv_bytes(safe.display, ctx, chart_title(cid, wh, f)))
    images = _render(figs, fmt)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for cid, img, csv in zip(ids, images, tables, strict=True):
        for path, data in ((out_dir / f"{cid}.{fmt}", img), (out_dir / f"{cid}.csv", csv)):
            path.write_bytes(data)
            written.append(path)
    return written


def _render(figs, fmt: str) -> list[bytes]:
    # Figures differ in height; batch those of one size together.
    out: list[bytes | None] = [None] * len(figs)
    by_size: dict[tuple[int, int], list[int]] = {}
    for i, fig in enumerate(figs):
        by_size.setdefault((int(fig.layout.width), int(fig.layout.height)), []).append(i)
    for (w, h), idx in by_size.items():
        for i, data in zip(idx, figures_bytes([figs[i] for i in idx], fmt, width=w, height=h),
                           strict=True):
            out[i] = data
    return [b for b in out if b is not None]
