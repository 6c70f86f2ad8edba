import copy
import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab import iorw  # noqa: E402
from campaignlab.plots import portfolio as pfplots  # noqa: E402
from campaignlab.run import index  # noqa: E402
from campaignlab.stats import pooling  # noqa: E402
from campaignlab.stats import portfolio as pf  # noqa: E402
from campaignlab.steps import portfolio as pstep  # noqa: E402

Z = 1.959963984540054


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def window(name, start, end, complete=True):
    return {"name": name, "start": start, "end": end, "clipped_start": start, "clipped_end": end,
            "days": 10, "covered_days": 10 if complete else 4, "complete": complete}


def summary(cid, *, type_="A", rpc=(2.0, 0.5, 3.5), revenue=(200.0, 50.0, 350.0), roi=(0.5, -0.2, 1.2),
            customers=100):
    """A complete summary.json as 03_response would write it (built by hand, not by running a campaign)."""
    est, lo, hi = rpc
    return {
        "schema_version": 1,
        "campaign": {"id": cid, "source_id": cid.upper(), "title": f"Campaign {cid}", "campaign_id": cid.upper(),
                     "type": type_, "start_date": "2024-01-01", "end_date": "2024-02-01"},
        "windows": {"pre": window("pre", "2023-10-03", "2024-01-01"),
                    "campaign": window("campaign", "2024-01-01", "2024-02-01"),
                    "post": window("post", "2024-02-01", "2024-05-01", complete=False),
                    "clipped": True, "notes": ["post-period partly covered"]},
        "data": {"fingerprint": "f" * 64, "source": "bundled", "first_day": "2023-01-01", "end_day": "2024-03-01"},
        "quality": [{"table": "transactions", "rows_in": 1000, "rows_out": 990}],
        "response": {
            "design": "holdout",
            "arms": [
                {"arm": "mail", "customers": customers, "responders": 20, "response_rate": 0.2, "converters": 30,
                 "conversion_rate": 0.3, "orders": 80, "revenue": 5000.0, "revenue_per_customer": 50.0, "aov": 62.5},
                {"arm": "holdout", "customers": 50, "responders": 0, "response_rate": 0.0, "converters": 10,
                 "conversion_rate": 0.2, "orders": 30, "revenue": 2400.0, "revenue_per_customer": 48.0, "aov": 80.0},
            ],
            "effects": [
                {"arm": "mail", "versus": "holdout", "metric": "revenue_per_customer", "method": "naive",
                 "role": "naive", "estimate": est * 3, "ci_low": lo * 3, "ci_high": hi * 3, "p_value": 0.01,
                 "relative": 0.1},
                # trust: what a version-2 verdict of this randomized holdout says; pooling needs it
                {"arm": "mail", "versus": "holdout", "metric": "revenue_per_customer", "method": "adjusted",
                 "estimate": est, "ci_low": lo, "ci_high": hi, "p_value": 0.02, "relative": 0.04,
                 "trust": "randomized"},
                {"arm": "mail", "versus": "holdout", "metric": "conversion_rate", "method": "z-test",
                 "estimate": 0.1, "ci_low": 0.02, "ci_high": 0.18, "p_value": 0.01, "relative": 0.5},
            ],
            "roi": {"incremental_revenue": dict(zip(("estimate", "ci_low", "ci_high"), revenue, strict=True)),
                    "roi": dict(zip(("estimate", "ci_low", "ci_high"), roi, strict=True)),
                    "net_profit": {"estimate": 10.0, "ci_low": -5.0, "ci_high": 25.0}, "total_cost": 40.0},
            "headline": [{"arm": "mail", "metric": "revenue_per_customer", "method": "adjusted",
                          "reason": "adjusted for pre-period spend", "caveat": "balance failed"}],
            "segments": [
                {"dimension": "rfm", "segment": "champions", "arm": "mail", "customers": 40, "response_rate": 0.3,
                 "lift": 0.12, "ci_low": 0.05, "ci_high": 0.19, "p_value": 0.001, "q_value": 0.004},
                {"dimension": "rfm", "segment": "hibernating", "arm": "mail", "customers": 60, "response_rate": 0.1,
                 "lift": 0.02, "ci_low": -0.03, "ci_high": 0.07, "p_value": 0.4, "q_value": 0.4},
            ],
        },
        "segments": {"rfm": [{"segment": "champions", "customers": 40, "share": 0.4, "revenue_share": 0.7},
                             {"segment": "hibernating", "customers": 60, "share": 0.6, "revenue_share": 0.3}]},
        "retention": None,
    }


def portfolio_fixture():
    full_a = summary("c1", revenue=(200.0, 50.0, 350.0))
    full_b = summary("c2", type_="A", rpc=(1.0, 1.0 - Z, 1.0 + Z), revenue=(500.0, -100.0, 1100.0))
    no_response = summary("c3", type_="B")
    no_response["response"] = None
    nulls = summary("c4", type_=None)
    nulls["response"]["roi"] = None
    nulls["response"]["effects"][1]["ci_low"] = None  # a non-finite bound arrives as null
    no_headline = summary("c5", type_="B", rpc=(-3.0, -5.0, -1.0), revenue=(-300.0, -500.0, -100.0))
    del no_headline["response"]["headline"]
    bare = {"schema_version": 1, "campaign": {"id": "c6"}}  # windows, data, quality, response all missing
    return [full_a, full_b, no_response, nulls, no_headline, bare]


# --------------------------------------------------------------------------------------------- campaign table
def test_campaign_table_ranks_and_reads_headline():
    t = pf.compute_campaign_table(portfolio_fixture())
    assert list(t.columns) == list(pf.CAMPAIGN_COLUMNS)
    assert t["campaign_id"].tolist() == ["c2", "c1", "c5", "c3", "c4", "c6"]  # by incremental revenue, NaN last
    assert t["rank"].tolist()[:3] == [1, 2, 3] and t["rank"].iloc[3:].isna().all()
    c1 = t.set_index("campaign_id").loc["c1"]
    # the headline is the adjusted effect, not the (larger) naive one listed first
    assert (c1["revenue_per_customer"], c1["revenue_per_customer_ci_low"], c1["headline_method"]) == (2.0, 0.5,
                                                                                                      "adjusted")
    assert c1["customers"] == 100 and c1["design"] == "holdout" and c1["title"] == "Campaign c1"
    assert c1["incremental_revenue_ci_high"] == 350.0 and c1["roi"] == 0.5 and c1["total_cost"] == 40.0
    assert bool(c1["significant"]) is True and c1["headline_caveat"] == "balance failed"


def test_campaign_table_uses_headline_numbers_when_effect_is_not_listed():
    s = summary("c1")
    s["response"]["headline"][0].update(method="other", estimate=7.0, ci_low=-1.0, ci_high=15.0)
    row = pf.compute_campaign_table([s]).iloc[0]
    assert (row["revenue_per_customer"], row["headline_method"], bool(row["significant"])) == (7.0, "other", False)
    del s["response"]["headline"][0]["estimate"]
    row = pf.compute_campaign_table([s]).iloc[0]
    assert math.isnan(row["revenue_per_customer"]) and "not in response.effects" in row["note"]


def test_campaign_table_survives_missing_sections_and_nulls():
    t = pf.compute_campaign_table(portfolio_fixture() + [None]).set_index("campaign_id")
    assert len(t) == 6  # the null entry is skipped
    assert bool(t.loc["c2", "significant"]) is False  # 1 +/- 1.96 includes 0
    assert t.loc["c3", "note"] == "response not available" and pd.isna(t.loc["c3", "significant"])
    assert t.loc["c4", "type"] == "unknown" and "roi not available" in t.loc["c4", "note"]
    assert math.isnan(t.loc["c4", "incremental_revenue"]) and pd.isna(t.loc["c4", "significant"])
    assert "no revenue_per_customer headline" in t.loc["c5", "note"]
    assert math.isnan(t.loc["c5", "revenue_per_customer"]) and t.loc["c5", "incremental_revenue"] == -300.0
    assert t.loc["c5", "customers"] == 100  # arms that are nobody's comparison group
    assert t.loc["c6", "title"] == "c6" and t.loc["c6", "note"] == "response not available"


def test_type_comparison_describes_each_type():
    t = pf.compute_campaign_table(portfolio_fixture())
    out = pf.compute_type_comparison(t).set_index("type")
    assert list(out.reset_index().columns) == list(pf.TYPE_COLUMNS)
    assert out.index.tolist() == ["A", "B", "unknown"]
    a = out.loc["A"]
    assert a["campaigns"] == 2 and a["mean_revenue_per_customer"] == 1.5 and a["share_significant"] == 0.5
    b = out.loc["B"]  # c3 has no response, c5 no headline
    assert b["campaigns"] == 2 and b["with_estimate"] == 0 and math.isnan(b["share_significant"])
    empty = pf.compute_type_comparison(pf.compute_campaign_table([]))
    assert empty.empty and list(empty.columns) == list(pf.TYPE_COLUMNS)


def test_campaign_table_reads_the_headline_window():
    t = pf.compute_campaign_table(portfolio_fixture()).set_index("campaign_id")
    assert t.loc["c1", "window_kind"] == "campaign window" and t.loc["c1", "window_days"] == 10
    assert pd.isna(t.loc["c6", "window_kind"]) and math.isnan(t.loc["c6", "window_days"])  # no windows section
    clipped = summary("c7")
    clipped["windows"]["campaign"].update(covered_days=6, complete=False)
    row = pf.compute_campaign_table([clipped]).iloc[0]
    assert (row["window_kind"], row["window_days"]) == ("campaign window (partly observed)", 6)


def test_pooled_effects_random_effects_within_comparable_campaigns():
    t = pf.compute_campaign_table(portfolio_fixture())
    pooled = pf.compute_pooled_effects(t)
    # Only c1 and c2 (type A, holdout, 10-day campaign window) have intervals and can be pooled.
    assert pooled["group"].tolist() == ["type A, holdout, randomized, campaign window, 10 days"]
    assert pooled["campaigns"].tolist() == [["c1", "c2"]]
    # c1: estimate 2, se 1.5 / 1.96; c2: estimate 1, se 1; by hand, DerSimonian-Laird.
    y, v = np.array([2.0, 1.0]), np.array([(3.0 / (2 * Z)) ** 2, 1.0])
    w = 1 / v
    q = (w * (y - (w * y).sum() / w.sum()) ** 2).sum()
    tau2 = max(0.0, (q - 1) / (w.sum() - (w ** 2).sum() / w.sum()))
    w_re = 1 / (v + tau2)
    row = pooled.iloc[0]
    assert row["tau2"] == pytest.approx(tau2) and row["i2"] == pytest.approx(max(0.0, (q - 1) / q))
    assert row["estimate"] == pytest.approx((w_re * y).sum() / w_re.sum())
    half = Z * math.sqrt(1 / w_re.sum())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((row["estimate"] - half, row["estimate"] + half))


def test_campaigns_with_other_windows_are_not_pooled():
    longer = summary("c7", rpc=(1.5, 0.0, 3.0))
    longer["windows"]["campaign"].update(days=13, covered_days=13)  # 13 > 1.25 * 10
    partly = summary("c8", rpc=(1.5, 0.0, 3.0))
    partly["windows"]["campaign"].update(covered_days=9, complete=False)  # another window kind
    matched = summary("c9", rpc=(1.5, 0.0, 3.0))
    matched["response"]["design"] = "matched"
    matched["response"]["effects"][1]["trust"] = "adjusted"
    indicative = summary("c11", rpc=(1.5, 0.0, 3.0))  # same type, design and window, but indicative
    indicative["response"]["effects"][1]["trust"] = "indicative"
    t = pf.compute_campaign_table(portfolio_fixture() + [longer, partly, matched, indicative])
    assert pf.compute_pooled_effects(t)["campaigns"].tolist() == [["c1", "c2"]]
    within = summary("c10", rpc=(1.5, 0.0, 3.0))
    within["windows"]["campaign"].update(days=12, covered_days=12)  # 12 <= 1.25 * 10
    t = pf.compute_campaign_table(portfolio_fixture() + [within])
    assert pf.compute_pooled_effects(t)["campaigns"].tolist() == [["c1", "c10", "c2"]]


def test_portfolio_write_puts_the_pooled_table_in_portfolio_json(tmp_path):
    for s in portfolio_fixture():
        iorw.write_json(tmp_path / s["campaign"]["id"] / "summary.json", s)
    result = pstep.analyse(tmp_path)
    path = pstep.write(tmp_path, result)
    assert path == tmp_path / "_portfolio" / "portfolio.json"
    written = iorw.read_json(path)
    assert list(written) == ["pooled", "not_pooled"] and len(written["pooled"]) == 1
    unpooled = pooling.compute_unpooled(result.table)
    assert len(unpooled) > 0 and written["not_pooled"] == [
        {"campaign_id": c, "trust": None if pd.isna(t) else t, "reason": r}  # no trust level is written as null
        for c, t, r in zip(unpooled["campaign_id"], unpooled["trust"], unpooled["reason"])]
    entry = written["pooled"][0]
    assert list(entry) == ["group", "method", "estimate", "ci_low", "ci_high", "i2", "tau2", "campaigns"]
    assert entry["campaigns"] == ["c1", "c2"] and "DerSimonian-Laird" in entry["method"]
    assert entry["estimate"] == pytest.approx(result.pooled["estimate"].iloc[0])


def test_portfolio_pooled_view_names_what_is_not_pooled(monkeypatch):
    said = []
    monkeypatch.setattr(pstep, "show_markdown", said.append)
    monkeypatch.setattr(pstep, "show_not_available", lambda na: said.append(na.sentence))
    summaries = portfolio_fixture()
    table = pf.compute_campaign_table(summaries)
    result = pstep.PortfolioResult([], table, pf.compute_type_comparison(table), pd.DataFrame(),
                                   pf.compute_pooled_effects(table))
    view = pstep.portfolio_pooled(result)
    assert view.data["campaigns"].tolist() == ["c1, c2"]
    assert "DerSimonian-Laird" in said[0] and "c5" in said[0] and "c6" in said[0]
    alone = pf.compute_campaign_table(summaries[:1])
    said.clear()
    assert pstep.portfolio_pooled(pstep.PortfolioResult([], alone, pd.DataFrame(), pd.DataFrame(),
                                                        pf.compute_pooled_effects(alone))) is None
    assert said == ["A pooled effect is not available: no two randomized or adjusted campaigns share type, design "
                    "and window kind with window lengths within 25% of each other and an interval each. To get it: "
                    "run comparable campaigns (same design, similar windows) with a holdout or a comparison that "
                    "passes the trust checks.", said[1]]
    assert said[1].startswith("Only randomized or adjusted verdicts are pooled") and "c1 (no comparable" in said[1]


# --------------------------------------------------------------------------------------------- highlights
def test_highlights_only_significant_effects_and_segments():
    h = pf.compute_highlights(portfolio_fixture(), top=2)
    assert list(h.columns) == list(pf.HIGHLIGHT_COLUMNS)
    eff = h[h["kind"] == "effect"]
    # revenue_per_customer, naive ones left out: significant are c1 adjusted (2) and c5 adjusted (-3);
    # c2's interval includes 0 and c4's lost its lower bound
    rpc = eff[eff["metric"] == "revenue_per_customer"]
    assert rpc["estimate"].tolist() == [-3.0, 2.0]
    with_naive = pf.compute_highlights(portfolio_fixture(), top=2, include_naive=True)
    # now also c1 naive (6), c4 naive (6), c5 naive (-9): the top 2 are c5 naive and the first +6
    assert with_naive.loc[with_naive["metric"] == "revenue_per_customer", "estimate"].tolist() == [-9.0, 6.0]
    assert (eff["metric"] == "conversion_rate").sum() == 2  # top per metric
    # c2's interval includes 0 and is never a highlight, and c4's adjusted one lost its lower bound
    assert not ((eff["campaign_id"] == "c2") & (eff["method"] == "adjusted")).any()
    assert not ((eff["campaign_id"] == "c4") & (eff["method"] == "adjusted")).any()
    seg = h[h["kind"] == "segment"]
    assert len(seg) == 2 and set(seg["segment"]) == {"champions"}
    every = pf.compute_highlights(portfolio_fixture(), top=100)
    assert set(every.loc[every["kind"] == "segment", "segment"]) == {"champions"}  # hibernating has q = 0.4
    first = rpc["sentence"].iloc[0]
    assert first == ("Campaign c5 (c5): revenue per customer, mail vs holdout, -3.00 (95% CI -5.00 to -1.00; "
                     "adjusted).")
    assert "+12.0 pp" in seg["sentence"].iloc[0] and "q = 0.004" in seg["sentence"].iloc[0]
    assert pf.compute_highlights([None, {"campaign": None}]).empty


# --------------------------------------------------------------------------------------------- diff
def test_summary_diff_reports_changes_and_drops_identical():
    a = summary("c1")
    b = copy.deepcopy(a)
    b["campaign"]["title"] = "Renamed"
    b["response"]["arms"][0]["customers"] = 110
    b["response"]["effects"][1]["estimate"] = 2.5
    b["response"]["effects"][2]["method"] = "wald"  # another method is another effect
    b["response"]["roi"]["roi"]["estimate"] = None
    b["segments"]["rfm"][0]["customers"] = 45
    d = pf.compute_summary_diff(a, b)
    assert list(d.columns) == list(pf.DIFF_COLUMNS)
    got = {(s, i, m): c for s, i, m, _, _, c in d.itertuples(index=False)}
    assert got[("campaign", "campaign", "title")] == "changed"
    assert got[("arms", "mail", "customers")] == 10
    assert got[("effects", "mail vs holdout: revenue_per_customer (adjusted)", "estimate")] == pytest.approx(0.5)
    assert got[("effects", "mail vs holdout: conversion_rate (z-test)", "estimate")] == "removed"
    assert got[("effects", "mail vs holdout: conversion_rate (wald)", "estimate")] == "added"
    assert got[("roi", "roi", "estimate")] == "changed"
    assert got[("segments", "rfm: champions", "customers")] == 5
    assert ("arms", "holdout", "customers") not in got  # identical values are dropped
    full = pf.compute_summary_diff(a, b, show_all=True)
    assert len(full) > len(d) and (full["change"] == "").any()
    assert pf.compute_summary_diff(a, a).empty


def test_diff_runs_reads_folders_and_files(tmp_path):
    a, b = summary("c1"), summary("c1", revenue=(250.0, 50.0, 350.0))
    iorw.write_json(tmp_path / "run_a" / "summary.json", a)
    iorw.write_json(tmp_path / "b.json", b)
    d = pstep.diff_runs(tmp_path / "run_a", str(tmp_path / "b.json"))
    assert d[["section", "item", "metric"]].values.tolist() == [["roi", "incremental_revenue", "estimate"]]
    assert d["change"].iloc[0] == 50.0
    with pytest.raises(FileNotFoundError, match="give a run folder"):
        pstep.diff_runs(tmp_path / "nowhere", tmp_path / "b.json")


# --------------------------------------------------------------------------------------------- runs and index
def test_read_runs_and_index_entries_status(tmp_path):
    iorw.write_json(tmp_path / "c1" / "summary.json", summary("c1"))
    iorw.write_json(tmp_path / "c1" / "run.json", {"started": "2024-05-01T10:00:00",
                                                   "finished": "2024-05-01T10:04:00", "package_version": "0.1.0"})
    (tmp_path / "c1" / "01_clean.html").write_text("x")
    (tmp_path / "c1" / "05_review_report.html").write_text("x")
    iorw.write_json(tmp_path / "c2" / "summary.json", summary("c2"))
    iorw.write_json(tmp_path / "c2" / "run.json", {"started": "2024-05-01T10:00:00", "package_version": "0.0.9"})
    (tmp_path / "_failed" / "c2-20240502T080000123456").mkdir(parents=True)
    (tmp_path / "_failed" / "c3-20240502T080000123456").mkdir(parents=True)
    (tmp_path / "_failed" / "c1-20240401T080000000000").mkdir(parents=True)  # older than c1's report
    (tmp_path / "_cache").mkdir()
    runs = iorw.read_runs(tmp_path)
    assert [r["campaign_id"] for r in runs] == ["c1", "c2", "c3"]
    assert runs[0]["reports"] == ["01_clean.html", "05_review_report.html"]
    entries = {e["campaign_id"]: e for e in index.compute_index_entries(runs, package_version="0.1.0")}
    assert entries["c1"]["status"] == "ok" and entries["c1"]["href"] == "c1/05_review_report.html"
    assert entries["c1"]["run_date"] == "2024-05-01 10:04" and entries["c1"]["incremental_revenue"] == 200.0
    assert entries["c2"]["status"] == "failed"  # a failure after the published run
    assert entries["c3"]["status"] == "failed" and entries["c3"]["href"] is None
    stale = {e["campaign_id"]: e["status"] for e in index.compute_index_entries(runs[:1], fingerprint="0" * 64)}
    assert stale == {"c1": "stale"}


def test_index_html_links_every_report_and_is_self_contained():
    entries = [
        {"campaign_id": f"cj_campaign_{i}", "title": f"Campaign {i}", "href": f"cj_campaign_{i}/05_review_report.html",
         "status": "ok", "run_date": "2024-05-01", "incremental_revenue": 1000.0 * i,
         "incremental_revenue_ci_low": 10.0, "incremental_revenue_ci_high": 3000.0 * i, "roi": 0.25,
         "roi_ci_low": -0.1, "roi_ci_high": 0.6, "significant": True}
        for i in (8, 13, 18)
    ]
    entries.append({"campaign_id": "evil", "title": "<script>alert('x')</script> & co", "href": None,
                    "status": "failed", "note": "notebook 03_response failed"})
    entries.append({"campaign_id": "old", "href": "old/report.html", "status": "stale", "roi": None})
    html = index.build_index_html(entries, title="Campaign reports <2024>", portfolio_href="06_portfolio.html",
                               generated="2024-05-02 09:00")
    links = re.findall(r'href="([^"]+)"', html)
    assert links == ["06_portfolio.html", "cj_campaign_8/05_review_report.html",
                     "cj_campaign_13/05_review_report.html", "cj_campaign_18/05_review_report.html",
                     "old/report.html"]
    assert "<script" not in html and "http" not in html and "<link" not in html and "@import" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert "Campaign reports &lt;2024&gt;" in html
    assert "+18,000 (95% CI +10 to +54,000)" in html and "+0.25 (95% CI -0.10 to +0.60)" in html
    assert html.count("not available") >= 3  # the failed and stale rows' missing numbers
    assert "? to ?" not in html and "?<br>to ?" not in html  # a failed run without dates: "not available"
    assert 'class="status failed"' in html and 'class="status stale"' in html


def test_index_html_refuses_absolute_links_and_unknown_status():
    with pytest.raises(ValueError, match="must be relative"):
        index.build_index_html([{"campaign_id": "c", "href": "https://example.com/r.html"}], title="t")
    with pytest.raises(ValueError, match="must be relative"):
        index.build_index_html([{"campaign_id": "c", "href": "/etc/r.html"}], title="t")
    with pytest.raises(ValueError, match="status must be one of"):
        index.build_index_html([{"campaign_id": "c", "status": "done"}], title="t")


# --------------------------------------------------------------------------------------------- plots
def test_plot_campaign_ranking_points_intervals_and_labels():
    t = pf.compute_campaign_table(portfolio_fixture())
    ax = pfplots.plot_campaign_ranking(t)
    # c2, c1, c5 have incremental revenue; c3, c4, c6 are left out
    assert [x.get_text() for x in ax.get_yticklabels()] == ["Campaign c2 (c2)", "Campaign c1 (c1)",
                                                            "Campaign c5 (c5)"]
    points = [c for c in ax.collections if c.get_offsets().shape[0] and not hasattr(c, "get_segments")]
    assert sum(c.get_offsets().shape[0] for c in points) == 3
    intervals = [c for c in ax.collections if hasattr(c, "get_segments")]
    assert sum(len(c.get_segments()) for c in intervals) == 3
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["A", "B"]
    np.testing.assert_allclose(sorted(s[:, 0].min() for c in intervals for s in c.get_segments()),
                               [-500.0, -100.0, 50.0])


def test_plot_roi_and_empty_table():
    t = pf.compute_campaign_table(portfolio_fixture())
    ax = pfplots.plot_roi(t)
    assert len(ax.get_yticklabels()) == 3  # c4 (roi null), c3 and c6 (no response) have no ROI
    empty_ax = pfplots.plot_roi(t.iloc[0:0])
    assert "not available" in empty_ax.texts[0].get_text()


def test_highlights_use_each_campaigns_verdict_with_q_values_across_campaigns():
    def summary(cid, p, est):
        return {"campaign": {"id": cid, "title": cid.upper()},
                "response": {"verdict": {"arm": "all arms", "metric": "revenue_per_customer", "estimate": est,
                                         "ci_low": est - 1, "ci_high": est + 1, "p_value": p, "method": "DR",
                                         "trust": "indicative"},
                             "effects": [{"arm": "t", "versus": "c", "metric": "revenue_per_customer",
                                          "role": "headline", "method": "DR", "estimate": 50.0, "ci_low": 40.0,
                                          "ci_high": 60.0}]}}
    # 0.03 alone would pass 5%, but not after Benjamini-Hochberg over three campaigns (q = 0.045 * 3 / 2 > 0.05)
    out = pf.compute_highlights([summary("a", 0.001, 5.0), summary("b", 0.045, 3.0), summary("c", 0.9, 0.1)])
    assert out["campaign_id"].tolist() == ["a"]
    assert "q = 0.003 across campaigns; trust indicative" in out["sentence"].iloc[0]


def test_the_ranking_says_why_a_verdict_is_not_trusted_more():
    s = {"campaign": {"id": "c1"},
         "response": {"verdict": {"arm": "all arms", "metric": "revenue_per_customer", "estimate": 1.0,
                                  "ci_low": -1.0, "ci_high": 3.0, "p_value": 0.4, "trust": "indicative",
                                  "trust_reasons": ["Balance failed.", "No placebo."]}}}
    assert pf.compute_campaign_table([s])["headline_caveat"].iloc[0] == "Balance failed. No placebo."


def test_index_money_carries_the_currency():
    html = index.build_index_html([{"campaign_id": "c1", "incremental_revenue": 1200.0,
                                    "incremental_revenue_ci_low": 100.0, "incremental_revenue_ci_high": 2300.0,
                                    "currency": "$"}], title="t")
    assert "$ +1,200 (95% CI $ +100 to $ +2,300)" in html


def test_indicative_verdicts_are_listed_not_pooled():
    a, b = summary("c1"), summary("c2", rpc=(1.0, 1.0 - Z, 1.0 + Z))
    for s in (a, b):
        s["response"]["effects"][1]["trust"] = "indicative"
    t = pf.compute_campaign_table([a, b])
    assert pf.compute_pooled_effects(t).empty
    unpooled = pooling.compute_unpooled(t)
    assert unpooled["campaign_id"].tolist() == ["c1", "c2"]
    assert unpooled["reason"].str.startswith("indicative").all()
    for s in (a, b):
        s["response"]["effects"][1]["trust"] = "randomized"
    t = pf.compute_campaign_table([a, b])
    assert pf.compute_pooled_effects(t)["campaigns"].tolist() == [["c1", "c2"]] and pooling.compute_unpooled(t).empty


def test_segment_highlights_name_the_trust_of_their_campaign_beside_q():
    s = summary("c1")
    s["response"]["verdict"] = {"arm": "all arms", "metric": "revenue_per_customer", "estimate": 2.0, "ci_low": -1.0,
                                "ci_high": 5.0, "p_value": 0.3, "trust": "indicative", "trust_reasons": ["x"]}
    old = summary("c2")  # a version-1 summary: no verdict, no trust
    h = pf.compute_highlights([s, old])
    seg = h[h["kind"] == "segment"].set_index("campaign_id")["sentence"]
    assert "q = 0.004" in seg["c1"] and "campaign trust indicative: a difference between groups" in seg["c1"]
    assert "campaign trust not assessed" in seg["c2"]


def test_a_verdict_pooled_over_several_arms_reaches_every_treated_arm():
    # Three arms against one control, the verdict pooled ("all arms"): the reach is every treated customer, the
    # customers of the review's "reached" and of the redemption rate, not the first arm's.
    s = summary("c1")
    arms = s["response"]["arms"]
    s["response"]["arms"] = [{**arms[0], "arm": f"mail_{i}", "customers": 100 + i} for i in (1, 2, 3)] + [arms[1]]
    s["response"]["control_arm"] = "holdout"
    s["response"]["effects"] += [{"arm": "mail_1", "versus": "mail_2", "metric": "revenue_per_customer",
                                  "method": "adjusted", "estimate": 1.0, "ci_low": 0.0, "ci_high": 2.0}]
    s["response"]["verdict"] = {"arm": "all arms", "metric": "revenue_per_customer", "estimate": 2.0, "ci_low": 0.5,
                                "ci_high": 3.5, "p_value": 0.01, "method": "adjusted", "trust": "randomized"}
    row = pf.compute_campaign_table([s]).iloc[0]
    assert row["customers"] == 306
    assert row["response_rate"] == pytest.approx(60 / 306)
