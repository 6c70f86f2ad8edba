"""Constants shared by the submodules: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

#: Lifecycle states in display order (also the order of :func:`compute_lifecycle`'s categories).
LIFECYCLE_STATES = (
    "new",
    "active",
    "sleeping",
    "churned",
    "registered_never_purchased",
    "never_purchased",
    "not_yet_registered",
)

#: Response-history states in display order.
RESPONSE_STATES = ("responded_before", "contacted_not_responded", "never_contacted")

#: Columns of :func:`compute_customer_snapshot`, in order.
SNAPSHOT_COLUMNS = (
    "customer_id",
    "frequency",
    "monetary",
    "first_order_ts",
    "last_order_ts",
    "recency_days",
    "frequency_repeat",
    "recency_bgnbd",
    "T",
    "monetary_repeat_mean",
)
