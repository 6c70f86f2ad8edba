"""The glossary: every technical term a report page uses, defined once in plain words.

The review (05) shows it, ``tables.xlsx`` carries it and the portfolio (06) shows the terms it uses. ``TERM_PATTERNS``
says how each term appears in a page's text, so a test can scan the rendered pages and find terms used but not
defined.
"""

from __future__ import annotations

import re

GLOSSARY = {
    "response rate": "Share of customers with the campaign's response event (params: response_event) in the "
                     "campaign window.",
    "conversion rate": "Share of customers with at least one order in the campaign window.",
    "revenue per customer": "Revenue in the campaign window divided by the customers in the group (customers "
                            "without an order count as zero).",
    "average order value": "Revenue divided by distinct orders.",
    "incremental revenue": "The verdict's difference in revenue per customer times the customers the campaign "
                           "reached: the campaign's effect where the design supports it (trust randomized or "
                           "adjusted), a difference between groups otherwise.",
    "verdict": "The one effect every page shows for a campaign: the primary metric, all treated arms against the "
               "comparison group, over the campaign window, with its trust level.",
    "trust": "How far the verdict can be read as the campaign's effect: randomized (a holdout that passed its "
             "checks), adjusted (a matched comparison that passed every check), indicative (a check failed: a "
             "difference between groups only), not estimable.",
    "lift": "Difference between the campaign group and its comparison (control or matched) in a metric.",
    "ROI": "(Incremental revenue x gross margin - costs) / costs, where costs are campaign discounts, cost per "
           "contact x contacts and the fixed cost.",
    "break-even lift": "Extra revenue per customer at which the incremental margin just pays the costs.",
    "confidence interval (95% CI)": "Range that would contain the true value in 95% of repeated campaigns, "
                                    "under the method's assumptions.",
    "q-value": "p-value adjusted for testing many things at once (segments, arms against each other, campaigns): "
               "Benjamini-Hochberg false discovery rate; below 0.05 counts as significant.",
    "doubly robust ATT": "Effect on the treated estimated from a propensity model and an outcome model together; "
                         "right if either model is right (Sant'Anna & Zhao 2020).",
    "standardized mean difference (SMD)": "Difference in a covariate's mean between groups, in standard deviations; "
                                    "below 0.1 counts as balanced.",
    "sample-ratio mismatch": "A split of customers between arms that differs from the planned split by more than "
                             "chance: a sign of a broken assignment.",
    "repurchase rate": "Share of a group with an order within N days after the campaign end.",
    "churn rate": "Share of a group with no order in the churn threshold (days) before a date.",
    "net promoter score": "Share of promoters (scores 9-10) minus share of detractors (0-6), in points.",
    "minimum detectable effect": "Smallest true effect a campaign of the given size detects with the stated power.",
    "p-value": "Probability of a difference at least this large if the campaign had no effect; small values are "
               "evidence of a difference, not its size.",
    "Benjamini-Hochberg (BH)": "A rule for many tests at once: it adjusts p-values into q-values so that, among the "
                               "results called significant (q below 0.05), at most about 5% are expected to be false "
                               "discoveries.",
    "randomized": "Trust level: a holdout design whose split of customers matches the plan; the difference is the "
                  "campaign's effect.",
    "adjusted": "Trust level: a matched comparison that passed every check (balance, effective size, trimming, "
                "estimator agreement, overlapping campaigns, placebo); read as the campaign's effect under the "
                "assumption that targeting depended only on the covariates.",
    "indicative": "Trust level: a comparison with at least one failed check (a holdout whose split differs from "
                  "the plan, an arm without a buyer where many were expected, or a matched comparison that failed a "
                  "check); it describes a difference between groups, not an effect of the campaign.",
    "not estimable": "Trust level: the data cannot support an effect estimate (for example no pre-period or no one "
                     "to compare with); the reason is given.",
    "holdout": "Customers kept out of the campaign at random, so that they show what the others would have done "
               "without it.",
    "matched comparison": "Without a holdout: customers the campaign did not reach, weighted to resemble the "
                          "targeted ones on their pre-period behaviour and attributes.",
    "pre-period": "The days before the campaign (params: pre_period_days) used to describe customers before it "
                  "could act.",
    "campaign window": "From the campaign's start date to its end date (exclusive), clipped to the data.",
    "post-period": "The days after the campaign window (params: post_period_days); effects there show lasting "
                   "gains or purchases pulled forward.",
    "propensity score": "The modelled probability that a customer was targeted, given the covariates.",
    "ATT": "Average effect on the treated: how much the campaign changed the outcome of the customers it reached.",
    "IPW": "Inverse-probability weighting: comparison customers weighted by their propensity odds so that, on the "
           "covariates, they resemble the targeted customers.",
    "weighted comparison": "The comparison group averaged with the propensity odds weights of the verdict's "
                           "estimator; in the weekly chart it is descriptive, not a forecast.",
    "Kish effective size": "How many equally weighted customers a weighted group is worth: (sum of weights)^2 / sum "
                           "of squared weights. Few effective customers make the comparison fragile.",
    "trimming": "Leaving out customers whose propensity score is near 0 or 1, for whom no comparable customer "
                "exists (Crump et al. 2009).",
    "placebo test": "The same estimator applied to a period before the campaign, when it could not have acted: an "
                    "'effect' found there shows the comparison is biased.",
    "overlapping campaigns": "Other campaigns running during the analysis windows; their effects can mix with this "
                             "campaign's.",
    "covariate": "A customer characteristic measured before the campaign (pre-period orders, spend, recency, "
                 "attributes) that the comparison adjusts for.",
    "naive difference": "Targeted minus everyone else, without adjustment; mostly shows who was targeted.",
    "difference-in-differences": "The change from the pre-period to the campaign window in one group minus the "
                                 "change in the other.",
    "Lin adjustment": "Regression adjustment for a randomized test with treatment-by-covariate interactions (Lin "
                      "2013); narrows the interval where arms are large.",
    "ANCOVA": "Analysis of covariance: a regression of the outcome on the arm and pre-period covariates.",
    "HC2 standard errors": "Standard errors that stay valid when the spread differs between groups "
                           "(heteroskedasticity-consistent).",
    "CUPED": "Variance reduction with pre-period spend as a covariate: the same effect, a narrower interval.",
    "Welch t-test": "Comparison of two means without assuming equal spreads.",
    "Student t-test": "Comparison of two means with one pooled variance; over more than 10,000 customers, where a "
                      "normal interval is trusted, the large-sample form of the permutation test, which it "
                      "approaches there.",
    "permutation test": "A test that reshuffles the group labels many times to see how often a difference this "
                        "large arises by chance; valid at any group size.",
    "Fisher exact test": "An exact test of two proportions for small counts.",
    "score interval": "An interval for a proportion or a difference of proportions (Wilson, Newcombe) that keeps "
                      "its coverage with few events, unlike the plain normal interval.",
    "Wilson interval": "The score interval of one proportion.",
    "winsorization": "Capping extreme revenue values at a high quantile so that a few very large baskets do not "
                     "dominate a mean.",
    "pooled effect": "Random-effects average of comparable campaigns' verdicts (DerSimonian-Laird); only randomized "
                     "or adjusted verdicts are pooled.",
    "I-squared (I²)": "Share of the spread between campaigns' effects beyond chance (0% = consistent, above 50% = "
                      "the campaigns differ).",
    "tau-squared (τ²)": "Variance of the true effects between pooled campaigns.",
    "RFM": "Recency, frequency and monetary value of a customer's purchases, each scored 1-5; segments (champions, "
           "loyal customers, at risk, ...) are named cells of the recency x frequency grid.",
    "value tier": "Customers ranked by spend and split into tiers (high, medium, low) by share or threshold.",
    "lifecycle stage": "new (first order recently), active, sleeping (no order for a while), churned (no order for "
                       "longer than the churn threshold), never purchased, not yet registered.",
    "segment migration": "Where the customers of each segment before the campaign were after it, as row "
                         "percentages.",
    "lifetime value": "Expected future revenue of a customer (BG/NBD and Gamma-Gamma models).",
    "Kaplan-Meier curve": "Share of customers not yet back for another purchase, day by day, allowing for "
                          "customers observed for different lengths of time.",
    "log-rank test": "A test of whether two Kaplan-Meier curves differ.",
    "funnel": "Customers reaching each campaign event in order (delivered, opened, redeemed, ...); the last step "
              "counts everyone in the group who bought in the window.",
    "standard error (SE)": "The uncertainty of an estimate; the 95% interval is about 2 standard errors either "
                           "side.",
    "OLS": "Ordinary least squares: the plain linear regression.",
    "BG/NBD and Gamma-Gamma": "Models of how often customers buy and how much they spend per order (Fader, Hardie "
                              "& Lee 2005), combined into lifetime value.",
    "MAP": "Maximum a posteriori: the most probable parameter values of a Bayesian model, used like a best fit.",
    "redemption rate": "Share of targeted customers who redeemed the campaign's coupon.",
    "uplift (predicted)": "A customer's expected extra revenue from being sent the campaign, predicted by a model "
                          "from what the customer looked like before it; checked on customers the model did not see "
                          "(cross-fitting).",
    "T-learner": "An uplift model made of two models, one fitted on the treated arm and one on the control arm; the "
                 "predicted uplift is the difference of their predictions.",
    "Qini curve and AUUC": "The Qini curve adds up the observed extra revenue (treated minus control) as more "
                           "customers are targeted in order of predicted uplift; AUUC is the area under it. A model "
                           "worth using lies above the straight line of random targeting.",
    "sequential cross-fitting": "How the report decides whether an uplift model ranks customers better than chance: "
                                "customers are split into folds, each fold is scored by models fitted only on the "
                                "folds before it, and the folds' Qini excesses over random targeting are averaged "
                                "with a 95% interval (Wager 2024). Ordinary cross-fitting cannot be averaged this "
                                "way, because each fold's model saw the other folds.",
    "CSV": "Comma-separated values: a plain-text table that spreadsheets and CRMs open.",
}

def as_markdown(terms=None) -> str:
    """The glossary (or the given terms of it, in that order) as a markdown list, as the pages show it."""
    return "\n".join(f"- **{t}**: {GLOSSARY[t]}" for t in (GLOSSARY if terms is None else terms))


#: How each term shows on a page (case-insensitive regular expressions); a term not listed here appears as itself.
TERM_PATTERNS = {
    "uplift (predicted)": r"predicted uplift",
    "Qini curve and AUUC": r"\bQini\b|\bAUUC\b",
    "sequential cross-fitting": r"sequential cross-fitting",
    "CSV": r"\bCSV\b",
    "q-value": r"\bq-values?\b|\bq = ",
    "Benjamini-Hochberg (BH)": r"Benjamini-Hochberg|\bBH\b",
    "confidence interval (95% CI)": r"95% CI|confidence interval",
    "standardized mean difference (SMD)": r"\bSMD\b|standardized (mean )?difference",
    "Kish effective size": r"\bKish\b|effective (comparison )?(group )?size|effective sample size",
    "placebo test": r"\bplacebo\b",
    "doubly robust ATT": r"doubly robust",
    "IPW": r"\bIPW\b|inverse[- ]probability",
    "Lin adjustment": r"\bLin\b( \(2013\)| adjustment|,)",
    "permutation test": r"\bpermutation\b",
    "score interval": r"\bscore (interval|test)|Newcombe",
    "Wilson interval": r"\bWilson\b",
    "I-squared (I²)": r"I-squared|I²|\bI\^2\b",
    "tau-squared (τ²)": r"tau-squared|τ²",
    "RFM": r"\bRFM\b",
    "lifecycle stage": r"\blifecycle\b",
    "HC2 standard errors": r"\bHC2\b",
    "Welch t-test": r"\bWelch\b",
    "Student t-test": r"\bStudent\b|pooled[- ]variance",
    "Fisher exact test": r"Fisher exact",
    "Kaplan-Meier curve": r"Kaplan-Meier",
    "log-rank test": r"log-rank",
    "difference-in-differences": r"difference-in-differences",
    "pooled effect": r"\bpooled\b(?![- ]variance)",
    "segment migration": r"\bmigration\b",
    "lifetime value": r"lifetime value|\bCLV\b",
    "standard error (SE)": r"\bSE\b|standard error",
    "BG/NBD and Gamma-Gamma": r"BG/NBD|Gamma-Gamma",
    "propensity score": r"\bpropensity\b",
    "winsorization": r"winsoriz",
    "ROI": r"\bROI\b",
    "ATT": r"\bATT\b",
    "CUPED": r"\bCUPED\b",
    "ANCOVA": r"\bANCOVA\b",
    "trimming": r"\btrimm",
    "sample-ratio mismatch": r"sample-ratio",
    "weighted comparison": r"weighted comparison",
    "matched comparison": r"matched comparison|matched design",
    "value tier": r"value tier",
    "randomized": r"\brandomized\b",
    "adjusted": r"\btrust[^.]{0,40}\badjusted\b|\badjusted\b \(",
    "indicative": r"\bindicative\b",
    "not estimable": r"not[ _]estimable",
}


def terms_used(text: str) -> set[str]:
    """The glossary terms (and the watched technical terms) that ``text`` uses.

    Examples
    --------
    >>> sorted(terms_used("q = 0.03 after Benjamini-Hochberg; the Kish effective size is 70"))
    ['Benjamini-Hochberg (BH)', 'Kish effective size', 'q-value']
    """
    found = set()
    for term in GLOSSARY.keys() | TERM_PATTERNS.keys():
        pattern = TERM_PATTERNS.get(term, r"\b" + re.escape(term) + r"\b")
        if re.search(pattern, text, flags=re.IGNORECASE):
            found.add(term)
    return found


def undefined_terms(text: str) -> set[str]:
    """Watched technical terms that ``text`` uses but the glossary does not define (should be empty)."""
    return terms_used(text) - GLOSSARY.keys()
