"""The demo's API: `generate` writes the contract files, `build_demo` loads them into a
warehouse (good files, then the quality sample, then targets set from the loaded actuals)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from etl.demo.calibration import verify
from etl.demo.generation import build_records
from etl.demo.rendering import _quality_tables, _tables, _write
from etl.demo.targets import write_targets
from etl.load import load_files

# --------------------------------------------------------------------------- public API


def generate(out_dir: Path, seed: int = 20240101, scale: float = 1.0,
             fmt: str = "csv") -> tuple[list[Path], list[Path]]:
    """Write demo contract files. Returns (good_files, bad_files)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    data = build_records(seed, scale)
    verify(data, scale)
    good = [_write(t, out_dir / f"{kind}.{fmt}", fmt) for kind, t in _tables(data, seed).items()]
    bad = [_write(t, out_dir / "quality" / f"{kind}_quality_sample.{fmt}", fmt)
           for kind, t in _quality_tables(data).items()]
    return good, bad


def build_demo(warehouse: Path, out_dir: Path | None = None, seed: int = 20240101,
               scale: float = 1.0, fmt: str = "csv") -> None:
    """generate(), then load the good files, then the quality sample in a second load."""
    meta = {"dataset": "synthetic_demo", "demo_seed": str(seed), "demo_scale": str(scale)}
    with tempfile.TemporaryDirectory(prefix="outcomes-demo-") as tmp:
        good, bad = generate(Path(out_dir) if out_dir is not None else Path(tmp), seed, scale,
                             fmt)
        load_files(good, Path(warehouse), meta=meta)
        load_files(bad, Path(warehouse), meta=meta)
        # Targets are set from the loaded actuals (etl/demo/targets.py): a third load.
        folder = Path(out_dir) if out_dir is not None else Path(tmp)
        targets = write_targets(Path(warehouse), folder / "targets.csv", seed)
        load_files([targets], Path(warehouse), meta=meta)
