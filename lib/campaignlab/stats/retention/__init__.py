"""Retention after a campaign: time to the next purchase, repurchase and churn rates, cohorts, NPS.

Transaction-level work is written as Ibis expressions (DuckDB by default, or an ``ibis.memtable`` over pandas in
tests); every result comes back as a small pandas DataFrame (or a ``dict`` for single numbers). Nothing here reads or
writes files.

Two conventions hold throughout:

- Windows are half-open date ranges ``[start, end)`` and the data end on ``data_end`` (exclusive). A rate whose window
  reaches past ``data_end`` is *incomplete*: it is reported as NaN with ``complete = False`` and a note, never as the
  smaller number the partial window would give.
- A day count between an order and a date compares calendar dates: an order on the anchor day is 0 days after it.

References
----------
.. [1] Kaplan, E. L. & Meier, P. (1958). "Nonparametric estimation from incomplete observations."
       *JASA* 53(282), 457-481.
.. [2] Kalbfleisch, J. D. & Prentice, R. L. (2002). *The Statistical Analysis of Failure Time Data*, 2nd ed.,
       Wiley, section 1.4 (the log(-log) pointwise interval for a survival curve).
.. [3] Mantel, N. (1966). "Evaluation of survival data and two new rank order statistics arising in its
       consideration." *Cancer Chemotherapy Reports* 50(3), 163-170 (the log-rank test).
.. [4] Wilson, E. B. (1927). "Probable inference, the law of succession, and statistical inference."
       *JASA* 22(158), 209-212.
.. [5] Rocks, B. (2016). "Interval estimation for the 'net promoter score'." *The American Statistician* 70(4),
       365-372.
"""

from campaignlab.stats.retention._common import (  # noqa: F401
    _NAN,
    _Z95,
    CHURN_COLUMNS,
    KM_COLUMNS,
    NEXT_PURCHASE_COLUMNS,
    NPS_COLUMNS,
    REPURCHASE_COLUMNS,
)
from campaignlab.stats.retention.cohorts import (  # noqa: F401
    _month_start,
    compute_cohort_retention,
    compute_nps,
)
from campaignlab.stats.retention.purchases import (  # noqa: F401
    _as_date,
    _between,
    _check_next_purchase,
    _customer_groups,
    _group_order,
    _horizon,
    _repurchase_rows,
    _restrict,
    _scalar,
    _transactions,
    _ts,
    _wilson,
    compute_next_purchase,
    compute_next_purchase_table,
    compute_repurchase,
    compute_retention_by_segment,
)
from campaignlab.stats.retention.rates import (  # noqa: F401
    compute_churn_rates,
    compute_churn_table,
    compute_period_churn,
    compute_repurchase_rate,
)
from campaignlab.stats.retention.survival import (  # noqa: F401
    _loglog_ci,
    compute_km_curves,
    compute_logrank,
)

__all__ = [
    "KM_COLUMNS",
    "NEXT_PURCHASE_COLUMNS",
    "NPS_COLUMNS",
    "REPURCHASE_COLUMNS",
    "compute_churn_rates",
    "compute_churn_table",
    "compute_cohort_retention",
    "compute_km_curves",
    "compute_logrank",
    "compute_next_purchase",
    "compute_next_purchase_table",
    "compute_nps",
    "compute_period_churn",
    "compute_repurchase",
    "compute_repurchase_rate",
    "compute_retention_by_segment",
]
