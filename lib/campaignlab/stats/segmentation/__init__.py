"""Customer segmentation: RFM, value tiers, lifecycle, tags, response history.

Transaction-level work is written as Ibis expressions (any Ibis backend; DuckDB by
default) and every customer-level result comes back as a pandas DataFrame with one
row per customer and a ``customer_id`` column. Everything here is pure: no IO, no
plotting imports (figures live in :mod:`campaignlab.plots.segments`; the ``plot_*`` names
are re-exported from here lazily so importing this module stays cheap).

Business rules (RFM rule table, tiers, thresholds) are parameters, validated by
:class:`SegmentationConfig`; their default values live in
the ``segmentation:`` section of ``params/defaults.yaml``, not in code.

References
----------
.. [1] Hughes, A. M. (1994). *Strategic Database Marketing*. Probus. (RFM scoring by quintiles.)
.. [2] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers the easy
       way: An alternative to the Pareto/NBD model." *Marketing Science*, 24(2), 275-284.
       (The repeat-purchase summary: frequency, recency, T.)
"""

from campaignlab.params import NO_PURCHASE  # noqa: F401  (the segment of customers without orders)
from campaignlab.stats.segmentation._common import (  # noqa: F401
    LIFECYCLE_STATES,
    RESPONSE_STATES,
    SNAPSHOT_COLUMNS,
)
from campaignlab.stats.segmentation.lifecycle import (  # noqa: F401
    compute_lifecycle,
)
from campaignlab.stats.segmentation.profiles import (  # noqa: F401
    compute_migration,
    compute_segment_profile,
)
from campaignlab.stats.segmentation.rfm import (  # noqa: F401
    _quintile_scores,
    compute_rfm_scores,
    compute_rfm_segments,
)
from campaignlab.stats.segmentation.snapshot import (  # noqa: F401
    _as_table,
    _as_timestamp,
    _customer_ids,
    _day_delta,
    compute_customer_snapshot,
    require_columns,
)
from campaignlab.stats.segmentation.tags import (  # noqa: F401
    TagDimensions,
    _is_text,
    compute_response_history,
    compute_tag_dimensions,
)
from campaignlab.stats.segmentation.targets import (  # noqa: F401
    compute_holdout_split,
    pseudonymize_ids,
)
from campaignlab.stats.segmentation.tiers import (  # noqa: F401
    compute_value_tiers,
)

__all__ = [
    "LIFECYCLE_STATES",
    "NO_PURCHASE",
    "RESPONSE_STATES",
    "SNAPSHOT_COLUMNS",
    "TagDimensions",
    "compute_customer_snapshot",
    "compute_holdout_split",
    "compute_lifecycle",
    "compute_migration",
    "compute_response_history",
    "compute_rfm_scores",
    "compute_rfm_segments",
    "compute_segment_profile",
    "compute_tag_dimensions",
    "compute_value_tiers",
    "pseudonymize_ids",
]
