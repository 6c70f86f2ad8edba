"""Constants shared by the submodules: part of :mod:`campaignlab.stats.retention`."""

from __future__ import annotations

from scipy import stats

NEXT_PURCHASE_COLUMNS = ("customer_id", "group", "first_order_ts", "observed", "duration")

REPURCHASE_COLUMNS = (
    "group", "window_days", "customers", "repurchased", "rate", "ci_low", "ci_high", "complete", "note",
)

KM_COLUMNS = ("group", "day", "survival", "ci_low", "ci_high", "at_risk", "events")

CHURN_COLUMNS = ("group", "period", "as_of", "customers", "churned", "rate", "ci_low", "ci_high", "complete", "note")

NPS_COLUMNS = (
    "responses", "promoters", "passives", "detractors", "nps", "nps_ci_low", "nps_ci_high",
    "mean_score", "mean_ci_low", "mean_ci_high",
)

_NAN = float("nan")

_Z95 = float(stats.norm.ppf(0.975))
