"""What a report pack says besides its numbers: its title, the Section each page is made from,
the definitions page and the suppression notes. Shared by the report's builder
(exports/report.py) and its renderers (report_pdf.py, report_pptx.py, report_impact.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from charts.derived import AVERAGE_REDUCTION_DEFINITION, GRADUATION_RATE_DEFINITION
from charts.export_context import ExportContext
from warehouse.metrics import METRICS

REPORT_TITLE = "Program outcomes report"
SUBTITLE = "NYC Office of Child Support Services: employment and debt-reduction programs"


@dataclass
class Section:
    chart_id: str
    title: str
    definition: str
    figure: object  # go.Figure, or None when the section has nothing to show
    table: pd.DataFrame  # strings; first column is the row label
    note: str = ""
    png: bytes = b""
    hidden: int = 0
    extra: dict = field(default_factory=dict)
    # When set, the section has nothing to show: its page says this sentence instead of a
    # figure and a table.
    message: str = ""

    @property
    def empty(self) -> bool:
        return bool(self.message) or self.figure is None or self.table.shape[1] == 0


def definitions() -> list[tuple[str, str]]:
    """(label, definition) of every catalogue metric and the derived ratios."""
    out = [(m.label, m.definition) for m in METRICS.values()]
    out.append(("Graduation rate", GRADUATION_RATE_DEFINITION))
    out.append(("Average reduction per NCP", AVERAGE_REDUCTION_DEFINITION))
    return out


def suppression_notes(ctx: ExportContext) -> list[str]:
    n = ctx.min_count
    if not ctx.suppressed:
        return ["Small-cell suppression was turned OFF for this report: small counts are "
                "shown as they are. It is for internal use only and must not be published."]
    return [
        f"Counts from 1 to {n - 1} are shown as \"<{n}\"; zero is shown as 0.",
        f"A dollar figure is suppressed when it rests on fewer than {n} parents (DSS arrears "
        "reduced rests on the NCPs with reductions), and so is an average or rate computed "
        "from a suppressed number.",
        "Complementary suppression: where the cells of a row or column are shown with their "
        "total (the years of a program and its window total, the programs of a year and their "
        "sum, the months of a year), a single suppressed cell could be worked out by "
        "subtraction, so the next-smallest cell is suppressed too.",
        f"Suppressed values are never drawn as bars or points: the charts mark them with a grey "
        f"square labelled \"<{n}\" (\"hidden\" where a larger value is hidden to protect a "
        f"small one); the tables show them as \"<{n}\".",
        "Different filter choices produce different tables; comparing exports made with "
        "different filters is not protected by this suppression.",
    ]
