"""Effect on the treated (ATT) when there is no randomized control group.

The campaign targeted some customers; the comparison group is eligible customers who
were not targeted. Under "no unmeasured confounding" given pre-period covariates, the
ATT is identified, and the headline estimator is the doubly robust ATT of Sant'Anna &
Zhao (2020), "Doubly robust difference-in-differences estimators", *Journal of
Econometrics* 219: a linear outcome regression fitted on the comparison group,
augmented with propensity-odds weights from a logistic regression. It is consistent
if either model is right, and its standard error comes from the estimator's influence
function, including the estimation of both nuisance models (so no bootstrap is needed;
:func:`estimate_att_bootstrap` is there to cross-check).

Input everywhere is a customer-level DataFrame: one row per customer, a 0/1 treatment
column, an outcome column and covariate columns (numeric, or text where a missing value
is its own level, see :func:`campaignlab.stats.effects.compute_covariate_matrix`).
Results are dicts with the same keys as :mod:`campaignlab.stats.effects`
(``metric, method, estimate, ci_low, ci_high, p_value, relative``), so naive,
difference-in-differences, regression and doubly robust estimates stack in one table.
"""

from campaignlab.stats.causal._common import (  # noqa: F401
    _NAN,
    SMD_THRESHOLD,
    _auto_log1p,
)
from campaignlab.stats.causal.att import (  # noqa: F401
    _att_influence,
    _att_result,
    _estimate_att,
    _finish,
    _method_text,
    _prepare,
    compute_att_weights,
    estimate_att_bootstrap,
    estimate_att_doubly_robust,
    estimate_att_ipw,
)
from campaignlab.stats.causal.balance import (  # noqa: F401
    _weighted_mean_var,
    compute_balance,
    compute_overlap,
)
from campaignlab.stats.causal.comparison import (  # noqa: F401
    estimate_did,
    estimate_linear_adjusted,
    estimate_naive,
)
from campaignlab.stats.causal.propensity import (  # noqa: F401
    PropensityFits,
    _fit_logit,
    _propensity_design,
    fit_propensity,
)

__all__ = [
    "PropensityFits",
    "compute_att_weights",
    "compute_balance",
    "compute_overlap",
    "estimate_att_bootstrap",
    "estimate_att_doubly_robust",
    "estimate_att_ipw",
    "estimate_did",
    "estimate_linear_adjusted",
    "estimate_naive",
    "fit_propensity",
]
