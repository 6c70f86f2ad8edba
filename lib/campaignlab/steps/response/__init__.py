"""Notebook 03_response: response, conversion, incremental lift, trust checks, segments, funnel, ROI, planning.

``analysis`` computes and writes; ``views`` shows. Both are re-exported here, so a notebook reads
``response.analyse(run, table, segments)`` then ``response.show_roi(result)``.
"""

from campaignlab.steps.response.analysis import (
    OUTCOMES_FILE,
    SEGMENTS_FILE,
    ResponseResult,
    analyse,
    attribute_columns,
    build_customer_table,
    campaign_costs,
    compute_period_table,
    read_segments,
    segment_dimensions,
    write,
)
from campaignlab.steps.response.views import (
    arm_table,
    effects_table,
    explain_naive_gap,
    naive_vs_adjusted,
    plot_segment_lifts,
    response_crosstabs,
    segment_effects,
    show_design,
    show_funnel,
    show_naive_vs_adjusted,
    show_periods,
    show_planning,
    show_products,
    show_roi,
    show_trust,
    show_weekly,
)

__all__ = [
    "OUTCOMES_FILE",
    "ResponseResult",
    "SEGMENTS_FILE",
    "analyse",
    "arm_table",
    "attribute_columns",
    "build_customer_table",
    "campaign_costs",
    "compute_period_table",
    "effects_table",
    "explain_naive_gap",
    "naive_vs_adjusted",
    "plot_segment_lifts",
    "read_segments",
    "response_crosstabs",
    "segment_dimensions",
    "segment_effects",
    "show_design",
    "show_funnel",
    "show_naive_vs_adjusted",
    "show_periods",
    "show_planning",
    "show_products",
    "show_roi",
    "show_trust",
    "show_weekly",
    "write",
]
