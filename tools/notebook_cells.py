"""Cells of every notebook template, in order: ("md", text), ("params", ""), or ("code", source)."""

CLEAN = [
    ("md", """
# 01 · Clean the data

This notebook reads the campaign's data through the canonical data model (docs/data-model.md), applies the
documented cleaning rules and shows what each rule removed. Cleaning does not depend on the campaign, so it runs once
per data fingerprint and is cached for every campaign; removed rows are kept, with the rule that removed them, beside
the cleaned tables. It also fixes the campaign's analysis windows (pre-period, campaign window, post-period).
"""),
    ("params", ""),
    ("code", """
from campaignlab import report, session

run = session.open_run(params_path, run_dir)
report.show_params(run)
"""),
    ("md", """
## Data quality

Rows in, rows removed by each rule and rows out, per table. `removed_*` columns are rows set aside (see
`rejected_<table>.parquet` in the cache folder); `kept_*` columns are rows kept but worth knowing about.
"""),
    ("code", """
clean = run.prepare_data()
quality = report.quality_table(clean)
quality
"""),
    ("md", """
## Analysis windows

Windows are half-open date ranges `[start, end)`. Where a window reaches outside the data it is clipped; analyses that
need the missing part say so instead of producing a number.
"""),
    ("code", """
summary = run.start_summary(clean, quality)
report.show_windows(run)
"""),
    ("md", """
## Who else was targeted at the same time

Customers often receive several campaigns at once. The table counts this campaign's assigned customers who were also
assigned to another campaign whose window overlaps this campaign's pre, campaign or post window.
"""),
    ("code", """
report.concurrent_campaigns(run)
"""),
]

NOTEBOOKS = {"01_clean": CLEAN}
