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
from campaignlab.steps.response import views as report
from campaignlab.run import session

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
from campaignlab.steps.response import views as report
from campaignlab.steps.response import analysis as rr
from campaignlab.run import session

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
report.show_naive_vs_adjusted(result)
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
report.show_products(result)
"""),
    ("code", """
report.show_weekly(result, run)
"""),
    ("md", """
Per period and group: daily revenue per customer, customers whose first-ever order fell in the period, repurchase
rate (of those who bought in the period, the share who bought again in the following window of the same length)
and churn rate (of those active in the previous window, the share with no order in the period). Empty where the
data does not cover the period or the following window.
"""),
    ("code", """
report.show_periods(result)
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

RETENTION = [
    ("md", """
# 04 · Do responders stay?

A campaign is judged by whether customers keep buying after it. Customers are split into responders and
non-responders among those the campaign reached, and the comparison (or control) group from 03_response. Time runs
from the end of the campaign window; where the data ends before a window does, the figure is marked incomplete
instead of being computed on partial data.
"""),
    ("params", ""),
    ("code", """
from campaignlab.steps.response import views as report
from campaignlab.stats import retention
from campaignlab.steps import retention as rt
from campaignlab.run import session

run = session.open_run(params_path, run_dir)
result = rt.analyse_retention(run)
report.show_retention_notes(result)
"""),
    ("md", """
## Repurchase within 30, 60 and 90 days

Share of each group with an order within N days after the campaign, with Wilson 95% intervals.
"""),
    ("code", """
report.show_repurchase(result)
"""),
    ("md", """
## Time to next purchase

Kaplan-Meier curves of the share not yet back, with 95% bands; customers who have not bought again by the end of the
data are censored there. The log-rank test compares the groups.
"""),
    ("code", """
report.show_km(result)
"""),
    ("md", """
## Churn before and after

Share of each group with no order in the churn threshold (params: segmentation.lifecycle.churned_days) before the
campaign start and at the end of the post-period.
"""),
    ("code", """
report.show_churn(result)
"""),
    ("md", """
## Retention by segment
"""),
    ("code", """
report.show_retention_by_segment(result)
"""),
    ("md", """
## Cohorts

Share of each cohort still buying in each later month: by month of first purchase, and by campaign group from the
campaign start.
"""),
    ("code", """
report.show_cohorts(result)
"""),
    ("md", """
## Customer feedback

Net promoter score and mean score per group, where the data has a feedback table for this campaign.
"""),
    ("code", """
report.show_nps(result)
"""),
    ("code", """
section = rt.write_retention(run, result)
"""),
]

REVIEW = [
    ("md", """
# 05 · Campaign review

What happened, why, and what to do next. Every sentence and number below is generated from this run's results
(summary.json and the tables of the earlier notebooks); the method appendix says how each was produced.
"""),
    ("params", ""),
    ("code", """
from campaignlab.steps.response import views as report
from campaignlab.steps import review as rv
from campaignlab.run import session

run = session.open_run(params_path, run_dir)
summary = rv.load_summary(run)
report.review_header(summary)
"""),
    ("md", """
## Executive summary
"""),
    ("code", """
report.executive_summary(summary)
"""),
    ("md", """
## Recommendations for the next campaign

Segments to target, to suppress, or to test again, each with its reason in numbers, and the holdout the next
campaign needs to be measured cleanly.
"""),
    ("code", """
report.recommendations(summary)
"""),
    ("md", """
## Key charts
"""),
    ("code", """
report.review_charts(run, summary)
"""),
    ("md", """
## Method appendix
"""),
    ("code", """
report.method_appendix(summary)
"""),
    ("md", """
## Glossary
"""),
    ("code", """
report.glossary()
"""),
    ("code", """
exported = rv.export_tables(run, summary)
"""),
]

SEGMENT = [
    ("md", """
# 02 · Customer segments and lifetime value

Customers as they stood when the campaign started (the snapshot uses only orders before the campaign window), by
every layer analysts target on: RFM segment, value tier, lifecycle stage, response to earlier campaigns, customer
tags, and lifetime value. A second snapshot at the end of the post-period shows how the layers moved. Rule tables
and thresholds come from the `segmentation:` section of the params.
"""),
    ("params", ""),
    ("code", """
from campaignlab.plots import segments as plotting
from campaignlab.steps.response import views as report
from campaignlab.steps import segment as sr
from campaignlab.run import session

run = session.open_run(params_path, run_dir)
plotting.set_house_theme()
result = sr.analyse_segments(run)
report.show_segment_notes(result)
"""),
    ("md", """
## RFM: recency x frequency

Scores 1-5 by quintile over the look-back (5 = most recent, most frequent); each cell shows its customers and named
segment. Customers without an order in the look-back are `no_purchase`, outside the grid.
"""),
    ("code", """
report.show_rfm(result)
"""),
    ("md", """
## Segment sizes and revenue share
"""),
    ("code", """
report.show_profiles(result, "rfm_segment")
"""),
    ("code", """
report.show_profiles(result, "value_tier")
"""),
    ("md", """
## Lifecycle and response history
"""),
    ("code", """
report.show_lifecycle(result)
"""),
    ("md", """
## Customer tags

Every text attribute of the customers table is a dimension; a missing value is the explicit level `unknown`.
"""),
    ("code", """
report.show_tags(result)
"""),
    ("md", """
## Lifetime value

BG/NBD for repeat purchasing and Gamma-Gamma for order value, fitted on the history before the snapshot; expected
orders and value over the horizon in params, and the probability that a customer is still active.
"""),
    ("code", """
report.show_clv(result)
"""),
    ("md", """
## How the layers moved

Migration from the snapshot at the campaign start to the end of the post-period, for targeted and not-targeted
customers separately.
"""),
    ("code", """
report.show_migration(result, "lifecycle")
"""),
    ("code", """
report.show_migration(result, "rfm_segment")
"""),
    ("code", """
section = sr.write_segments(run, result)
"""),
]

PORTFOLIO = [
    ("md", """
# 06 · Campaign portfolio

Every published campaign report side by side: campaigns ranked by incremental revenue and ROI with their intervals,
campaign types compared, and the week's highlights. Numbers are read from each run's summary.json; a campaign whose
headline is not causal (failed balance) says so in its note.
"""),
    ("code", """
# The outputs folder with the campaign reports (empty: the project's outputs/)
outputs_dir = ""
""", ["parameters"]),
    ("code", """
from campaignlab.stats import portfolio
from campaignlab.steps import portfolio as pr
from campaignlab.steps.response import views as report

result = pr.analyse_portfolio(pr.resolve_outputs(outputs_dir))
report.portfolio_overview(result)
"""),
    ("md", """
## Ranking by incremental revenue
"""),
    ("code", """
report.portfolio_ranking(result)
"""),
    ("md", """
## Campaign types

Per type: campaigns, mean and median effect per customer, share with an interval excluding zero, and a pooled
fixed-effect (inverse-variance) estimate where at least two campaigns of the type have an interval.
"""),
    ("code", """
report.portfolio_types(result)
"""),
    ("md", """
## Highlights
"""),
    ("code", """
report.portfolio_highlights(result)
"""),
]

NOTEBOOKS = {"01_clean": CLEAN, "02_segment": SEGMENT, "03_response": RESPONSE, "04_retention": RETENTION, "05_review": REVIEW,
             "06_portfolio": PORTFOLIO}
