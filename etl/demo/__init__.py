"""Synthetic demo data: contract files that reproduce the published OCSS program figures
(docs/demo-data.md). Every record is invented.

generation.py draws the records, calibrated to the published figures (calibration.py);
support_months.py draws the support months; rendering.py writes them as contract files, with
the quality sample; targets.py sets the demo's targets from the loaded actuals; build.py is the
API below.
"""

from etl.demo.build import build_demo, generate
from etl.demo.calibration import PUBLISHED, metrics

__all__ = ["PUBLISHED", "build_demo", "generate", "metrics"]
