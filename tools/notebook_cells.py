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

RESPONSE = [
    ("md", """
# 03 · Campaign response and incremental lift

Who responded, and what did the campaign *cause*? With a randomized holdout arm, treatment arms are compared with it
directly. Without one (every bundled Complete Journey campaign), the targeted customers are compared with eligible
customers the campaign did not reach, after adjusting for how the campaign chose its targets. Every effect comes with
a 95% confidence interval and the name of the method that produced it.
"""),
    ("params", ""),
    ("code", """
from campaignlab import report, response_plots as rp, response_report as rr, session

run = session.open_run(params_path, run_dir)
table = rr.build_customer_table(run)
result = rr.analyse_response(run, table, rr.read_segments(run))
report.show_design(result)
"""),
    ("md", """
## Metrics per arm

Response = the campaign's response event (see params); conversion = at least one order in the campaign window.
Where the comparison group got nothing to respond to, its response rate is zero by construction: response is
descriptive, and the causal claims are conversion and revenue per customer.
"""),
    ("code", """
report.arm_table(result)
"""),
    ("md", """
## Naive comparison versus adjusted estimates

The naive row compares everyone targeted with everyone else. The adjusted rows estimate what the targeted customers
would have spent without the campaign. The sentence under the chart says why they differ.
"""),
    ("code", """
rp.plot_estimates(rr.naive_vs_adjusted(result), title="Revenue per customer in the campaign window");
report.say(rr.explain_naive_gap(result))
"""),
    ("code", """
report.effects_table(result)
"""),
    ("md", """
## Can the comparison be trusted?

Matched design: standardized mean differences of every covariate before and after weighting (balanced below the
threshold), and the overlap of propensity scores. Holdout design: the sample-ratio check of the split.
"""),
    ("code", """
report.show_trust(result)
"""),
    ("md", """
## Segments

Lift per segment of each dimension from 02_segment, with Benjamini-Hochberg q-values (one family per arm and metric
across all segments). Small segments are flagged and not estimated.
"""),
    ("code", """
report.segment_effects(result)
"""),
    ("code", """
report.plot_segment_lifts(result)
"""),
    ("md", """
## Who responds, who buys

Among the campaign's customers, per segment: who responded and bought, responded without buying, bought without
responding, or neither.
"""),
    ("code", """
report.response_crosstabs(result)
"""),
    ("md", """
## Funnel, products and timing

The funnel follows the event order in params. Promoted products are the campaign's own products; the rest of the
basket shows substitution or halo. The weekly series runs from the pre-period through the post-period.
"""),
    ("code", """
report.show_funnel(result)
"""),
    ("code", """
result.products
"""),
    ("code", """
rp.plot_weekly(result.weekly, run.windows);
"""),
    ("md", """
## Return on investment

Incremental revenue is the per-customer headline effect times the customers targeted; margin and costs follow the
economics in params. The interval of the ROI comes from the interval of the incremental revenue (costs are known).
"""),
    ("code", """
report.show_roi(result)
"""),
    ("md", """
## Planning the next campaign

The smallest effect the next campaign could detect with the same group sizes and spread, and the holdout it needs to
detect the effect seen here with the power set in params.
"""),
    ("code", """
report.show_planning(result)
"""),
    ("code", """
section = rr.write_response(run, result)
"""),
]

NOTEBOOKS = {"01_clean": CLEAN, "03_response": RESPONSE}
