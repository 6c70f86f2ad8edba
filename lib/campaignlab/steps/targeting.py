"""Who to target next time (shown in 03_response): an uplift model of a randomized campaign, and its evidence.

``analyse(run, response_result)`` fits the cross-fitted uplift model of :mod:`campaignlab.stats.uplift` on the
customers of a randomized holdout test (all treated arms against the control arm, as the verdict), evaluates it on
out-of-fold predictions (Qini curve and AUUC against random targeting, deciles, a policy table with the campaign's
economics) and recommends a share of customers to target, or falls back to the verdict when the model found no
targetable difference (decided by sequential cross-fitting, which keeps its level where the pooled out-of-fold curve
does not: :func:`campaignlab.stats.uplift.sequential_qini_test`). Matched (observational) designs, small tests and tests with nothing to predict from get a
:class:`~campaignlab.formatting.NotAvailable` reason instead. ``write`` stores the ``targeting`` section of
summary.json and the per-customer scores that ``campaignlab export-targets --uplift`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from campaignlab import iorw
from campaignlab.formatting import NotAvailable, escape_text, format_ci, money_change_format
from campaignlab.stats import response as rstats
from campaignlab.stats import uplift
from campaignlab.steps.display import describe_result, show_markdown
from campaignlab.steps.response import campaign_costs

if TYPE_CHECKING:
    from campaignlab.run.session import Run

SCORES_FILE = iorw.RunFiles.UPLIFT_SCORES
SECTION = "Targeting by predicted uplift"
MODEL = ("T-learner (Kuenzel et al. 2019) of two scikit-learn HistGradientBoostingRegressor models of campaign-window "
         "revenue, cross-fitted")


@dataclass(repr=False)
class TargetingResult:
    """The targeting section: the evidence of the uplift model, or why it is not available.

    Attributes
    ----------
    not_available : NotAvailable or None
        Why there is no uplift model (then every other field is empty).
    model, features, folds : str, list of str, int
        The learner, the columns it predicts from, and K of the cross-fitting.
    customers : int
        Customers in the randomized test (treated arms and control).
    qini : dict
        AUUC with its bootstrap interval (predictions held fixed), random targeting's AUUC and the difference
        (``excess``); ``test``: the sequential cross-fitting test of a targetable difference
        (:func:`campaignlab.stats.uplift.sequential_qini_test`), which the recommendation follows.
    qini_curve, deciles, policy : pandas.DataFrame
        The Qini curve, the observed uplift per decile of predicted uplift, and the policy table (per share targeted:
        incremental revenue and net profit with intervals).
    recommended : dict
        ``{share, kind}`` from :func:`campaignlab.stats.uplift.choose_share`.
    drivers : list of dict
        The attributes that set the highest predicted uplift apart, each with its ``sentence``.
    segments : dict
        The leaves of a shallow tree on the predicted uplift, in plain words (``leaves``, ``r2``; see
        :func:`campaignlab.stats.uplift.compute_uplift_segments`).
    scores : pandas.DataFrame
        ``customer_id`` and ``predicted_uplift`` (out of fold); holds customer ids, written for the export only.
    currency, costs_missing, verdict : str or None, list of str, dict
        The money's currency, the costs not given, and the verdict the recommendation falls back to.
    """

    not_available: NotAvailable | None = None
    model: str = ""
    features: list[str] = field(default_factory=list)
    folds: int = 0
    customers: int = 0
    qini: dict[str, Any] = field(default_factory=dict)
    qini_curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    deciles: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy: pd.DataFrame = field(default_factory=pd.DataFrame)
    recommended: dict[str, Any] = field(default_factory=dict)
    drivers: list[dict] = field(default_factory=list)
    segments: dict[str, Any] = field(default_factory=dict)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    currency: str | None = None
    costs_missing: list[str] = field(default_factory=list)
    verdict: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        if self.not_available:
            return describe_result("TargetingResult", [self.not_available.sentence], {})
        lines = [f"customers: {self.customers:,}; features: {', '.join(self.features)}; folds: {self.folds}",
                 f"recommended: {self.recommended}"]
        return describe_result("TargetingResult", lines, {k: getattr(self, k) for k in
                                                          ("qini_curve", "deciles", "policy", "scores")})


def _not_available(missing: str, fix: str = "") -> TargetingResult:
    return TargetingResult(not_available=NotAvailable(SECTION, missing, fix))


def _check_inputs(run: Run, result) -> TargetingResult | None:
    """The reason there can be no uplift model, as a result; None when there can."""
    cfg = run.params.targeting
    if result.design != "holdout" or not result.estimable:
        return _not_available("the campaign has no randomized holdout, and uplift models on an observational "
                              "(matched) comparison are out of scope for now",
                              "keep a random holdout of the targeted customers in the next campaign")
    if result.verdict.get("trust") != "randomized":
        failed = [r.split(":")[0].rstrip(".") for r in result.verdict.get("trust_reasons") or []]
        return _not_available("the randomized holdout failed a check (" + "; ".join(
            f[:1].lower() + f[1:] for f in failed or ["see the trust section"]) + "), so the arms may not be comparable",
                              "see the trust section above")
    if not result.covariates:
        return _not_available("there is no pre-period behaviour and no customer attribute to predict uplift from",
                              "add customer attributes or a pre-period covered by the data")
    sizes = (result.frame["group"] == result.control).value_counts()
    smaller = int(min(sizes.get(True, 0), sizes.get(False, 0)))
    if smaller < cfg.min_per_arm:
        return _not_available(f"the smaller arm has {smaller:,} customers, fewer than the {cfg.min_per_arm:,} per arm "
                              "an uplift model needs to rank customers reliably",
                              "a larger holdout test (or lower targeting.min_per_arm, accepting wider intervals)")
    return None


def analyse(run: Run, result) -> TargetingResult:
    """Fit, evaluate and turn into a recommendation the uplift model of the response analysis' randomized test.

    ``result`` is the :class:`~campaignlab.steps.response.ResponseResult` of the same run.
    """
    na = _check_inputs(run, result)
    if na is not None:
        return na
    cfg, econ = run.params.targeting, run.params.economics
    frame = result.frame.reset_index(drop=True)
    features = list(result.covariates)
    X, categorical = uplift.feature_matrix(frame, features)
    y = frame[rstats.OUTCOME_OF["revenue_per_customer"]].to_numpy(dtype=float, na_value=0.0)
    t = (frame["group"] != result.control).to_numpy().astype(int)
    model = uplift.CrossFitUplift(folds=cfg.folds, seed=cfg.seed, sequential=True,
                                  max_training_rows=cfg.max_training_per_arm).fit(X, y, t, categorical=categorical)
    score, alpha = model.uplift_, run.params.response.alpha
    evidence = uplift.evaluate_uplift(y, t, score, n_boot=cfg.bootstrap, seed=cfg.seed, alpha=alpha)
    test = uplift.sequential_qini_test(y, t, model.fold_, model.sequential_uplift_, n_boot=cfg.bootstrap,
                                       seed=cfg.seed, alpha=alpha)
    costs, missing = campaign_costs(run)
    policy = _add_money(evidence.policy, frame, t, score, econ, costs)
    drivers = uplift.compute_drivers(frame, features, score)
    for d in drivers:
        d["sentence"] = _driver_sentence(d)
    sampled = (f"; each model fitted on a seeded sample of at most {cfg.max_training_per_arm:,} customers of its arm"
               if model.sampled_ else "")
    return TargetingResult(
        model=MODEL + sampled, features=features, folds=cfg.folds, customers=len(frame),
        qini={**evidence.qini, "test": test},
        qini_curve=evidence.qini_curve, deciles=uplift.compute_deciles(y, t, score, alpha=alpha),
        policy=policy, recommended=uplift.choose_share(policy, test["targetable"]), drivers=drivers,
        segments=uplift.compute_uplift_segments(frame, features, score),
        scores=pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "predicted_uplift": score}),
        currency=econ.currency, costs_missing=missing, verdict=result.verdict)


def _add_money(policy: pd.DataFrame, frame: pd.DataFrame, t: np.ndarray, score: np.ndarray, econ,
               costs: dict[str, float]) -> pd.DataFrame:
    """Net profit of each share: margin on the incremental revenue less contact, discount and fixed costs.

    Discounts per contacted customer are the treated customers' average among the top share (what the campaign
    paid them); costs are taken as known, so the net profit's interval is the incremental revenue's, transformed.
    """
    order = np.argsort(-score, kind="stable")
    discount = frame["discount_cost"].to_numpy(dtype=float, na_value=0.0)[order] if "discount_cost" in frame \
        else np.zeros(len(frame))
    treated = t[order] == 1
    out = policy.copy()
    per_contact = []
    for k in out["customers"]:
        d = discount[:k][treated[:k]]
        per_contact.append(float(d.mean()) if econ.count_discount_cost and d.size else 0.0)
    out["discount_per_contact"] = per_contact
    out["cost"] = out["customers"] * (costs["cost_per_contact"] + out["discount_per_contact"]) + costs["fixed_cost"]
    for src, dst in (("incremental_revenue", "net_profit"), ("ci_low", "net_ci_low"), ("ci_high", "net_ci_high")):
        out[dst] = econ.gross_margin * out[src] - out["cost"]
    return out


def _driver_sentence(d: dict) -> str:
    name = escape_text(d["feature"]).replace("_", " ")
    if d["kind"] == "level":
        return (f"{name} = {escape_text(d['level'])}: {d['top']:.0%} of the top 20% by predicted uplift, against "
                f"{d['rest']:.0%} of the others")
    return f"{name}: {d['top']:,.1f} on average in the top 20% by predicted uplift, against {d['rest']:,.1f}"


# ------------------------------------------------------------------------------------------ text
def compose_recommendation(section: dict, currency: str | None = None) -> str:
    """The section's conclusion in plain words, with its intervals (the review's paragraph, the notebook's lead).

    ``section`` is the summary.json ``targeting`` section (or ``{"not_available": sentence}``).
    """
    if section.get("not_available"):
        return str(section["not_available"])
    money = money_change_format(currency)
    q, rec = section["qini"], section.get("recommendation") or {}
    test = q.get("test") or {}
    qtext = (f"Qini AUUC {format_ci(q['auuc'], q['ci_low'], q['ci_high'], fmt='{:,.2f}'.format)} against "
             f"{q['random_auuc']:,.2f} for random targeting (revenue per customer; "
             f"{section['folds']}-fold cross-fitted {section['model'].split(' (')[0]})")
    ttext = (f"tested fold by fold on customers its models had not seen (sequential cross-fitting, Wager 2024), "
             f"its Qini excess over random targeting is "
             f"{format_ci(test.get('excess'), test.get('ci_low'), test.get('ci_high'), fmt='{:+,.2f}'.format)}")
    if rec.get("kind") == "no_difference":
        where = "lies below 0" if (test.get("ci_high") or 0) < 0 else "covers 0"
        return (f"The uplift model found no targetable difference between customers: {ttext}, an interval that "
                f"{where}. On the whole test, the {qtext}. There is nothing to target beyond the verdict: "
                f"{_verdict_advice(section.get('verdict') or {})}")
    rows = {round(float(p["share"]), 2): p for p in section["policy"]}
    share = section.get("recommended_share")
    costs = section.get("costs_missing") or []
    cost_note = (" Net profit counts the margin less coupon discounts only: " + "; ".join(costs) + "."
                 if len(costs) == 2 else "")
    pick = rows.get(round(float(share), 2)) if share else None
    best = (f"targeting the top {share:.0%} of customers by predicted uplift gives the largest expected net profit, "
            if rec.get("kind") == "top" else "targeting everyone gives the largest expected net profit, ")
    if rec.get("kind") == "no_one" or pick is None:
        return (f"The model ranks customers better than chance ({ttext}; {qtext}), but no share of customers earns "
                f"a positive expected net profit at the campaign's costs: target no one with this offer.{cost_note}")
    all_ = rows.get(1.0) or pick
    return (f"Because the holdout was randomized, these are effects of the campaign: {best}"
            f"{money(pick['net_profit'])} (95% CI {money(pick['net_ci_low'])} to {money(pick['net_ci_high'])}), "
            f"from incremental revenue of {money(pick['incremental_revenue'])} (95% CI {money(pick['ci_low'])} to "
            f"{money(pick['ci_high'])}) on {int(pick['customers']):,} of the test's {section['customers']:,} "
            f"customers; targeting everyone gives incremental revenue of {money(all_['incremental_revenue'])} "
            f"(95% CI {money(all_['ci_low'])} to {money(all_['ci_high'])}). The model ranks customers better than "
            f"chance: {ttext}; on the whole test, the {qtext}.{cost_note}")


def _verdict_advice(verdict: dict) -> str:
    lo, hi = float(verdict.get("ci_low") or np.nan), float(verdict.get("ci_high") or np.nan)
    if lo > 0:
        return "on average the campaign raised revenue per customer, so send it to the same kind of customers again."
    if hi < 0:
        return "on average the campaign lowered revenue per customer, so do not send it again as it is."
    return "the average effect is inconclusive too, so test again with a holdout before rolling it out."


# ------------------------------------------------------------------------------------------ views
def section_of(result: TargetingResult) -> dict[str, Any]:
    """The ``targeting`` section of summary.json (``{"not_available": sentence}`` without a model)."""
    if result.not_available:
        return {"not_available": result.not_available.sentence}
    cols = ["share", "customers", "incremental_revenue", "ci_low", "ci_high", "net_profit", "net_ci_low",
            "net_ci_high"]
    return {
        "model": result.model, "features": result.features, "folds": result.folds, "customers": result.customers,
        "qini": result.qini, "deciles": rstats.records(result.deciles), "policy": rstats.records(result.policy[cols]),
        "recommended_share": result.recommended.get("share"), "recommendation": result.recommended,
        "drivers": [{k: d[k] for k in ("feature", "level", "top", "rest", "sentence")} for d in result.drivers],
        "segments": result.segments,
        "costs_missing": result.costs_missing, "currency": result.currency,
        "verdict": {k: result.verdict.get(k) for k in ("estimate", "ci_low", "ci_high", "trust")},
    }


def show_targeting(result: TargetingResult) -> None:
    """Say what the uplift model found and what to do, in one paragraph (or why there is no model)."""
    show_markdown(compose_recommendation(section_of(result), result.currency))


def show_policy(result: TargetingResult):
    """The policy table (per share targeted) and the policy curve; None without a model."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import targeting as tplots

    if result.not_available:
        return None
    tplots.plot_policy_curve(result.policy, currency=result.currency, recommended=result.recommended.get("share"))
    plt.show()
    t = result.policy
    money = money_change_format(result.currency)
    return pd.DataFrame({
        "share targeted": (100 * t["share"]).round(0).astype(int).astype(str) + "%",
        "customers": t["customers"].map("{:,}".format),
        "incremental revenue (95% CI)": [format_ci(e, lo, hi, fmt=money) for e, lo, hi in
                                         zip(t["incremental_revenue"], t["ci_low"], t["ci_high"])],
        "net profit (95% CI)": [format_ci(e, lo, hi, fmt=money) for e, lo, hi in
                                zip(t["net_profit"], t["net_ci_low"], t["net_ci_high"])]})


def show_evidence(result: TargetingResult):
    """The Qini curve against random targeting and the observed uplift per decile; returns the decile table."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import targeting as tplots

    if result.not_available:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    tplots.plot_qini_curve(result.qini_curve, ax=axes[0])
    tplots.plot_uplift_deciles(result.deciles, ax=axes[1])
    fig.tight_layout()
    plt.show()
    q, test = result.qini, result.qini["test"]
    folds = "; ".join(f"fold {f['fold']} (models fitted on {f['trained_on']:,} customers): {f['excess']:+,.2f} "
                      f"(SE {f['se']:,.2f})" for f in test["folds"])
    show_markdown(f"Curve: {q['method']}; it shows the ranking but its band is too narrow to decide whether the "
                  f"model beats random targeting. The decision: {test['method']}. Qini excess per fold: {folds}; "
                  f"mean {format_ci(test['excess'], test['ci_low'], test['ci_high'], fmt='{:+,.2f}'.format)}, "
                  f"one-sided p = {test['p_value']:.3f}. The deciles are observed treated-minus-control differences "
                  "in revenue per customer (Welch 95% intervals) among customers ranked by a model that did not see "
                  "them.")
    return result.deciles[["decile", "customers", "treated", "control", "predicted_uplift", "observed_uplift",
                           "ci_low", "ci_high"]].round(2)


def show_drivers(result: TargetingResult) -> None:
    """Say which attributes set the customers with the highest predicted uplift apart."""
    if result.not_available:
        return
    if not result.drivers:
        show_markdown("No attribute sets the customers with the highest predicted uplift apart.")
        return
    caveat = ("The ranking did not beat random targeting, so this describes the model, not customers known to "
              "respond more. " if result.recommended.get("kind") == "no_difference" else "")
    show_markdown(caveat + "What sets the customers with the highest predicted uplift apart (a description of the "
                  "model's ranking, strongest first): " + "; ".join(d["sentence"] for d in result.drivers) + ".")
    if result.segments.get("leaves"):
        show_markdown(segments_sentence(result.segments))


def segments_sentence(segments: dict) -> str:
    """The shallow tree's leaves in plain words, highest predicted uplift first."""
    leaves = "; ".join(f"{escape_text(leaf['rule'])}: {leaf['predicted_uplift']:+,.2f} per customer "
                       f"({leaf['share']:.0%} of customers)" for leaf in segments["leaves"])
    return (f"The same ranking in a few plain rules (a regression tree of depth 2 fitted to the predicted uplift; "
            f"the rules account for {segments['r2']:.0%} of its spread), with the predicted revenue uplift per "
            f"customer: {leaves}.")


# ------------------------------------------------------------------------------------------ files
def write(run: Run, result: TargetingResult) -> dict[str, Any]:
    """Write the ``targeting`` section of summary.json and (with a model) the per-customer scores; return it."""
    section = section_of(result)
    path = run.path(SCORES_FILE)
    if result.not_available:
        iorw.remove_file(path)
    else:
        iorw.write_table(result.scores, path)
    run.write_section("targeting", section)
    return section


def export_uplift_targets(run_dir: Path, *, share: float, holdout_share: float, seed: int,
                          out_dir: Path | None = None) -> Path:
    """The top ``share`` of the test's customers by predicted uplift as a CRM target list with a fresh holdout.

    Columns ``customer_id`` and ``group`` (send / holdout, a fixed-seed random split, as the segment exports): raw ids
    on purpose, for the CRM, not for people. Ties in predicted uplift are broken by customer id.
    """
    from campaignlab.stats import segmentation as seg

    if not 0 < share <= 1:
        raise ValueError(f"--share must be in (0, 1], got {share}")
    path = Path(run_dir) / SCORES_FILE
    if not path.exists():
        reason = (iorw.read_json(Path(run_dir) / iorw.RunFiles.SUMMARY).get("targeting") or {}).get(
            "not_available") if (Path(run_dir) / iorw.RunFiles.SUMMARY).exists() else None
        raise FileNotFoundError(f"{path} not found: " + (reason or "run 03_response (campaignlab run) first."))
    scores = iorw.read_table(path).sort_values(["predicted_uplift", "customer_id"], ascending=[False, True])
    top = scores["customer_id"].head(int(round(share * len(scores))))
    split = seg.compute_holdout_split(top, holdout_share=holdout_share, seed=seed)
    out_dir = Path(out_dir) if out_dir else Path(run_dir) / "targets"
    return iorw.write_table(split, out_dir / f"uplift_top_{round(100 * share)}pct.csv")
