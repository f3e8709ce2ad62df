"""What the dashboard, the exports and the notebooks share: the chart registry, pure figure
builders, style, number formats, chart-level suppression. Imports warehouse and core only."""
