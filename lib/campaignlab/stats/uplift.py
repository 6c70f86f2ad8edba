"""Uplift models for randomized campaigns: who buys *because of* the campaign, with evidence a manager can check.

A T-learner (Kuenzel et al. 2019) of two gradient-boosted regressions (scikit-learn's
``HistGradientBoostingRegressor``: fast, handles missing values and text levels natively) is fitted with
cross-fitting: customers are split into K seeded folds stratified by arm, and every customer's predicted uplift comes
from models fitted on the other folds, so the evaluation below never scores a customer with a model that saw them.

The evaluation curves (Radcliffe's Qini curve, the uplift curve, deciles, the policy table) are written here with
numpy rather than taken from ``causalml`` or ``scikit-uplift``: ``causalml`` 0.18 pulls xgboost, lightgbm, shap and
CUDA libraries (over 1 GB) into a notebook suite that needs none of them, and ``scikit-uplift`` 0.5.1 (last release
2022) has no bootstrap or weighted curves. The curves are cross-tested against ``sklift.metrics`` (a test-only
dependency) in ``tests/unit/stats/test_uplift.py``.

Whether the model found a targetable difference is decided by sequential cross-fitting (Wager 2024,
"Sequential validation of treatment heterogeneity", arXiv:2405.05534; :func:`sequential_qini_test`), not by the
pooled curve. The pooled curve's intervals come from a stratified bootstrap of customers with the out-of-fold
predictions held fixed: they carry the sampling noise of the evaluation, not the dependence that cross-fitting
leaves between folds. Each fold's model saw the other folds' outcomes, so a model that learnt a chance pattern of
fold ``j`` ranks fold ``k`` by it and fold ``k``'s model ranks fold ``j`` by the same pattern: the folds' Qini
excesses are positively correlated (the pooled excess behaves like a U-statistic over pairs of folds, whose
variance is about twice what the bootstrap sees). Bates, Hastie & Tibshirani (2023) describe the same
undercoverage of cross-validation intervals. Measured with ``benchmarks/uplift_null_rate.py`` (400 simulated tests
of 3,000 customers with a homogeneous effect, and 400 with the effect planted in a quarter of them), one-sided 2.5%
decisions:

- pooled curve, fixed-prediction bootstrap (the former decision): false claims 4.5% (95% CI 2.7% to 7.0%), its z
  with SD 1.32 where an honest standard error gives 1; power 57.5% (52.5% to 62.4%), at a level it does not keep;
- twice the median of the five folds' one-sided p-values (Chernozhukov, Demirer, Duflo & Fernandez-Val, "Generic
  machine learning inference on heterogeneous treatment effects in randomized experiments"): false claims 0.2%
  (0.0% to 1.4%); power 3.0% (1.6% to 5.2%);
- sequential cross-fitting (chosen): false claims 2.0% (0.9% to 3.9%), z SD 1.03; power 46.8% (41.8% to 51.8%).

The sequential test keeps its level at a modest cost in power (its first folds' models are fitted on fewer
customers); the median of p-values keeps it by throwing almost all power away. A refitting bootstrap, a
permutation reference or nested cross-validation (Bates, Hastie & Tibshirani 2023) would refit the 2K models
hundreds of times: minutes at 60,000 customers, where the sequential fits add ``K - 2`` pairs of smaller fits
(the whole section takes about 5 s at 60,000 customers, ``benchmarks/bench_targeting.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from campaignlab import workers
from campaignlab.stats import effects

__all__ = ["CrossFitUplift", "UpliftEvidence", "choose_share", "compute_deciles", "compute_drivers",
           "compute_uplift_curves", "evaluate_uplift", "feature_matrix", "heldout_qini_excess",
           "sequential_qini_test"]

#: The shares of customers the policy table targets (top 10%, 20%, ... by predicted uplift).
POLICY_SHARES = tuple(round(0.1 * i, 1) for i in range(1, 11))
#: Points of the curves (share of customers, 0 to 1 by 1%).
GRID = np.round(np.linspace(0.0, 1.0, 101), 2)


def feature_matrix(frame: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Features as a float matrix (text as category codes, missing as NaN) and the mask of categorical columns.

    Examples
    --------
    >>> X, cat = feature_matrix(pd.DataFrame({"a": [1.0, None], "b": ["x", "y"]}), ["a", "b"])
    >>> X.tolist(), cat.tolist()
    ([[1.0, 0.0], [nan, 1.0]], [False, True])
    """
    cols, cat = [], []
    for f in features:
        s = frame[f]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
            cat.append(False)
        else:
            codes = pd.Categorical(s.astype("string").fillna("unknown")).codes.astype(float)
            cols.append(codes)
            cat.append(True)
    return np.column_stack(cols) if cols else np.empty((len(frame), 0)), np.array(cat, dtype=bool)


class CrossFitUplift:
    """Cross-fitted T-learner: out-of-fold predicted uplift (treated minus control outcome) for every customer.

    Parameters
    ----------
    folds : int, default 5
        K of the K-fold cross-fitting (stratified by arm, shuffled with ``seed``).
    seed : int, default 0
        Seed of the folds and of the boosted trees.
    max_iter, learning_rate, max_leaf_nodes, l2_regularization
        Passed to each ``HistGradientBoostingRegressor``; the defaults are deliberately shallow and slow-learning,
        because revenue is noisy and an overfitted uplift ranks customers by noise.
    min_leaf_share : float, default 0.005
        Smallest leaf as a share of a model's training rows (at least 20 customers).
    sequential : bool, default False
        Also fit the models of sequential cross-fitting (Wager 2024): fold ``k`` scored by models fitted on folds
        ``0 .. k-1`` only, for :func:`sequential_qini_test`. The last fold's models are the cross-fitting's own, so
        this adds ``folds - 2`` pairs of smaller fits (about a third more fitting time with 5 folds).
    max_training_rows : int, optional
        Fit each model on a seeded random sample of at most this many of its arm's training rows (all rows when
        None). Every row is still scored out of fold.

    Attributes
    ----------
    uplift_ : numpy.ndarray
        Out-of-fold predicted uplift per row of ``X``.
    fold_ : numpy.ndarray
        The fold of each row (0 to ``folds - 1``).
    sequential_uplift_ : numpy.ndarray
        With ``sequential``: each row's predicted uplift by the models fitted on the folds before its own
        (NaN in fold 0, which has none).
    sampled_ : bool
        Whether any model was fitted on a sample of its training rows (``max_training_rows``).
    n_features_in_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2)); t = rng.integers(0, 2, 2000)
    >>> y = X[:, 0] + t * (X[:, 1] > 0) * 3 + rng.normal(size=2000)
    >>> m = CrossFitUplift(folds=3, seed=1, max_iter=50).fit(X, y, t)
    >>> bool(m.uplift_[X[:, 1] > 0].mean() > m.uplift_[X[:, 1] <= 0].mean() + 2)
    True
    """

    def __init__(self, *, folds: int = 5, seed: int = 0, max_iter: int = 100, learning_rate: float = 0.05,
                 max_leaf_nodes: int = 15, l2_regularization: float = 1.0, min_leaf_share: float = 0.005,
                 sequential: bool = False, max_training_rows: int | None = None):
        self.folds = folds
        self.seed = seed
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.min_leaf_share = min_leaf_share
        self.sequential = sequential
        self.max_training_rows = max_training_rows

    def _model(self, n_rows: int, categorical: np.ndarray | None):
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization, min_samples_leaf=max(20, int(self.min_leaf_share * n_rows)),
            categorical_features=categorical if categorical is not None and categorical.any() else None,
            early_stopping=False, random_state=self.seed)

    def fit(self, X: np.ndarray, y: np.ndarray, treatment: np.ndarray,
            categorical: np.ndarray | None = None) -> CrossFitUplift:
        """Fit 2 x ``folds`` models and store each customer's out-of-fold uplift in ``uplift_``."""
        from sklearn.model_selection import StratifiedKFold
        from threadpoolctl import threadpool_limits

        X, y, t = np.asarray(X, dtype=float), np.asarray(y, dtype=float), np.asarray(treatment).astype(int)
        if X.ndim != 2 or len(X) != len(y) or len(y) != len(t):
            raise ValueError(f"X ({X.shape}), y ({y.shape}) and treatment ({t.shape}) must have the same rows.")
        counts = np.bincount(t, minlength=2)
        if counts.min() < self.folds:
            raise ValueError(f"Each arm needs at least {self.folds} customers for {self.folds}-fold cross-fitting "
                             f"(treated {counts[1]}, control {counts[0]}).")
        self.n_features_in_ = X.shape[1]
        self.fold_ = np.empty(len(y), dtype=int)
        self.uplift_ = np.empty(len(y))
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        # One OpenMP thread per fit: on a busy 2-core machine, OpenMP's spinning threads made one fit take 55 s
        # instead of 0.6 s (measured); the limit is scoped to this block and restored after it.
        with threadpool_limits(1, user_api="openmp"):
            self._fit_folds(X, y, t, categorical, splitter)
        return self

    def _fit_folds(self, X, y, t, categorical, splitter) -> None:
        self.sampled_ = False
        splits = list(splitter.split(X, t))
        tests = [test for _, test in splits]
        # The sequential scores: fold k by models fitted on folds 0..k-1 only. The last fold's earlier folds are
        # its cross-fitting training set (the same rows, the same models), so it is not fitted twice.
        later = [(np.sort(np.concatenate(tests[:k])), tests[k]) for k in range(1, self.folds - 1)] \
            if self.sequential else []
        # Every pair is fitted on its own rows with its own seeded sample: threads change nothing but the time.
        scores = workers.map_ordered(lambda split: self._fit_pair(X, y, t, categorical, *split), splits + later,
                                     workers.for_rows(len(y)))
        for k, test in enumerate(tests):
            self.uplift_[test] = scores[k]
            self.fold_[test] = k
        if not self.sequential:
            return
        self.sequential_uplift_ = np.full(len(y), np.nan)
        for k in range(1, self.folds):
            self.sequential_uplift_[tests[k]] = self.uplift_[tests[k]] if k == self.folds - 1 else \
                scores[self.folds + k - 1]

    def _fit_pair(self, X, y, t, categorical, train, test) -> np.ndarray:
        """Uplift of the ``test`` rows by the treated and control models fitted on the ``train`` rows."""
        preds = []
        for arm in (1, 0):
            rows = train[t[train] == arm]
            if self.max_training_rows is not None and len(rows) > self.max_training_rows:
                # A seeded simple random sample of the training rows: boosted trees learn no more from a million
                # customers than from a hundred thousand, and the fit's time grows with the rows. Every customer
                # is still scored, by models that did not see them.
                rng = np.random.default_rng([self.seed, arm, len(train), len(test)])
                rows = np.sort(rng.choice(rows, self.max_training_rows, replace=False))
                self.sampled_ = True
            preds.append(self._model(len(rows), categorical).fit(X[rows], y[rows]).predict(X[test]))
        return preds[0] - preds[1]


# ------------------------------------------------------------------------------------------------ curves
def _order(score: np.ndarray) -> np.ndarray:
    # Highest predicted uplift first; ties keep the input order (stable), so the curves are reproducible.
    return np.argsort(-np.asarray(score, dtype=float), kind="stable")


def _qini(nt, nc, yt, yc):
    """Radcliffe's (2007) Qini from prefix sums: treated outcome minus control outcome scaled to the treated count."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(nc > 0, yt - yc * nt / nc, yt)


def compute_uplift_curves(y: np.ndarray, treatment: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """The Qini and uplift curves at every prefix of customers sorted by ``score`` (highest first).

    ``qini`` is Radcliffe's (2007) Qini: treated outcome minus control outcome scaled to the treated count,
    ``Y_t(k) - Y_c(k) N_t(k) / N_c(k)``; ``uplift`` is ``(Y_t(k)/N_t(k) - Y_c(k)/N_c(k)) k``, the incremental
    outcome if the top ``k`` were treated. Both are 0 where a prefix has no customer of an arm. With distinct
    scores they equal ``sklift.metrics.qini_curve`` and ``uplift_curve`` (cross-tested).

    Examples
    --------
    >>> c = compute_uplift_curves(np.array([5.0, 0, 2, 1]), np.array([1, 0, 1, 0]), np.array([4, 3, 2, 1]))
    >>> c["qini"].tolist(), c["uplift"].tolist()
    ([5.0, 5.0, 7.0, 6.0], [0.0, 10.0, 10.5, 12.0])
    """
    o = _order(score)
    y, t = np.asarray(y, dtype=float)[o], np.asarray(treatment).astype(int)[o]
    nt, nc = np.cumsum(t), np.cumsum(1 - t)
    yt, yc = np.cumsum(y * t), np.cumsum(y * (1 - t))
    with np.errstate(divide="ignore", invalid="ignore"):
        uplift = np.where((nt > 0) & (nc > 0), (yt / nt - yc / nc) * (nt + nc), 0.0)
    return pd.DataFrame({"k": np.arange(1, len(y) + 1), "qini": _qini(nt, nc, yt, yc), "uplift": uplift})


def _grid_sums(y: np.ndarray, t: np.ndarray, weights: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted cumulative counts and outcome sums of each arm at the prefix ends ``cuts`` (rows: weight draws)."""
    at = np.maximum(cuts - 1, 0)

    def at_cuts(a: np.ndarray) -> np.ndarray:
        return np.where(cuts > 0, np.cumsum(a, axis=1)[:, at], 0.0)

    # One product at a time (each is a draws x customers float array): the same sums, a third less memory.
    wt, wc = weights * t, weights * (1 - t)
    return at_cuts(wt), at_cuts(wc), at_cuts(wt * y), at_cuts(wc * y)


def _grid_curves(y: np.ndarray, t: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Qini and uplift curves on :data:`GRID` per customer of the test, one row per weight draw.

    ``y`` and ``t`` are sorted by score (highest first). The Qini is scaled from treated customers to every
    customer of the test (divided by the treated count): at share 1 it is the difference in means. The uplift
    curve is the incremental outcome of the top share, per customer of the test.
    """
    cuts = np.round(GRID * len(y)).astype(int)

    def curves(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nt, nc, yt, yc = _grid_sums(y, t, chunk.astype(np.float64), cuts)
        with np.errstate(divide="ignore", invalid="ignore"):
            uplift_per_customer = np.where((nt > 0) & (nc > 0), yt / nt - yc / nc, 0.0)
        return _qini(nt, nc, yt, yc) / nt[:, -1:], uplift_per_customer * (nt + nc) / (nt + nc)[:, -1:]

    # Each draw's curves are its own row: chunks of draws (16 at a time, in all threads together, which bounds the
    # memory of the float copies: about 0.4 GB at a million customers) run on threads (campaignlab.workers) and stack
    # in order, whatever the chunking.
    threads = workers.for_rows(len(y))
    parts = workers.map_ordered(curves, np.array_split(draws, max(1, threads * len(draws) // 16)), threads)
    return np.vstack([q for q, _ in parts]), np.vstack([inc for _, inc in parts])


def _excess(q: np.ndarray) -> np.ndarray:
    """Area under each Qini curve (rows) minus random targeting's (half the curve's end point)."""
    return np.trapezoid(q, GRID, axis=1) - q[:, -1] / 2.0


@dataclass
class UpliftEvidence:
    """The evaluation of out-of-fold uplift predictions (see :func:`evaluate_uplift`)."""

    qini_curve: pd.DataFrame
    qini: dict
    policy: pd.DataFrame


def evaluate_uplift(y: np.ndarray, treatment: np.ndarray, score: np.ndarray, *, n_boot: int = 200, seed: int = 0,
                    alpha: float = 0.05, shares: tuple[float, ...] = POLICY_SHARES) -> UpliftEvidence:
    """Qini curve, AUUC against random targeting, and incremental outcome of targeting each top share.

    The Qini curve is scaled to "incremental outcome per customer of the test": at share 1 it is the average effect.
    AUUC is the area under it over shares 0 to 1; random targeting's area is half the average effect, and
    ``excess`` is the difference (Radcliffe's Qini coefficient on this scale). The policy rows give, for the top
    ``share`` of customers by predicted uplift, the observed treated-minus-control difference among them times the
    customers they are (a share of the test's ``n``). Intervals: percentile bootstrap, ``n_boot`` stratified draws
    of customers (``seed``), predictions held fixed: they describe the sampling noise of this curve, not whether a
    cross-fitted model beats random targeting (too narrow for that; :func:`sequential_qini_test` decides it).
    """
    y, t = np.asarray(y, dtype=float), np.asarray(treatment).astype(int)
    o = _order(score)
    y, t = y[o], t[o]
    n = len(y)
    q, inc = _grid_curves(y, t, _bootstrap_weights(t, n_boot, seed))
    auuc = np.trapezoid(q, GRID, axis=1)
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    qini = {"auuc": float(auuc[0]), "ci_low": float(np.percentile(auuc[1:], lo)),
            "ci_high": float(np.percentile(auuc[1:], hi)), "random_auuc": float(q[0, -1] / 2.0),
            "excess": float(_excess(q[:1])[0]), "bootstrap": n_boot,
            "method": "Qini curve (Radcliffe 2007) on out-of-fold predictions; percentile bootstrap of customers "
                      f"({n_boot} draws, stratified by arm, predictions held fixed)"}
    curve = pd.DataFrame({"share": GRID, "qini": q[0], "ci_low": np.percentile(q[1:], lo, axis=0),
                          "ci_high": np.percentile(q[1:], hi, axis=0), "random": GRID * q[0, -1]})
    cuts = np.round(GRID * n).astype(int)
    rows = []
    for s in shares:
        i = int(np.argmin(np.abs(GRID - s)))
        total = inc[:, i] * n
        rows.append({"share": float(s), "customers": int(cuts[i]), "incremental_revenue": float(total[0]),
                     "ci_low": float(np.percentile(total[1:], lo)), "ci_high": float(np.percentile(total[1:], hi))})
    return UpliftEvidence(qini_curve=curve, qini=qini, policy=pd.DataFrame(rows))


def _bootstrap_weights(t: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """The observed sample (weight 1 for everyone) as row 0, then ``n_boot`` rows of resampling counts per
    customer, each arm resampled to its own size (a stratified bootstrap).

    Counts are small integers: held as ``uint16`` (a draw of a million customers takes 2 MB, not 8 as floats), and
    :func:`_grid_curves` turns a chunk of draws into floats as it sums them (the same values: integers are exact).
    The observed row is written into the same array, not stacked on it afterwards: a stacked copy held both at
    once, 0.8 GB for 200 draws of a million customers.
    """
    rng = np.random.default_rng(seed)
    w = np.zeros((n_boot + 1, len(t)), dtype=np.uint16)
    w[0] = 1
    for arm in (0, 1):
        idx = np.flatnonzero(t == arm)
        for b in range(n_boot):
            counts = np.bincount(rng.integers(0, idx.size, idx.size), minlength=idx.size)
            if counts.size and counts.max() > np.iinfo(np.uint16).max:
                raise OverflowError("a bootstrap count does not fit in 16 bits")
            w[b + 1, idx] = counts
    return w


# ------------------------------------------------------------------------------------------------ the test
def heldout_qini_excess(y: np.ndarray, treatment: np.ndarray, score: np.ndarray, *, n_boot: int = 200,
                        seed: int = 0) -> tuple[float, float]:
    """Qini excess over random targeting of ``score`` and its bootstrap standard error.

    Valid only when ``score`` comes from a model that never saw these customers: the stratified bootstrap
    (predictions held fixed) then carries all the sampling noise of the excess given the model.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.integers(0, 2, 4000); s = rng.normal(size=4000)
    >>> ex, se = heldout_qini_excess(rng.normal(size=4000) + t * (s > 0), t, s, n_boot=100)
    >>> bool(ex > 3 * se > 0)
    True
    """
    y, t = np.asarray(y, dtype=float), np.asarray(treatment).astype(int)
    o = _order(score)
    y, t = y[o], t[o]
    q, _ = _grid_curves(y, t, _bootstrap_weights(t, n_boot, seed))
    ex = _excess(q)
    return float(ex[0]), float(np.std(ex[1:], ddof=1))


def sequential_qini_test(y: np.ndarray, treatment: np.ndarray, fold: np.ndarray, sequential_score: np.ndarray, *,
                         n_boot: int = 200, seed: int = 0, alpha: float = 0.05) -> dict:
    """Does the model find a targetable difference? A one-sided test of the Qini excess, valid under cross-fitting.

    Sequential cross-fitting (Wager 2024, "Sequential validation of treatment heterogeneity", arXiv:2405.05534;
    the ``rate_cv`` vignette of the R package grf): fold ``k = 1 .. K-1`` is scored by models fitted on folds
    ``0 .. k-1`` only (``CrossFitUplift(sequential=True).sequential_uplift_``), and its Qini excess over random
    targeting is measured on fold ``k`` with a bootstrap standard error (:func:`heldout_qini_excess`). Given the
    earlier folds, each fold's excess is centred on its model's true excess, so the ``K-1`` excesses are martingale
    differences and their mean, divided by its standard error, is asymptotically standard normal (Luedtke & van der
    Laan 2016, Ann. Statist. 44(2)). ``targetable`` is true when the ``1 - alpha`` interval of the mean excess lies
    above 0 (a one-sided test at ``alpha / 2``). Ordinary cross-fitting cannot be pooled this way: every fold's
    model saw the other folds' outcomes, so their excesses are positively correlated and a pooled interval is too
    narrow (``benchmarks/uplift_null_rate.py`` measures both).

    Returns
    -------
    dict
        ``excess, ci_low, ci_high, z, p_value`` (one-sided), ``targetable``, ``folds`` (per evaluated fold:
        ``fold, trained_on, customers, excess, se``) and ``method``.
    """
    y, t = np.asarray(y, dtype=float), np.asarray(treatment).astype(int)
    fold, score = np.asarray(fold), np.asarray(sequential_score, dtype=float)
    per_fold = []
    for k in np.unique(fold)[1:]:
        rows = fold == k
        ex, se = heldout_qini_excess(y[rows], t[rows], score[rows], n_boot=n_boot, seed=seed + int(k))
        per_fold.append({"fold": int(k) + 1, "trained_on": int((fold < k).sum()), "customers": int(rows.sum()),
                         "excess": ex, "se": se})
    excess = float(np.mean([f["excess"] for f in per_fold]))
    se = float(np.sqrt(np.sum([f["se"] ** 2 for f in per_fold])) / len(per_fold))
    z = excess / se if se > 0 else np.nan
    half = stats.norm.ppf(1 - alpha / 2) * se
    return {"excess": excess, "ci_low": excess - half, "ci_high": excess + half, "z": float(z),
            "p_value": float(stats.norm.sf(z)), "targetable": bool(excess - half > 0), "folds": per_fold,
            "method": f"sequential cross-fitting (Wager 2024): the Qini excess of each of folds 2-{len(per_fold) + 1} "
                      "scored by models fitted on the folds before it, averaged, with a normal interval from the "
                      f"folds' bootstrap standard errors ({n_boot} draws each)"}

# ------------------------------------------------------------------------------------------------ deciles
def compute_deciles(y: np.ndarray, treatment: np.ndarray, score: np.ndarray, *, alpha: float = 0.05,
                    bins: int = 10) -> pd.DataFrame:
    """Observed treated-minus-control difference in each decile of predicted uplift (1 = highest), Welch interval.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> d = compute_deciles(rng.normal(size=400), np.tile([0, 1], 200), rng.normal(size=400))
    >>> d.columns.tolist()[:4], len(d)
    (['decile', 'customers', 'treated', 'control'], 10)
    """
    o = _order(score)
    y, t, s = np.asarray(y, dtype=float)[o], np.asarray(treatment).astype(int)[o], np.asarray(score, float)[o]
    rows = []
    for d, idx in enumerate(np.array_split(np.arange(len(y)), bins), start=1):
        a, b = y[idx][t[idx] == 1], y[idx][t[idx] == 0]
        # Welch's interval: a decile's arms are unequal and unequally spread, and the deciles only describe the
        # ranking (the decision is the sequential test's), so the faster t-interval stands in for a permutation one.
        eff = effects.compute_mean_effect(a, b, metric="revenue_per_customer", alpha=alpha, method="welch")
        rows.append({"decile": d, "customers": len(idx), "treated": len(a), "control": len(b),
                     "predicted_uplift": float(s[idx].mean()) if len(idx) else np.nan,
                     "observed_uplift": eff["estimate"] if len(a) > 1 and len(b) > 1 else np.nan,
                     "ci_low": eff["ci_low"], "ci_high": eff["ci_high"]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ policy
def choose_share(policy: pd.DataFrame, targetable: bool, *, tolerance: float = 0.05) -> dict:
    """The recommended share: the smallest one within ``tolerance`` of the largest expected net profit.

    ``policy`` needs ``share`` and ``net_profit``; ``targetable`` is the decision of :func:`sequential_qini_test`.
    Taking the smallest share that reaches ``1 - tolerance`` of the best expected net profit, rather than the best
    itself, keeps a flat stretch of the curve (where extra customers add nothing that the intervals can tell from
    noise) from picking a larger list by chance. Returns ``{share, kind}`` with kind ``no_difference`` (no
    targetable difference found: share None), ``no_one`` (no share earns a positive expected net profit: 0),
    ``everyone`` (share 1) or ``top``.

    Examples
    --------
    >>> p = pd.DataFrame({"share": [0.3, 0.5, 1.0], "net_profit": [9.6, 10.0, 4.0]})
    >>> choose_share(p, True), choose_share(p, False)["kind"]
    ({'share': 0.3, 'kind': 'top'}, 'no_difference')
    """
    if not targetable:
        return {"share": None, "kind": "no_difference"}
    best = float(policy["net_profit"].max())
    if not best > 0:
        return {"share": 0.0, "kind": "no_one"}
    share = float(policy.loc[policy["net_profit"] >= (1 - tolerance) * best, "share"].min())
    return {"share": share, "kind": "everyone" if share >= 1.0 else "top"}


# ------------------------------------------------------------------------------------------------ drivers
def compute_drivers(frame: pd.DataFrame, features: list[str], score: np.ndarray, *, top_share: float = 0.2,
                    limit: int = 3) -> list[dict]:
    """What sets the top ``top_share`` by predicted uplift apart from the rest, strongest first.

    Text attributes: the level whose share differs most between the two groups; numbers: the means. Strength is
    the standardized difference (Cohen's h-like for levels, SMD for numbers). Descriptive of the model's ranking.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["N"] * 50 + ["S"] * 50, "spend": np.arange(100.0)})
    >>> [(d["feature"], d["level"]) for d in compute_drivers(f, ["region", "spend"], -np.arange(100.0), top_share=0.3)]
    [('spend', None), ('region', 'N')]
    """
    o = _order(score)
    top = np.zeros(len(frame), dtype=bool)
    top[o[: max(1, int(round(top_share * len(frame))))]] = True
    out = []
    for f in features:
        s = frame[f].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            a, b = v[top], v[~top]
            sd = np.sqrt((np.nanvar(a) + np.nanvar(b)) / 2) if np.isfinite(a).any() and np.isfinite(b).any() else 0
            if not sd > 0:
                continue
            out.append({"feature": f, "kind": "number", "level": None, "top": float(np.nanmean(a)),
                        "rest": float(np.nanmean(b)), "strength": float(abs(np.nanmean(a) - np.nanmean(b)) / sd)})
        else:
            text = s.astype("string").fillna("unknown")
            shares_top = text[top].value_counts(normalize=True)
            shares_rest = text[~top].value_counts(normalize=True)
            diff = shares_top.sub(shares_rest, fill_value=0.0)
            if diff.empty:
                continue
            level = str(diff.abs().idxmax())
            pt, pr = float(shares_top.get(level, 0.0)), float(shares_rest.get(level, 0.0))
            strength = abs(2 * np.arcsin(np.sqrt(pt)) - 2 * np.arcsin(np.sqrt(pr)))
            out.append({"feature": f, "kind": "level", "level": level, "top": pt, "rest": pr,
                        "strength": float(strength)})
    out.sort(key=lambda d: -d["strength"])
    return out[:limit]


def compute_uplift_segments(frame: pd.DataFrame, features: list[str], score: np.ndarray, *, max_depth: int = 2,
                            min_share: float = 0.05) -> dict:
    """Plain-words segments of the predicted uplift: the leaves of a shallow regression tree fitted to it.

    A scikit-learn ``DecisionTreeRegressor`` (CART, Breiman et al. 1984) of depth ``max_depth`` on the features,
    leaves of at least ``min_share`` of the customers. Text attributes enter as their levels ordered by mean
    predicted uplift, which for a squared-error tree makes the best split of a text attribute one of the ordered
    cut points (Breiman et al. 1984, section 9.4); a rule then names the levels on its side. Descriptive of the
    model's ranking, not a test: ``r2`` says how much of the predicted uplift's spread the leaves explain.

    Returns
    -------
    dict
        ``leaves`` (highest predicted uplift first: ``rule``, ``customers``, ``share``, ``predicted_uplift``) and
        ``r2``.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["N", "S", "E", "W"] * 50, "spend": np.tile(np.arange(50.0), 4)})
    >>> s = np.where(f["region"] == "N", 10.0, 0.0) + (f["spend"] >= 25)
    >>> [leaf["rule"] for leaf in compute_uplift_segments(f, ["region", "spend"], s)["leaves"]][:2]
    ['region is N and spend is at least 25.0', 'region is N and spend is below 25.0']
    """
    from sklearn.tree import DecisionTreeRegressor

    score = np.asarray(score, dtype=float)
    cols, levels = [], {}
    for f in features:
        s = frame[f].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        else:
            text = s.astype("string").fillna("unknown").astype(str)
            order = pd.Series(score).groupby(text.to_numpy()).mean().sort_values().index.tolist()
            levels[f] = order
            cols.append(text.map({lv: i for i, lv in enumerate(order)}).to_numpy(dtype=float))
    X = np.column_stack(cols)
    unknown = {f for f, c in zip(features, cols) if np.isnan(c).any()}
    tree = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=max(20, int(min_share * len(score))),
                                 random_state=0).fit(X, score)
    leaf = tree.apply(X)
    leaves = []
    for node in np.unique(leaf):
        rows = leaf == node
        leaves.append({"rule": " and ".join(_rule_text(features, levels, unknown, c) for c in _path(tree.tree_, node))
                       or "all customers", "customers": int(rows.sum()), "share": float(rows.mean()),
                       "predicted_uplift": float(score[rows].mean())})
    leaves.sort(key=lambda d: -d["predicted_uplift"])
    return {"leaves": leaves, "r2": float(tree.score(X, score))}


def _path(tree, node: int) -> list[tuple[int, float, bool, bool]]:
    """(feature, threshold, goes left, missing goes left) of each split from the root down to ``node``."""
    parent = {c: (p, True) for p, c in enumerate(tree.children_left) if c >= 0}
    parent.update({c: (p, False) for p, c in enumerate(tree.children_right) if c >= 0})
    out = []
    while node in parent:
        node, left = parent[node]
        out.append((int(tree.feature[node]), float(tree.threshold[node]), left, bool(tree.missing_go_to_left[node])))
    return out[::-1]


def _rule_text(features: list[str], levels: dict, unknown: set, cond: tuple[int, float, bool, bool]) -> str:
    j, threshold, left, missing_left = cond
    name = features[j]
    label = name.replace("_", " ")
    if name in levels:
        side = [lv for i, lv in enumerate(levels[name]) if (i <= threshold) == left]
        return f"{label} is {' or '.join(side)}" if len(side) <= 3 else f"{label} is not " + " or ".join(
            lv for lv in levels[name] if lv not in side)
    text = f"{label} is {'below' if left else 'at least'} {threshold:,.1f}"
    return text + (" (or unknown)" if name in unknown and missing_left == left else "")
