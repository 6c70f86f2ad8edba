"""Effect estimates for randomized campaign experiments (treatment arm vs control).

Every ``compute_*_effect`` function returns a plain ``dict`` with at least the keys
``metric, method, estimate, ci_low, ci_high, p_value, relative`` so that results from
different estimators stack into one table with ``pd.DataFrame([...])``.
``relative`` is ``estimate / control mean`` (NaN when the control mean is zero or
undefined); no interval is given for it.

The functions are pure: they take numbers, arrays or a DataFrame and return numbers.
Where a well-kept library implements the statistic (statsmodels, scipy) it is used;
the few hand-written formulas say why in a comment. Which test runs at which group sizes
(exact tests for tiny counts, regression adjustment only for large enough arms) is set out
in :mod:`campaignlab.stats.effects.rules` and measured by ``benchmarks/calibration.py``.
"""

from campaignlab.stats.effects._common import (  # noqa: F401
    _NAN,
    _relative,
    _result,
)
from campaignlab.stats.effects.design import (  # noqa: F401
    _check_sd_p,
    compute_mde,
    compute_qvalues,
    compute_required_sample,
    compute_srm,
)
from campaignlab.stats.effects.regression import (  # noqa: F401
    _drop_dependent_columns,
    _treatment_indicator,
    compute_adjusted_effect,
    compute_covariate_matrix,
    compute_randomized_effect,
    compute_winsorized,
)
from campaignlab.stats.effects.roi import (  # noqa: F401
    compute_roi,
)
from campaignlab.stats.effects.rules import (  # noqa: F401
    PERMUTATION_MAX_CUSTOMERS,
    allows_adjustment,
    compute_adjustment_check,
    compute_difference_skewness,
    few_events_warning,
    needs_exact_test,
    uses_large_sample_test,
)
from campaignlab.stats.effects.two_groups import (  # noqa: F401
    PERMUTATION_RESAMPLES,
    PERMUTATION_SEED,
    _clean,
    compute_mean_effect,
    compute_proportion_effect,
)

__all__ = [
    "allows_adjustment",
    "compute_adjusted_effect",
    "compute_adjustment_check",
    "compute_difference_skewness",
    "compute_covariate_matrix",
    "compute_mde",
    "compute_mean_effect",
    "compute_proportion_effect",
    "compute_qvalues",
    "compute_randomized_effect",
    "compute_required_sample",
    "compute_roi",
    "compute_srm",
    "compute_winsorized",
    "few_events_warning",
    "uses_large_sample_test",
    "needs_exact_test",
]
